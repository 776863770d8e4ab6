//! The rule for short free text the platform accepts from kiosks and operators (names, references, pages):
//! not blank, no control characters, at most so many characters.

/// Whether `s` is 1 to `max_chars` printable characters (counted in code points) and not only blanks.
pub fn plain_text(s: &str, max_chars: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max_chars && !s.chars().any(char::is_control)
}
