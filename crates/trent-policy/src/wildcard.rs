//! `*` and `?` wildcards, as IAM matches actions, resources and `StringLike`.

/// Whether to compare letters ignoring ASCII case (actions) or exactly (ARNs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// `kms:encrypt` matches `kms:Encrypt`.
    Insensitive,
    /// Exact comparison.
    Sensitive,
}

/// A literal `*` in a pattern: what the policy variable `${*}` becomes, so
/// that it is not a wildcard (a private-use character no ARN or key holds).
pub const LITERAL_STAR: char = '\u{E000}';
/// A literal `?` in a pattern: what `${?}` becomes.
pub const LITERAL_QUESTION: char = '\u{E001}';

/// `text` with [`LITERAL_STAR`] and [`LITERAL_QUESTION`] turned back into
/// `*` and `?`, for comparisons without wildcards.
pub fn unescape(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([LITERAL_STAR, LITERAL_QUESTION]) {
        text.replace(LITERAL_STAR, "*")
            .replace(LITERAL_QUESTION, "?")
            .into()
    } else {
        text.into()
    }
}

fn literal(c: char) -> char {
    match c {
        LITERAL_STAR => '*',
        LITERAL_QUESTION => '?',
        other => other,
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters
/// (including none) and `?` exactly one; [`LITERAL_STAR`] and
/// [`LITERAL_QUESTION`] match the characters themselves.
pub fn matches(pattern: &str, text: &str, case: Case) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        // The common case, without allocating.
        return match_slices(pattern.as_bytes(), text.as_bytes(), |a, b| match case {
            Case::Insensitive => a.eq_ignore_ascii_case(&b),
            Case::Sensitive => a == b,
        });
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    match_slices(&pattern, &text, |a, b| match case {
        Case::Insensitive => literal(a).eq_ignore_ascii_case(&b),
        Case::Sensitive => literal(a) == b,
    })
}

/// Wildcard units: bytes of ASCII text, or chars.
trait Unit: Copy + PartialEq {
    const STAR: Self;
    const QUESTION: Self;
}

impl Unit for u8 {
    const STAR: Self = b'*';
    const QUESTION: Self = b'?';
}

impl Unit for char {
    const STAR: Self = '*';
    const QUESTION: Self = '?';
}

/// Iterative matcher with backtracking to the last `*`: never recursive, so
/// hostile patterns cannot exhaust the stack.
fn match_slices<T: Unit>(pattern: &[T], text: &[T], same: impl Fn(T, T) -> bool) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(&c) if c == T::STAR => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == T::QUESTION || same(c, text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == T::STAR)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, text: &str, case: Case, expected: bool) {
        assert_eq!(matches(pattern, text, case), expected, "{pattern} ~ {text}");
    }

    #[test]
    fn wildcards_match_as_iam_does() {
        check("kms:*", "kms:Encrypt", Case::Insensitive, true);
        check(
            "kms:ReEncrypt*",
            "kms:ReEncryptFrom",
            Case::Insensitive,
            true,
        );
        check("kms:reencrypt*", "kms:ReEncryptTo", Case::Insensitive, true);
        check(
            "kms:GenerateDataKey*",
            "kms:GenerateDataKeyWithoutPlaintext",
            Case::Insensitive,
            true,
        );
        check("kms:Encrypt", "kms:Decrypt", Case::Insensitive, false);
        check("kms:Encrypt", "kms:EncryptX", Case::Insensitive, false);
        check("*", "", Case::Sensitive, true);
        check("a?c", "abc", Case::Sensitive, true);
        check("a?c", "ac", Case::Sensitive, false);
        check(
            "arn:aws:kms:*:111122223333:key/*",
            "arn:aws:kms:us-east-1:111122223333:key/abc",
            Case::Sensitive,
            true,
        );
        check(
            "arn:aws:kms:*:111122223333:key/*",
            "arn:aws:kms:us-east-1:444455556666:key/abc",
            Case::Sensitive,
            false,
        );
        check("ARN:*", "arn:x", Case::Sensitive, false);
        check("*a*b*c*", "xxaxxbxxcxx", Case::Sensitive, true);
        check("*a*b*c", "xxaxxbxxcxx", Case::Sensitive, false);
        check("kms:é*", "kms:éa", Case::Sensitive, true);
        check("k?s", "kés", Case::Sensitive, true);
    }

    #[test]
    fn hostile_patterns_finish_quickly() {
        let pattern = "*a".repeat(200);
        let text = "a".repeat(5000) + "b";
        assert!(!matches(&pattern, &text, Case::Sensitive));
    }
}
