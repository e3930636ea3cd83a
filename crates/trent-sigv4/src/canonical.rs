//! The canonical request, built from the request as received.

use crate::Request;

/// Percent-encodes every byte but the unreserved set `A-Za-z0-9-_.~`, and `/`
/// when `keep_slash`, as SigV4 requires.
pub(crate) fn uri_encode(input: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(input.len());
    for byte in input.bytes() {
        if byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && byte == b'/')
        {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                // Two hex digits exactly (`from_str_radix` alone would take
                // `%+1` as byte 1, giving two spellings one signature).
                let hex = input.get(index + 1..index + 3)?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                index += 3;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Removes `.` and `..` segments and empty segments, keeping a trailing slash.
fn normalize(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let trailing =
        path.len() > 1 && (path.ends_with('/') || path.ends_with("/.") || path.ends_with("/.."));
    let mut out = format!("/{}", segments.join("/"));
    if trailing && !segments.is_empty() {
        out.push('/');
    }
    out
}

/// The query's parameters, names and values percent-decoded, in received
/// order; `None` when an escape is bad.
pub(crate) fn query_params(query: &str) -> Option<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            Some((percent_decode(name)?, percent_decode(value)?))
        })
        .collect()
}

/// The query with every `name` parameter (compared decoded) taken out.
pub(crate) fn without_param(query: &str, name: &str) -> String {
    query
        .split('&')
        .filter(|part| {
            let raw = part.split_once('=').map_or(*part, |(raw, _)| raw);
            percent_decode(raw).is_none_or(|decoded| decoded != name)
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn canonical_query(query: &str) -> Option<String> {
    let mut pairs = Vec::new();
    for part in query.split('&').filter(|part| !part.is_empty()) {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        pairs.push((
            uri_encode(&percent_decode(name)?, false),
            uri_encode(&percent_decode(value)?, false),
        ));
    }
    pairs.sort();
    Some(
        pairs
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("&"),
    )
}

/// Appends a header value trimmed, with runs of whitespace collapsed to one space.
fn push_header_value(out: &mut String, value: &[u8]) {
    let text = String::from_utf8_lossy(value);
    for (index, word) in text.split_whitespace().enumerate() {
        if index > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// The canonical request, or `None` when the request cannot have one (a bad
/// escape in the query).
pub(crate) fn request(
    request: &Request<'_>,
    signed_headers: &str,
    normalize_path: bool,
    body_hash: &str,
) -> Option<String> {
    let mut out = String::with_capacity(512);
    out.push_str(request.method);
    out.push('\n');
    match request.path {
        // Every KMS request: nothing to normalize or encode.
        "" | "/" => out.push('/'),
        path if normalize_path => out.push_str(&uri_encode(&normalize(path), true)),
        path => out.push_str(&uri_encode(path, true)),
    }
    out.push('\n');
    if !request.query.is_empty() {
        out.push_str(&canonical_query(request.query)?);
    }
    out.push('\n');
    for name in signed_headers.split(';') {
        out.push_str(name);
        out.push(':');
        let values = request
            .headers
            .iter()
            .filter(|(candidate, _)| candidate.eq_ignore_ascii_case(name));
        for (index, (_, value)) in values.enumerate() {
            if index > 0 {
                out.push(',');
            }
            push_header_value(&mut out, value);
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(signed_headers);
    out.push('\n');
    out.push_str(body_hash);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize_as_sigv4_says() {
        for (input, expected) in [
            ("/", "/"),
            ("//", "/"),
            ("/./", "/"),
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("/example/./", "/example/"),
            ("/a//b/", "/a/b/"),
        ] {
            assert_eq!(normalize(input), expected, "{input}");
        }
    }

    #[test]
    fn escapes_take_two_hex_digits_only() {
        assert_eq!(percent_decode("%41%2f"), Some("A/".into()));
        assert_eq!(percent_decode("%+1"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(canonical_query("a=%+1"), None);
    }

    #[test]
    fn query_is_sorted_and_reencoded() {
        assert_eq!(canonical_query("b=2&a=1&a=0").unwrap(), "a=0&a=1&b=2");
        assert_eq!(canonical_query("x=a%20b&y").unwrap(), "x=a%20b&y=");
        assert!(canonical_query("x=%zz").is_none());
    }
}
