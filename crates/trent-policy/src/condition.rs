//! Condition operators and their evaluation against request values.
//!
//! A condition names an operator, a key and one or more values. Several values
//! are alternatives (OR); several keys or operators in one statement must all
//! hold (AND, see [`crate::evaluate`]). `IfExists` makes an absent key pass;
//! `ForAnyValue:` and `ForAllValues:` compare multi-valued keys as sets.

use std::net::IpAddr;

use crate::document::PolicyError;
use crate::wildcard::{self, Case};

/// The comparison an operator makes, in its positive form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// `StringEquals`: exact.
    StringEquals,
    /// `StringEqualsIgnoreCase`.
    StringEqualsIgnoreCase,
    /// `StringLike`: `*` and `?` wildcards.
    StringLike,
    /// `NumericEquals`.
    NumericEquals,
    /// `NumericLessThan`.
    NumericLessThan,
    /// `NumericLessThanEquals`.
    NumericLessThanEquals,
    /// `NumericGreaterThan`.
    NumericGreaterThan,
    /// `NumericGreaterThanEquals`.
    NumericGreaterThanEquals,
    /// `DateEquals`.
    DateEquals,
    /// `DateLessThan`.
    DateLessThan,
    /// `DateLessThanEquals`.
    DateLessThanEquals,
    /// `DateGreaterThan`.
    DateGreaterThan,
    /// `DateGreaterThanEquals`.
    DateGreaterThanEquals,
    /// `Bool`.
    Bool,
    /// `BinaryEquals`: base64 text compared exactly.
    BinaryEquals,
    /// `IpAddress`: the request address is inside a CIDR block.
    IpAddress,
    /// `ArnEquals` and `ArnLike`: ARNs with wildcards.
    ArnLike,
    /// `Null`: whether the key is absent (`true`) or present (`false`).
    Null,
}

/// How a condition treats multi-valued keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetQualifier {
    /// No qualifier: single-valued comparison.
    None,
    /// `ForAnyValue:`: at least one request value satisfies the condition.
    ForAnyValue,
    /// `ForAllValues:`: every request value satisfies it (vacuously true when none).
    ForAllValues,
}

/// A parsed operator: comparison, negation, `IfExists`, set qualifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operator {
    /// The positive comparison.
    pub comparison: Comparison,
    /// `StringNotEquals`, `NotIpAddress`, `ArnNotLike`, ...
    pub negated: bool,
    /// The `IfExists` suffix.
    pub if_exists: bool,
    /// `ForAnyValue:` / `ForAllValues:`.
    pub qualifier: SetQualifier,
}

impl Operator {
    /// Parses an operator name such as `ForAnyValue:StringNotLikeIfExists`.
    pub fn parse(text: &str) -> Option<Self> {
        let (qualifier, rest) = if let Some(rest) = text.strip_prefix("ForAnyValue:") {
            (SetQualifier::ForAnyValue, rest)
        } else if let Some(rest) = text.strip_prefix("ForAllValues:") {
            (SetQualifier::ForAllValues, rest)
        } else {
            (SetQualifier::None, text)
        };
        let (if_exists, name) = match rest.strip_suffix("IfExists") {
            Some(name) => (true, name),
            None => (false, rest),
        };
        use Comparison::*;
        let (comparison, negated) = match name {
            "StringEquals" => (StringEquals, false),
            "StringNotEquals" => (StringEquals, true),
            "StringEqualsIgnoreCase" => (StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (StringEqualsIgnoreCase, true),
            "StringLike" => (StringLike, false),
            "StringNotLike" => (StringLike, true),
            "NumericEquals" => (NumericEquals, false),
            "NumericNotEquals" => (NumericEquals, true),
            "NumericLessThan" => (NumericLessThan, false),
            "NumericLessThanEquals" => (NumericLessThanEquals, false),
            "NumericGreaterThan" => (NumericGreaterThan, false),
            "NumericGreaterThanEquals" => (NumericGreaterThanEquals, false),
            "DateEquals" => (DateEquals, false),
            "DateNotEquals" => (DateEquals, true),
            "DateLessThan" => (DateLessThan, false),
            "DateLessThanEquals" => (DateLessThanEquals, false),
            "DateGreaterThan" => (DateGreaterThan, false),
            "DateGreaterThanEquals" => (DateGreaterThanEquals, false),
            "Bool" => (Bool, false),
            "BinaryEquals" => (BinaryEquals, false),
            "IpAddress" => (IpAddress, false),
            "NotIpAddress" => (IpAddress, true),
            "ArnEquals" | "ArnLike" => (ArnLike, false),
            "ArnNotEquals" | "ArnNotLike" => (ArnLike, true),
            "Null" => (Null, false),
            _ => return None,
        };
        if comparison == Null && (if_exists || qualifier != SetQualifier::None) {
            return None;
        }
        Some(Self {
            comparison,
            negated,
            if_exists,
            qualifier,
        })
    }
}

/// One condition: operator, key and alternative values.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// The operator.
    pub operator: Operator,
    /// The key as written (`kms:EncryptionContext:Purpose`).
    pub key: String,
    /// The values, any of which may match.
    pub values: Vec<String>,
}

impl Condition {
    /// Builds a condition, checking values the operator must be able to read.
    pub fn new(operator: Operator, key: &str, values: Vec<String>) -> Result<Self, PolicyError> {
        if key.is_empty() || !key.contains(':') {
            return Err(PolicyError::Invalid(format!(
                "Invalid condition key: {key}"
            )));
        }
        if operator.comparison == Comparison::IpAddress {
            for value in &values {
                parse_cidr(value).ok_or_else(|| {
                    PolicyError::Invalid(format!("Invalid IP address or CIDR block: {value}"))
                })?;
            }
        }
        Ok(Self {
            operator,
            key: key.to_owned(),
            values,
        })
    }

    /// Evaluates the condition. `request` holds the key's values in the
    /// request (`None` when the key is absent); `values` are the condition's
    /// values after policy-variable substitution (`None` for a value whose
    /// variable had no value: it matches nothing).
    pub fn holds(&self, request: Option<&[String]>, values: &[Option<String>]) -> bool {
        let operator = self.operator;
        if operator.comparison == Comparison::Null {
            let absent = request.is_none_or(<[String]>::is_empty);
            return values
                .iter()
                .flatten()
                .any(|value| value.eq_ignore_ascii_case(&absent.to_string()));
        }
        let Some(request) = request.filter(|request| !request.is_empty()) else {
            if operator.if_exists {
                return true;
            }
            return match operator.qualifier {
                SetQualifier::ForAllValues => true,
                SetQualifier::ForAnyValue => false,
                SetQualifier::None => operator.if_exists || operator.negated,
            };
        };
        let matches_any = |item: &str| {
            values
                .iter()
                .flatten()
                .any(|value| compare(operator.comparison, item, value))
        };
        match operator.qualifier {
            SetQualifier::None | SetQualifier::ForAnyValue => {
                if operator.negated {
                    // Negated single-valued: the value matches none; ForAnyValue: some value matches none.
                    match operator.qualifier {
                        SetQualifier::None => request.iter().all(|item| !matches_any(item)),
                        _ => request.iter().any(|item| !matches_any(item)),
                    }
                } else {
                    request.iter().any(|item| matches_any(item))
                }
            }
            SetQualifier::ForAllValues => {
                if operator.negated {
                    request.iter().all(|item| !matches_any(item))
                } else {
                    request.iter().all(|item| matches_any(item))
                }
            }
        }
    }
}

/// The positive comparison of one request value with one condition value.
fn compare(comparison: Comparison, request: &str, value: &str) -> bool {
    use Comparison::*;
    match comparison {
        StringEquals | BinaryEquals => request == value,
        StringEqualsIgnoreCase => request.to_lowercase() == value.to_lowercase(),
        StringLike => wildcard::matches(value, request, Case::Sensitive),
        NumericEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => {
            match (request.trim().parse::<f64>(), value.trim().parse::<f64>()) {
                (Ok(left), Ok(right)) => ordered(comparison, left.partial_cmp(&right)),
                _ => false,
            }
        }
        DateEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => match (parse_date(request), parse_date(value)) {
            (Some(left), Some(right)) => ordered(comparison, Some(left.cmp(&right))),
            _ => false,
        },
        Bool => request.eq_ignore_ascii_case(value),
        IpAddress => match (request.parse::<IpAddr>(), parse_cidr(value)) {
            (Ok(address), Some((network, prefix))) => in_network(address, network, prefix),
            _ => false,
        },
        ArnLike => arn_like(value, request),
        Null => false,
    }
}

fn ordered(comparison: Comparison, ordering: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    use Comparison::*;
    matches!(
        (comparison, ordering),
        (NumericEquals | DateEquals, Some(Equal))
            | (NumericLessThan | DateLessThan, Some(Less))
            | (
                NumericLessThanEquals | DateLessThanEquals,
                Some(Less | Equal)
            )
            | (NumericGreaterThan | DateGreaterThan, Some(Greater))
            | (
                NumericGreaterThanEquals | DateGreaterThanEquals,
                Some(Greater | Equal)
            )
    )
}

/// A date as ISO 8601 (RFC 3339) or epoch seconds, in Unix milliseconds.
fn parse_date(text: &str) -> Option<i128> {
    if let Ok(seconds) = text.trim().parse::<i64>() {
        return Some(i128::from(seconds) * 1000);
    }
    let parsed =
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
            .ok()?;
    Some(parsed.unix_timestamp_nanos() / 1_000_000)
}

fn parse_cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address.parse::<IpAddr>().ok()?, prefix.parse::<u8>().ok()?),
        None => {
            let address = text.parse::<IpAddr>().ok()?;
            (address, if address.is_ipv4() { 32 } else { 128 })
        }
    };
    let limit = if address.is_ipv4() { 32 } else { 128 };
    (prefix <= limit).then_some((address, prefix))
}

fn in_network(address: IpAddr, network: IpAddr, prefix: u8) -> bool {
    match (address, network) {
        (IpAddr::V4(address), IpAddr::V4(network)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            u32::from(address) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(address), IpAddr::V6(network)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            u128::from(address) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

/// ARN matching: the six colon-separated parts compared one by one, with wildcards.
fn arn_like(pattern: &str, arn: &str) -> bool {
    let pattern_parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let arn_parts: Vec<&str> = arn.splitn(6, ':').collect();
    pattern_parts.len() == 6
        && arn_parts.len() == 6
        && pattern_parts
            .iter()
            .zip(&arn_parts)
            .all(|(pattern, part)| wildcard::matches(pattern, part, Case::Sensitive))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(operator: &str, request: Option<&[&str]>, values: &[&str], expected: bool) {
        let condition = Condition::new(
            Operator::parse(operator).unwrap_or_else(|| panic!("operator {operator}")),
            "test:key",
            values.iter().map(|v| v.to_string()).collect(),
        )
        .unwrap();
        let request: Option<Vec<String>> =
            request.map(|items| items.iter().map(|v| v.to_string()).collect());
        let values: Vec<Option<String>> = condition.values.iter().cloned().map(Some).collect();
        assert_eq!(
            condition.holds(request.as_deref(), &values),
            expected,
            "{operator} {request:?} {values:?}"
        );
    }

    #[test]
    fn string_operators() {
        check("StringEquals", Some(&["a"]), &["a", "b"], true);
        check("StringEquals", Some(&["A"]), &["a"], false);
        check("StringEqualsIgnoreCase", Some(&["A"]), &["a"], true);
        check("StringNotEquals", Some(&["c"]), &["a", "b"], true);
        check("StringNotEquals", Some(&["a"]), &["a", "b"], false);
        check("StringLike", Some(&["db-prod"]), &["db-*"], true);
        check("StringNotLike", Some(&["db-prod"]), &["web-*"], true);
    }

    #[test]
    fn absent_keys_follow_aws_rules() {
        check("StringEquals", None, &["a"], false);
        check("StringEqualsIfExists", None, &["a"], true);
        check("StringNotEquals", None, &["a"], true);
        check("ForAnyValue:StringEquals", None, &["a"], false);
        check("ForAllValues:StringEquals", None, &["a"], true);
        check("Null", None, &["true"], true);
        check("Null", Some(&["x"]), &["true"], false);
        check("Null", Some(&["x"]), &["false"], true);
    }

    #[test]
    fn set_qualifiers() {
        check(
            "ForAnyValue:StringEquals",
            Some(&["x", "b"]),
            &["a", "b"],
            true,
        );
        check(
            "ForAnyValue:StringEquals",
            Some(&["x", "y"]),
            &["a", "b"],
            false,
        );
        check(
            "ForAllValues:StringEquals",
            Some(&["a", "b"]),
            &["a", "b", "c"],
            true,
        );
        check(
            "ForAllValues:StringEquals",
            Some(&["a", "x"]),
            &["a", "b"],
            false,
        );
        check(
            "ForAllValues:StringNotEquals",
            Some(&["x", "y"]),
            &["a"],
            true,
        );
        check(
            "ForAnyValue:StringNotEquals",
            Some(&["a", "y"]),
            &["a"],
            true,
        );
    }

    #[test]
    fn numeric_date_bool_binary() {
        check("NumericLessThanEquals", Some(&["30"]), &["30"], true);
        check("NumericGreaterThan", Some(&["7"]), &["30"], false);
        check("NumericEquals", Some(&["x"]), &["1"], false);
        check("NumericNotEquals", Some(&["2"]), &["1"], true);
        check(
            "DateLessThan",
            Some(&["2026-01-01T00:00:00Z"]),
            &["2026-06-01T00:00:00Z"],
            true,
        );
        check(
            "DateGreaterThanEquals",
            Some(&["1767225600"]),
            &["2026-01-01T00:00:00Z"],
            true,
        );
        check("Bool", Some(&["true"]), &["true"], true);
        check("Bool", Some(&["false"]), &["true"], false);
        check("BinaryEquals", Some(&["QmluYXJ5"]), &["QmluYXJ5"], true);
    }

    #[test]
    fn ip_and_arn_operators() {
        check(
            "IpAddress",
            Some(&["203.0.113.7"]),
            &["203.0.113.0/24"],
            true,
        );
        check(
            "IpAddress",
            Some(&["198.51.100.1"]),
            &["203.0.113.0/24"],
            false,
        );
        check(
            "NotIpAddress",
            Some(&["198.51.100.1"]),
            &["203.0.113.0/24"],
            true,
        );
        check(
            "IpAddress",
            Some(&["2001:db8::1"]),
            &["2001:db8::/32"],
            true,
        );
        check(
            "ArnLike",
            Some(&["arn:aws:iam::111122223333:role/app"]),
            &["arn:aws:iam::*:role/app*"],
            true,
        );
        check(
            "ArnEquals",
            Some(&["arn:aws:iam::111122223333:role/app"]),
            &["arn:aws:iam::111122223333:role/other"],
            false,
        );
        check(
            "ArnNotLike",
            Some(&["arn:aws:iam::111122223333:user/x"]),
            &["arn:aws:iam::*:role/*"],
            true,
        );
    }

    #[test]
    fn operator_names_are_checked() {
        for bad in [
            "StringEqual",
            "ForSomeValues:StringEquals",
            "NullIfExists",
            "ForAnyValue:Null",
            "stringequals",
        ] {
            assert!(Operator::parse(bad).is_none(), "{bad}");
        }
        assert!(Condition::new(
            Operator::parse("IpAddress").unwrap(),
            "aws:SourceIp",
            vec!["300.1.1.1/8".into()]
        )
        .is_err());
    }
}
