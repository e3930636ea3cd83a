//! Policy documents: `PolicyDocument::parse` for key, identity and trust
//! policies, then `decide` and `evaluate` against a fuzzed request.
//!
//! Properties: no panic; `decide` (the hot path) and `evaluate` (the
//! traced one) agree, with one trace line per statement; the statement
//! order changes neither the outcome nor how an Allow's principal matched
//! (an explicit Deny wins wherever it is); a document that
//! `reads_context()` says reads no keys decides alike without them, and
//! one that `reads_key(prefix)` says reads none under a prefix decides
//! alike without those (the service skips gathering them on that word);
//! parsing does not depend on the JSON's formatting.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use trent_fuzz::policy::{DocumentShape, RequestShape, RequestTexts};
use trent_policy::document::{PolicyDocument, PolicyKind};
use trent_policy::evaluate::{decide, evaluate, ContextKeys, Decision, Principal, Request};

#[derive(Arbitrary, Debug)]
enum Input {
    /// Any text.
    Raw { text: String, kind: u8 },
    /// A document of IAM's grammar and a request.
    Shaped {
        document: DocumentShape,
        kind: u8,
        request: RequestShape,
    },
}

fn kind(index: u8) -> PolicyKind {
    [
        PolicyKind::Resource,
        PolicyKind::Identity,
        PolicyKind::Trust,
    ][usize::from(index) % 3]
}

fuzz_target!(|data: &[u8]| {
    let input = match trent_fuzz::plain(data) {
        // The kind of policy, then a document as written.
        Some([kind, text @ ..]) => match std::str::from_utf8(text) {
            Ok(text) => Input::Raw {
                text: text.to_owned(),
                kind: *kind,
            },
            Err(_) => return,
        },
        Some([]) => return,
        None => match Input::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
            Ok(input) => input,
            Err(_) => return,
        },
    };
    run(input);
});

fn run(input: Input) {
    match input {
        Input::Raw { text, kind: index } => {
            let kind = kind(index);
            let parsed = PolicyDocument::parse(&text, kind);
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
                let compact = value.to_string();
                if text.len() <= trent_core::quota::MAX_POLICY_BYTES
                    && compact.len() <= trent_core::quota::MAX_POLICY_BYTES
                {
                    assert_eq!(
                        PolicyDocument::parse(&compact, kind),
                        parsed,
                        "the verdict changed with the JSON's formatting"
                    );
                }
            }
            if let Ok(document) = parsed {
                // The same statements in reverse order, if the text has an array of them.
                let reversed = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|mut value| {
                        let statements = value.get_mut("Statement")?.as_array_mut()?;
                        statements.reverse();
                        Some(value.to_string())
                    });
                properties(&document, reversed.as_deref(), kind, &default_request());
            }
        }
        Input::Shaped {
            document: shape,
            kind: index,
            request,
        } => {
            let kind = kind(index);
            let Ok(document) = PolicyDocument::parse(&shape.render().to_string(), kind) else {
                return;
            };
            let reversed = shape.reversed().render().to_string();
            properties(&document, Some(&reversed), kind, &request.texts());
        }
    }
}

/// A request with the keys the seed documents read.
fn default_request() -> RequestTexts {
    let keys = [
        ("aws:ResourceTag/team", "db"),
        (
            "aws:ResourceTag/project",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        ("aws:PrincipalTag/team", "db"),
        ("kms:ResourceAliases", "alias/A"),
        ("kms:ViaService", "rds.us-east-1.amazonaws.com"),
        ("kms:CallerAccount", "111122223333"),
        ("aws:username", "alice"),
        ("aws:SourceIp", "10.1.2.3"),
        ("aws:SecureTransport", "true"),
        ("aws:CurrentTime", "2026-01-01T00:00:00Z"),
    ];
    RequestTexts {
        arn: "arn:aws:iam::111122223333:user/alice".into(),
        role_arn: None,
        service: None,
        action: "kms:Encrypt".into(),
        resource: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            .into(),
        keys: keys
            .iter()
            .map(|(key, value)| ((*key).to_owned(), vec![(*value).to_owned()]))
            .collect(),
    }
}

fn properties(
    document: &PolicyDocument,
    reversed: Option<&str>,
    kind: PolicyKind,
    texts: &RequestTexts,
) {
    let keys = context(&texts.keys, |_| true);
    let request = as_request(texts, &keys);
    let decision = decide(document, &request);
    let evaluation = evaluate(document, &request);
    assert_eq!(
        decision, evaluation.decision,
        "decide and evaluate disagree"
    );
    assert_eq!(evaluation.trace.len(), document.statements.len());

    if let Some(reversed) = reversed {
        let reversed = PolicyDocument::parse(reversed, kind)
            .unwrap_or_else(|error| panic!("the reversed document is refused: {error}"));
        assert_eq!(
            outcome(decide(&reversed, &request)),
            outcome(decision),
            "statement order changed the decision"
        );
    }

    if !document.reads_context() {
        let empty = ContextKeys::new();
        assert_eq!(
            decide(document, &as_request(texts, &empty)),
            decision,
            "reads_context() is false, yet the context keys changed the decision"
        );
    }
    // (Finding `reads-key-variables`: a policy variable reads a key too.)
    for prefix in ["aws:ResourceTag/", "kms:ResourceAliases"] {
        if !document.reads_key(prefix) && !trent_fuzz::known("reads-key-variables") {
            let without = context(&texts.keys, |key| {
                !key.get(..prefix.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
            });
            assert_eq!(
                decide(document, &as_request(texts, &without)),
                decision,
                "reads_key({prefix:?}) is false, yet those keys changed the decision"
            );
        }
    }
}

/// A decision without statement indexes.
fn outcome(decision: Decision) -> String {
    match decision {
        Decision::ExplicitDeny(_) => "deny".into(),
        Decision::Allow(_, how) => format!("allow {how:?}"),
        Decision::ImplicitDeny => "implicit".into(),
    }
}

fn context(keys: &[(String, Vec<String>)], keep: impl Fn(&str) -> bool) -> ContextKeys {
    let mut context = ContextKeys::new();
    for (key, values) in keys {
        if keep(key) {
            context.set_all(key, values.clone());
        }
    }
    context
}

fn as_request<'a>(texts: &'a RequestTexts, keys: &'a ContextKeys) -> Request<'a> {
    Request {
        principal: Principal {
            arn: &texts.arn,
            account: "111122223333",
            role_arn: texts.role_arn.as_deref(),
            service: texts.service.as_deref(),
        },
        action: &texts.action,
        resource: &texts.resource,
        keys,
    }
}
