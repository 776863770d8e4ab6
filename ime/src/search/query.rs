//! A search query as the matcher reads it: Chinese characters, and ASCII letters and digits lowercased.

use crate::keys::is_han;

/// The most query elements matched; the matcher keeps its states in a 64-bit set. Longer queries are cut (no
/// name is that long, so they would match nothing anyway).
pub(crate) const MAX_QUERY: usize = 63;

/// One element of a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Element {
    Han(char),
    /// A lowercase ASCII letter or a digit.
    Letter(u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Query {
    pub(crate) elements: Vec<Element>,
}

impl Query {
    /// Reads what the user typed: full-width letters and digits as ASCII, capitals as small, and spaces,
    /// separators and punctuation dropped.
    pub(crate) fn parse(text: &str) -> Query {
        let elements = text
            .chars()
            .map(half_width)
            .filter_map(|ch| {
                if ch.is_ascii_alphanumeric() {
                    Some(Element::Letter(ch.to_ascii_lowercase() as u8))
                } else if is_han(ch) {
                    Some(Element::Han(ch))
                } else {
                    None
                }
            })
            .take(MAX_QUERY)
            .collect();
        Query { elements }
    }

    pub(crate) fn len(&self) -> usize {
        self.elements.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// The letter at `position`, if that element is a letter.
    pub(crate) fn letter(&self, position: usize) -> Option<u8> {
        match self.elements.get(position) {
            Some(Element::Letter(letter)) => Some(*letter),
            _ => None,
        }
    }
}

/// Full-width ASCII forms (ａ, １) as their ASCII characters.
fn half_width(ch: char) -> char {
    match ch as u32 {
        code @ 0xFF01..=0xFF5E => char::from_u32(code - 0xFF01 + 0x21).unwrap_or(ch),
        _ => ch,
    }
}
