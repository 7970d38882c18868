//! The URLs the crate builds and follows: `next`, where to go after signing in, only ever a
//! path on this site; and the values it puts in a query, percent-encoded.

/// RFC 3986: everything but the unreserved characters, percent-encoded (a query value of the
/// URLs the crate builds: an `otpauth://` URI, managed login's authorize and logout URLs).
pub(crate) fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `next` when it is a path on this site that a redirect can carry, else `None`: never an open
/// redirect, and never a value that would make the redirect itself fail (a form field arrives
/// decoded, so `/%20x` is `/ x`, which is no URI).
///
/// ```
/// use rocket_warrant::sign_in::safe_next;
///
/// assert_eq!(safe_next("/accounts/profile/?tab=1"), Some("/accounts/profile/?tab=1"));
/// assert_eq!(safe_next("https://evil.example/"), None);
/// assert_eq!(safe_next("//evil.example/"), None);
/// assert_eq!(safe_next("/\\evil.example/"), None);
/// assert_eq!(safe_next("relative/path"), None);
/// assert_eq!(safe_next("/ x"), None);
/// assert_eq!(safe_next("/été"), None);
/// assert_eq!(safe_next("/%C3%A9t%C3%A9"), Some("/%C3%A9t%C3%A9"));
/// ```
pub fn safe_next(next: &str) -> Option<&str> {
    let bytes = next.as_bytes();
    let local = bytes.first() == Some(&b'/')
        // `//host` and `/\host` are protocol-relative to browsers.
        && !matches!(bytes.get(1), Some(b'/') | Some(b'\\'))
        && !next.bytes().any(|b| b.is_ascii_control() || b == b'\\')
        && next.len() <= 2048
        // What `Redirect::to` takes; anything else would answer 500 after a good login.
        && rocket::http::uri::Reference::parse(next).is_ok();
    local.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn paths_of_this_site_pass_unchanged() {
        for ok in ["/", "/a", "/accounts/profile/?tab=1", "/a/b#part", "/%C3%A9t%C3%A9"] {
            assert_eq!(safe_next(ok), Some(ok), "{ok:?}");
        }
        let longest = format!("/{}", "a".repeat(2047));
        assert_eq!(safe_next(&longest), Some(longest.as_str()), "2,048 bytes");
    }

    #[test]
    fn anything_else_is_refused() {
        let too_long = format!("/{}", "a".repeat(2048));
        let refused = [
            "",
            "relative/path",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example/",
            "/a\\b",
            // Rocket's URI parser takes a backslash in the query or fragment: this check does not.
            "/a?\\b",
            "/a#\\",
            "/a\nb",
            "/a\tb",
            "/a\u{7f}",
            "/ x",
            "/été",
            "/a b",
            too_long.as_str(),
        ];
        for bad in refused {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
