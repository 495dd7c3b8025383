//! Callers signed with AWS IAM: the principal API Gateway verified on an `AWS_IAM` route, and the
//! one role whose sessions may use the operators' IAM routes (`POST /admin/orders/{id}/ship`).
//! An HTTP API takes no resource policy, so `execute-api:Invoke` alone would let any principal of
//! the account that holds it in; the function narrows that to the role the deployer names.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt as _};

/// The IAM principal API Gateway verified, on a route whose authorizer is AWS IAM.
pub fn iam_principal(request: &Request) -> Option<String> {
    let iam = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.authorizer.as_ref().and_then(|a| a.iam.as_ref()),
        _ => None,
    };
    iam.and_then(|iam| iam.user_arn.clone().or_else(|| iam.caller_id.clone()))
        .filter(|arn| !arn.is_empty())
}

/// The role allowed the operators' IAM routes: `arn:<partition>:iam::<account>:role/[<path>/]<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorRole {
    arn: String,
    partition: String,
    account: String,
    name: String,
}

impl OperatorRole {
    /// A role ARN, or `None` when `arn` is not one.
    pub fn parse(arn: &str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
        let valid = partition.starts_with("aws")
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && !name.is_empty();
        valid.then(|| Self {
            arn: arn.to_owned(),
            partition: partition.to_owned(),
            account: account.to_owned(),
            name: name.to_owned(),
        })
    }

    /// Whether `principal` (as API Gateway reports it) is a session of this role: its assumed-role
    /// ARN (`arn:<partition>:sts::<account>:assumed-role/<name>/<session>`), or the role itself.
    pub fn permits(&self, principal: &str) -> bool {
        if principal == self.arn {
            return true;
        }
        let prefix = format!(
            "arn:{}:sts::{}:assumed-role/{}/",
            self.partition, self.account, self.name
        );
        principal
            .strip_prefix(&prefix)
            .is_some_and(|session| !session.is_empty() && !session.contains('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sessions_of_the_named_role_in_its_account_are_permitted() {
        let role = OperatorRole::parse("arn:aws:iam::123456789012:role/ops/shop-shippers").unwrap();

        assert!(role.permits("arn:aws:sts::123456789012:assumed-role/shop-shippers/alice"));
        assert!(role.permits("arn:aws:iam::123456789012:role/ops/shop-shippers"));
        for other in [
            "arn:aws:iam::123456789012:user/intern",
            "arn:aws:iam::123456789012:root",
            "arn:aws:sts::123456789012:assumed-role/developers/bob",
            "arn:aws:sts::123456789012:assumed-role/shop-shippers-2/eve",
            "arn:aws:sts::999999999999:assumed-role/shop-shippers/mallory",
            "arn:aws-cn:sts::123456789012:assumed-role/shop-shippers/alice",
            "arn:aws:sts::123456789012:assumed-role/shop-shippers/",
            "AIDAEXAMPLE",
            "",
        ] {
            assert!(!role.permits(other), "{other}");
        }
    }

    #[test]
    fn a_role_arn_is_required() {
        for bad in [
            "",
            "shop-shippers",
            "arn:aws:iam::123456789012:user/operator",
            "arn:aws:iam::12345:role/x",
            "arn:aws:sts::123456789012:assumed-role/x/y",
            "arn:aws:iam::123456789012:role/",
        ] {
            assert!(OperatorRole::parse(bad).is_none(), "{bad}");
        }
    }
}
