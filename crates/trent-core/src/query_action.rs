//! The Query action table: every IAM and STS action Trent serves and the
//! facts it declares, once, for the server (which service answers, which
//! principal kind a `User`/`Role` pair concerns, the metrics label) and the
//! service (which action authorizes it).
//!
//! The KMS side has the same shape in [`crate::operation`].

use crate::action::Action;
use crate::id::PrincipalKind;
use crate::operation::Effect;

/// Which service a Query action belongs to; also its SigV4 service name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QueryService {
    /// IAM (`iam`, API version 2010-05-08).
    Iam,
    /// STS (`sts`, API version 2011-06-15).
    Sts,
}

impl QueryService {
    /// The service an action named `name` belongs to: IAM for every name
    /// Trent does not serve (whose error then comes in IAM's namespace).
    pub fn of_action(name: &str) -> Self {
        QueryAction::from_name(name).map_or(Self::Iam, QueryAction::service)
    }

    /// The SigV4 service name, also the prefix of its actions in policies.
    pub const fn signing_name(self) -> &'static str {
        match self {
            Self::Iam => "iam",
            Self::Sts => "sts",
        }
    }
}

/// The facts of one Query action, as its row declares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts {
    /// The service that answers it.
    pub service: QueryService,
    /// The action that authorizes it; `None` for GetCallerIdentity, which
    /// every authenticated caller may call.
    pub action: Option<Action>,
    /// Whether it changes the store.
    pub effect: Effect,
    /// The kind of principal it concerns, where it concerns one kind.
    pub principal: Option<PrincipalKind>,
    /// Its parameters and response elements that are credentials: never
    /// recorded anywhere.
    pub secret_members: &'static [&'static str],
}

macro_rules! authorizing {
    (-) => {
        None
    };
    ($action:ident) => {
        Some(Action::$action)
    };
}

macro_rules! principal {
    (-) => {
        None
    };
    ($kind:ident) => {
        Some(PrincipalKind::$kind)
    };
}

macro_rules! query_actions {
    ($($name:ident => $service:ident, $action:tt, $effect:ident, $kind:tt, [$($secret:literal),*];)+) => {
        /// An IAM or STS action Trent serves.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum QueryAction {
            $(#[doc = concat!("`", stringify!($name), "`")] $name,)+
        }

        impl QueryAction {
            /// Every action Trent serves.
            pub const ALL: &'static [Self] = &[$(Self::$name,)+];

            /// AWS's name of the action (the `Action` parameter).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$name => stringify!($name),)+
                }
            }

            /// The action AWS names `name`, if Trent serves it.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $(stringify!($name) => Some(Self::$name),)+
                    _ => None,
                }
            }

            /// The action's row of the table.
            pub const fn facts(self) -> Facts {
                match self {
                    $(Self::$name => Facts {
                        service: QueryService::$service,
                        action: authorizing!($action),
                        effect: Effect::$effect,
                        principal: principal!($kind),
                        secret_members: &[$($secret),*],
                    },)+
                }
            }
        }
    };
}

// name => service, authorizing action (- for none), effect, principal kind (- for none),
//     [secret parameters and response elements];
query_actions! {
    GetCallerIdentity => Sts, -, Read, -, [];
    AssumeRole => Sts, AssumeRole, Read, Role, ["SecretAccessKey", "SessionToken"];
    CreateUser => Iam, CreateUser, Write, User, [];
    GetUser => Iam, GetUser, Read, User, [];
    ListUsers => Iam, ListUsers, Read, User, [];
    DeleteUser => Iam, DeleteUser, Write, User, [];
    ListGroupsForUser => Iam, ListGroupsForUser, Read, User, [];
    CreateAccessKey => Iam, CreateAccessKey, Write, -, ["SecretAccessKey"];
    ListAccessKeys => Iam, ListAccessKeys, Read, -, [];
    UpdateAccessKey => Iam, UpdateAccessKey, Write, -, [];
    DeleteAccessKey => Iam, DeleteAccessKey, Write, -, [];
    CreateRole => Iam, CreateRole, Write, Role, [];
    CreateServiceLinkedRole => Iam, CreateServiceLinkedRole, Write, Role, [];
    GetRole => Iam, GetRole, Read, Role, [];
    ListRoles => Iam, ListRoles, Read, Role, [];
    DeleteRole => Iam, DeleteRole, Write, Role, [];
    UpdateAssumeRolePolicy => Iam, UpdateAssumeRolePolicy, Write, Role, [];
    PutUserPolicy => Iam, PutUserPolicy, Write, User, [];
    PutRolePolicy => Iam, PutRolePolicy, Write, Role, [];
    GetUserPolicy => Iam, GetUserPolicy, Read, User, [];
    GetRolePolicy => Iam, GetRolePolicy, Read, Role, [];
    ListUserPolicies => Iam, ListUserPolicies, Read, User, [];
    ListRolePolicies => Iam, ListRolePolicies, Read, Role, [];
    DeleteUserPolicy => Iam, DeleteUserPolicy, Write, User, [];
    DeleteRolePolicy => Iam, DeleteRolePolicy, Write, Role, [];
}

impl QueryAction {
    /// The service that answers it.
    pub const fn service(self) -> QueryService {
        self.facts().service
    }

    /// The action that authorizes it, if any does.
    pub const fn action(self) -> Option<Action> {
        self.facts().action
    }

    /// Whether it changes the store.
    pub const fn writes(self) -> bool {
        matches!(self.facts().effect, Effect::Write)
    }

    /// The kind of principal it concerns, where it concerns one kind.
    pub const fn principal(self) -> Option<PrincipalKind> {
        self.facts().principal
    }
}

/// The metrics label of an action: its name from the closed set, or `unknown`.
pub fn label(name: &str) -> &'static str {
    QueryAction::from_name(name).map_or("unknown", QueryAction::name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_iam() {
        for action in QueryAction::ALL {
            assert_eq!(QueryAction::from_name(action.name()), Some(*action));
            assert_eq!(label(action.name()), action.name());
            assert_eq!(QueryService::of_action(action.name()), action.service());
        }
        assert_eq!(QueryAction::from_name("createUser"), None);
        assert_eq!(label("CreateGroup"), "unknown");
        assert_eq!(QueryService::of_action("CreateGroup"), QueryService::Iam);
        assert_eq!(QueryService::of_action("AssumeRole"), QueryService::Sts);
    }

    #[test]
    fn actions_are_authorized_by_their_namesake() {
        for action in QueryAction::ALL {
            match action.action() {
                Some(authorizing) => assert_eq!(
                    authorizing.as_str(),
                    format!("{}:{}", action.service().signing_name(), action.name())
                ),
                None => assert_eq!(*action, QueryAction::GetCallerIdentity),
            }
        }
    }

    #[test]
    fn user_and_role_pairs_name_their_principal_kind() {
        for action in QueryAction::ALL {
            let name = action.name();
            if name.contains("Role") {
                assert_eq!(action.principal(), Some(PrincipalKind::Role), "{name}");
            } else if name.contains("User") {
                assert_eq!(action.principal(), Some(PrincipalKind::User), "{name}");
            }
        }
        assert!(QueryAction::CreateUser.writes());
        assert!(!QueryAction::ListRoles.writes());
    }
}
