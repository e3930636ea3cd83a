//! GetKeyLastUsage: the last successful cryptographic use of a key.

use crate::error::Failure;
use serde::Serialize;
use trent_core::id::KeyReference;
use trent_core::view::KeyUsageReport;

/// Decodes and checks the request: the key it names (an id or a key ARN;
/// aliases are refused, as AWS refuses them).
pub fn decode(body: &[u8]) -> Result<KeyReference, Failure> {
    super::key_only(body)
}

/// Encodes the report.
pub fn encode(report: &KeyUsageReport) -> super::Reply {
    crate::encode(&Response {
        key_id: report.key_id.to_string(),
        key_last_usage: report.last_usage.as_ref().map(|usage| KeyLastUsageData {
            operation: usage.operation.name(),
            timestamp: super::seconds(usage.timestamp),
            cloud_trail_event_id: usage.event_id.as_deref(),
            kms_request_id: &usage.request_id,
        }),
        tracking_start_date: super::seconds(report.tracking_start_date),
        key_creation_date: super::seconds(report.key_creation_date),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response<'a> {
    key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_last_usage: Option<KeyLastUsageData<'a>>,
    tracking_start_date: f64,
    key_creation_date: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct KeyLastUsageData<'a> {
    operation: &'static str,
    timestamp: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud_trail_event_id: Option<&'a str>,
    kms_request_id: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use trent_core::clock::Timestamp;
    use trent_core::operation::Operation;
    use trent_core::view::KeyLastUsage;

    #[test]
    fn a_report_is_encoded_as_the_api_model_names_it() {
        let key_id = trent_core::id::KeyId::parse("1234abcd-12ab-34cd-56ef-1234567890ab").unwrap();
        let mut report = KeyUsageReport {
            key_id,
            last_usage: None,
            tracking_start_date: Timestamp::from_millis(1_700_000_000_000),
            key_creation_date: Timestamp::from_millis(1_600_000_000_500),
        };
        let body = String::from_utf8(encode(&report).unwrap()).unwrap();
        assert_eq!(
            body,
            r#"{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","TrackingStartDate":1700000000.0,"KeyCreationDate":1600000000.5}"#
        );
        report.last_usage = Some(KeyLastUsage {
            operation: Operation::ReEncrypt,
            timestamp: Timestamp::from_millis(1_700_000_001_250),
            event_id: Some("e".into()),
            request_id: "r".into(),
        });
        let body = String::from_utf8(encode(&report).unwrap()).unwrap();
        assert!(
            body.contains(r#""KeyLastUsage":{"Operation":"ReEncrypt","Timestamp":1700000001.25,"CloudTrailEventId":"e","KmsRequestId":"r"}"#),
            "{body}"
        );
        assert!(matches!(
            decode(br#"{"KeyId":""}"#),
            Err(Failure::Request(crate::error::RequestError::Validation(_)))
        ));
    }
}
