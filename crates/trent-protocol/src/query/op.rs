//! One module per IAM or STS concern: for each action, `decode` reads and
//! checks its form parameters into a typed request, and the encoders write
//! the service's answer as the action's XML response.
//!
//! The server's `query::dispatch` only hands one to the service and the
//! service's answer to the other.

pub mod access_keys;
pub mod policies;
pub mod roles;
pub mod sts;
pub mod users;

use trent_core::query_action::QueryAction;

use super::{empty_response, response, Xml};

/// The response of one action: its name and service, and the request id.
#[derive(Clone, Copy, Debug)]
pub struct Answer<'a> {
    action: QueryAction,
    request_id: &'a str,
}

impl<'a> Answer<'a> {
    /// The response to `action` for request `request_id`.
    pub fn new(action: QueryAction, request_id: &'a str) -> Self {
        Self { action, request_id }
    }

    /// The action answered.
    pub fn action(&self) -> QueryAction {
        self.action
    }

    /// A response without a result element (`DeleteUser`, `PutUserPolicy`, ...).
    pub fn empty(&self) -> Vec<u8> {
        empty_response(self.action.service(), self.action.name(), self.request_id)
    }

    fn with(&self, result: impl FnOnce(&mut Xml)) -> Vec<u8> {
        response(
            self.action.service(),
            self.action.name(),
            self.request_id,
            result,
        )
    }
}

/// `<{name}><member>…</member>…</{name}><IsTruncated>false</IsTruncated>`:
/// a complete, unpaginated IAM listing.
fn listing<T>(xml: &mut Xml, name: &str, items: &[T], mut item: impl FnMut(&mut Xml, &T)) {
    xml.open(name);
    for each in items {
        item(xml, each);
    }
    xml.close(name).leaf("IsTruncated", "false");
}

/// A listing of names: `<member>name</member>` each.
fn names(xml: &mut Xml, name: &str, items: &[String]) {
    listing(xml, name, items, |xml, each| {
        xml.leaf("member", each);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use trent_core::clock::Timestamp;
    use trent_core::view::{IdentityPolicy, User};

    #[test]
    fn listings_and_policies_are_written_as_iam_writes_them() {
        let user = User {
            path: "/".into(),
            name: "alice".into(),
            id: "AIDAEXAMPLE".into(),
            arn: "arn:aws:iam::111122223333:user/alice".into(),
            created_at: Timestamp::from_millis(1_795_873_060_123),
        };
        let body = users::users(&Answer::new(QueryAction::ListUsers, "rid"), &[user]);
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ListUsersResult><Users><member><Path>/</Path><UserName>alice</UserName><UserId>AIDAEXAMPLE</UserId><Arn>arn:aws:iam::111122223333:user/alice</Arn><CreateDate>2026-11-28T13:37:40Z</CreateDate></member></Users><IsTruncated>false</IsTruncated></ListUsersResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></ListUsersResponse>"
        );
        let policy = IdentityPolicy {
            principal_name: "ops".into(),
            policy_name: "p".into(),
            policy_document: "{}".into(),
        };
        let body = policies::policy(&Answer::new(QueryAction::GetRolePolicy, "rid"), &policy);
        let text = String::from_utf8(body).unwrap();
        assert!(
            text.contains("<GetRolePolicyResult><RoleName>ops</RoleName><PolicyName>p</PolicyName><PolicyDocument>%7B%7D</PolicyDocument></GetRolePolicyResult>"),
            "{text}"
        );
        let empty = Answer::new(QueryAction::DeleteUser, "rid").empty();
        assert!(String::from_utf8(empty)
            .unwrap()
            .contains("<DeleteUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ResponseMetadata>"));
    }
}
