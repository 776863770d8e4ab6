//! Citizen ID numbers (GB 11643, ISO 7064 MOD 11-2 check character) and the 15-character 2017 PR number.
//!
//! The number is personal information: [`IdNumber`]'s `Debug` shows only the masked form, and it has no `Display`
//! so it cannot end up in a message by accident. Use [`IdNumber::as_str`] where the clear value is truly needed.

use std::fmt;

/// Weights of positions 1..=17: 2^(18-i) mod 11.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for (sum mod 11) = index.
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Why a number was rejected. Carries no digits of the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Wrong length or characters.
    #[error("the ID number has the wrong length or characters")]
    Format,
    /// The last character does not match the first 17 (GB 11643 / ISO 7064 MOD 11-2).
    #[error("the ID number's check character is wrong (GB 11643 MOD 11-2): the card data is corrupt or forged")]
    CheckCharacter,
}

/// The GB 11643 check character for the first 17 digits, or `None` if `first17` is not 17 ASCII digits.
pub fn check_character(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(CHECK[(sum % 11) as usize])
}

/// An ID number read from a card: 18 characters with a verified check character (resident ID, HK/Macao/Taiwan
/// permit, PR card 2023), or the 15-character PR card 2017 number (3 letters and 12 digits; the spec gives no check
/// algorithm for it, so only its shape is checked).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

impl IdNumber {
    /// An 18-character GB 11643 number; the check character (`X` or `x` for 10) must match.
    pub fn parse(s: &str) -> Result<IdNumber, IdNumberError> {
        let b = s.as_bytes();
        // ASCII first: slicing at byte 17 below must not split a character.
        if b.len() != 18 || !s.is_ascii() {
            return Err(IdNumberError::Format);
        }
        let expected = check_character(&s[..17]).ok_or(IdNumberError::Format)?;
        let last = char::from(b[17]).to_ascii_uppercase();
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(IdNumberError::Format);
        }
        if last != expected {
            return Err(IdNumberError::CheckCharacter);
        }
        Ok(IdNumber(s.to_string()))
    }

    /// A 15-character PR card 2017 number: three ASCII capital letters (nationality) and twelve digits.
    pub fn parse_pr2017(s: &str) -> Result<IdNumber, IdNumberError> {
        let b = s.as_bytes();
        let shape = b.len() == 15
            && b[..3].iter().all(u8::is_ascii_uppercase)
            && b[3..].iter().all(u8::is_ascii_digit);
        if shape {
            Ok(IdNumber(s.to_string()))
        } else {
            Err(IdNumberError::Format)
        }
    }

    /// The clear number. Personal information: show [`masked`](Self::masked) instead wherever possible.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// First 4 and last 4 characters kept, the rest starred: `4201**********1234`.
    pub fn masked(&self) -> String {
        mask_middle(&self.0, 4, 4)
    }
}

// Overwritten when dropped, like `Personal`.
impl Drop for IdNumber {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// Keep `head` leading and `tail` trailing characters, star the rest (all starred if too short to hide anything).
pub(crate) fn mask_middle(s: &str, head: usize, tail: usize) -> String {
    let n = s.chars().count();
    if n <= head + tail {
        return "*".repeat(n);
    }
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_examples_verify() {
        // The worked examples of GB 11643-1999 (not real people).
        assert_eq!(check_character("11010519491231002"), Some('X'));
        assert_eq!(check_character("44052418800101001"), Some('4'));
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert!(IdNumber::parse("11010519491231002x").is_ok());
        assert!(IdNumber::parse("440524188001010014").is_ok());
    }

    #[test]
    fn wrong_check_character_is_rejected() {
        assert_eq!(
            IdNumber::parse("440524188001010015"),
            Err(IdNumberError::CheckCharacter)
        );
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(IdNumberError::CheckCharacter)
        );
        assert_eq!(
            IdNumber::parse("44052418800101001"),
            Err(IdNumberError::Format)
        );
        assert_eq!(
            IdNumber::parse("4405241880010100A4"),
            Err(IdNumberError::Format)
        );
        assert_eq!(
            IdNumber::parse("44052418800101001Y"),
            Err(IdNumberError::Format)
        );
        assert_eq!(
            IdNumber::parse("４40524188001010014"),
            Err(IdNumberError::Format)
        );
    }

    #[test]
    fn masking_keeps_four_and_four() {
        let id = IdNumber::parse("440524188001010014").unwrap();
        assert_eq!(id.masked(), "4405**********0014");
        assert_eq!(format!("{id:?}"), "IdNumber(4405**********0014)");
        let pr = IdNumber::parse_pr2017("USA110090001012").unwrap();
        assert_eq!(pr.masked(), "USA1*******1012");
        assert!(IdNumber::parse_pr2017("usa110090001012").is_err());
        assert_eq!(mask_middle("1234567", 4, 4), "*******");
    }
}
