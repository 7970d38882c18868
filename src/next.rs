//! `next`: where to go after signing in, and only ever a path on this site.

/// `next` when it is a path on this site, else `None`: never an open redirect.
///
/// ```
/// use rocket_warrant::safe_next;
///
/// assert_eq!(safe_next("/accounts/profile/?tab=1"), Some("/accounts/profile/?tab=1"));
/// assert_eq!(safe_next("https://evil.example/"), None);
/// assert_eq!(safe_next("//evil.example/"), None);
/// assert_eq!(safe_next("/\\evil.example/"), None);
/// assert_eq!(safe_next("relative/path"), None);
/// ```
pub fn safe_next(next: &str) -> Option<&str> {
    let bytes = next.as_bytes();
    let local = bytes.first() == Some(&b'/')
        // `//host` and `/\host` are protocol-relative to browsers.
        && !matches!(bytes.get(1), Some(b'/') | Some(b'\\'))
        && !next.bytes().any(|b| b.is_ascii_control() || b == b'\\')
        && next.len() <= 2048;
    local.then_some(next)
}
