//! Structured inputs shared by the fuzz targets: each turns `arbitrary`
//! bytes into something that gets past a parser's front door (a well-formed
//! `Authorization` header, a JSON body with the members an operation reads,
//! a policy document of real operators and keys), so that the fuzzer spends
//! its time inside the parser rather than on its first check.

pub mod json;
pub mod policy;
pub mod sigv4;

/// Picks one of `choices` by `index` (never empty).
pub fn pick<'a>(choices: &[&'a str], index: u8) -> &'a str {
    choices[usize::from(index) % choices.len()]
}

/// The first byte of an input chooses its form: `0` for plain bytes after
/// it (a real request body, header, token or document: the seed corpora
/// are written so), anything else for a structured input that `arbitrary`
/// reads from all the bytes.
pub fn plain(data: &[u8]) -> Option<&[u8]> {
    match data.split_first() {
        Some((0, rest)) => Some(rest),
        _ => None,
    }
}

/// An HTTP/1.1 request as text (`METHOD target HTTP/1.1`, header lines, an
/// empty line, the body), as AWS's SigV4 test suite writes them.
#[derive(Debug, Default)]
pub struct HttpRequest {
    /// The method.
    pub method: String,
    /// The path, before `?`.
    pub path: String,
    /// The query string, after `?`.
    pub query: String,
    /// Header names and values; a continuation line joins its header's value.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// Splits a request; `None` without a request line.
    pub fn parse(data: &[u8]) -> Option<Self> {
        let (head, body) = match find(data, b"\r\n\r\n") {
            Some(at) => (&data[..at], &data[at + 4..]),
            None => match find(data, b"\n\n") {
                Some(at) => (&data[..at], &data[at + 2..]),
                None => (data, &[][..]),
            },
        };
        let head = String::from_utf8_lossy(head);
        let mut lines = head
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line));
        let request_line = lines.next()?;
        let mut parts = request_line.splitn(3, ' ');
        let method = parts.next()?.to_owned();
        let target = parts.next().unwrap_or("/");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    value.push(b'\n');
                    value.extend_from_slice(line.as_bytes());
                }
                continue;
            }
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            headers.push((name.to_owned(), value.as_bytes().to_vec()));
        }
        Some(Self {
            method,
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body: body.to_vec(),
        })
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Whether the known, reported, not yet fixed finding `name` is to be
/// skipped: `TRENT_FUZZ_KNOWN=name,...` lets a long run look past it for
/// others. CI sets nothing, so every check holds there.
pub fn known(name: &str) -> bool {
    static KNOWN: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KNOWN
        .get_or_init(|| {
            std::env::var("TRENT_FUZZ_KNOWN")
                .unwrap_or_default()
                .split(',')
                .map(str::to_owned)
                .collect()
        })
        .iter()
        .any(|known| known == name)
}
