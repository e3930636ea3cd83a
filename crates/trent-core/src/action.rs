//! The actions policies name (`kms:Encrypt`, `iam:CreateUser`,
//! `sts:AssumeRole`), as a closed, typed set: code names an action by its
//! variant, and the text a policy matches is written once, here.

macro_rules! actions {
    ($($service:literal => [$($name:ident),+ $(,)?]),+ $(,)?) => {
        /// An action Trent authorizes, from every service it answers for.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $($(#[doc = concat!("`", $service, ":", stringify!($name), "`")] $name,)+)+
        }

        impl Action {
            /// Every action.
            pub const ALL: &'static [Self] = &[$($(Self::$name,)+)+];

            /// The action as policies name it, such as `kms:Encrypt`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($(Self::$name => concat!($service, ":", stringify!($name)),)+)+
                }
            }

            /// The service prefix, such as `kms`.
            pub const fn service(self) -> &'static str {
                match self {
                    $($(Self::$name => $service,)+)+
                }
            }
        }
    };
}

actions! {
    "kms" => [
        CancelKeyDeletion, CreateAlias, CreateGrant, CreateKey, Decapsulate, Decrypt,
        DeleteAlias, DeleteImportedKeyMaterial, DeriveSharedSecret, DescribeKey, DisableKey, DisableKeyRotation,
        EnableKey, EnableKeyRotation, Encapsulate, Encrypt, GenerateDataKey,
        GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext,
        GenerateDataKeyWithoutPlaintext, GenerateMac, GenerateRandom, GetKeyLastUsage,
        GetKeyPolicy, GetKeyRotationStatus, GetParametersForImport, GetPublicKey,
        ImportKeyMaterial, ListAliases, ListGrants,
        ListKeyPolicies, ListKeyRotations, ListKeys, ListResourceTags, ListRetirableGrants,
        PutKeyPolicy, ReEncryptFrom, ReEncryptTo, ReplicateKey, RetireGrant, RevokeGrant,
        RotateKeyOnDemand, ScheduleKeyDeletion, Sign, TagResource, UntagResource,
        UpdateAlias, UpdateKeyDescription, UpdatePrimaryRegion, Verify, VerifyMac,
    ],
    "iam" => [
        CreateUser, GetUser, ListUsers, ListGroupsForUser, DeleteUser, CreateAccessKey,
        ListAccessKeys, UpdateAccessKey, DeleteAccessKey, CreateRole, CreateServiceLinkedRole,
        GetRole, ListRoles, DeleteRole, UpdateAssumeRolePolicy, PutUserPolicy, PutRolePolicy,
        GetUserPolicy, GetRolePolicy, ListUserPolicies, ListRolePolicies, DeleteUserPolicy,
        DeleteRolePolicy,
    ],
    "sts" => [AssumeRole],
    "trent" => [ExplainDecision],
}

impl Action {
    /// The name a grant lists for this action (`Encrypt` for `kms:Encrypt`);
    /// `None` for actions of other services.
    pub fn grant_operation(self) -> Option<&'static str> {
        self.as_str().strip_prefix("kms:")
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_spelled_as_policies_name_them() {
        assert_eq!(Action::Encrypt.as_str(), "kms:Encrypt");
        assert_eq!(Action::ReEncryptTo.as_str(), "kms:ReEncryptTo");
        assert_eq!(Action::CreateUser.as_str(), "iam:CreateUser");
        assert_eq!(Action::AssumeRole.as_str(), "sts:AssumeRole");
        assert_eq!(Action::ExplainDecision.to_string(), "trent:ExplainDecision");
        assert_eq!(Action::Decrypt.grant_operation(), Some("Decrypt"));
        assert_eq!(Action::CreateRole.grant_operation(), None);
        let mut names: Vec<_> = Action::ALL.iter().map(|action| action.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len(), "no action named twice");
    }
}
