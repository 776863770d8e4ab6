//! Application numbers typed on a keypad. A receipt prints `K01-20261130-0001` (kiosk id, business day, serial); a
//! keypad has neither letters nor dashes, so the citizen types only the digits printed (`01202611300001`) and the
//! kiosk puts the letters and dashes back from its own id: the kiosks of a hall share the letter part of their ids
//! (K01, K02, …). The screen shows the number being rebuilt as it is typed, so it can be compared with the paper.

use chrono::NaiveDate;

/// Digits of the date and the serial (`20261130` + `0001`).
const DAY_AND_SERIAL: usize = 12;

/// How numbers look at this kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFormat {
    /// The kiosk id without its trailing digits (`K` of `K01`).
    letters: String,
    /// How many digits end the kiosk id (2 for `K01`).
    kiosk_digits: usize,
}

/// Why typed digits do not make a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// Fewer digits than a number has.
    Short,
    /// The right count, but the date part is no date.
    NotADate,
}

impl NumberFormat {
    pub fn for_kiosk(kiosk_id: &str) -> NumberFormat {
        let letters = kiosk_id.trim_end_matches(|c: char| c.is_ascii_digit());
        NumberFormat {
            letters: letters.to_string(),
            kiosk_digits: kiosk_id.len() - letters.len(),
        }
    }

    /// How many digits the citizen types.
    pub fn digit_count(&self) -> usize {
        self.kiosk_digits + DAY_AND_SERIAL
    }

    /// The letters the citizen does not type (shown before the entry).
    pub fn letters(&self) -> &str {
        &self.letters
    }

    /// The digits typed so far, laid out as the receipt prints them (`K01-2026` after `012026`).
    pub fn shown(&self, digits: &str) -> String {
        if digits.is_empty() {
            return String::new();
        }
        let mut out = self.letters.clone();
        if self.kiosk_digits == 0 && !self.letters.is_empty() {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if self.kiosk_digits > 0 && i == self.kiosk_digits {
                out.push('-');
            }
            if i == self.kiosk_digits + 8 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    /// The full number once every digit is there.
    pub fn number(&self, digits: &str) -> Result<String, NumberError> {
        if digits.len() < self.digit_count() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(NumberError::Short);
        }
        let day = &digits[self.kiosk_digits..self.kiosk_digits + 8];
        if NaiveDate::parse_from_str(day, "%Y%m%d").is_err() {
            return Err(NumberError::NotADate);
        }
        Ok(self.shown(digits))
    }

    /// One more key: digits only, and no more than a number has.
    pub fn push(&self, digits: &mut String, key: &str) {
        for c in key.chars().filter(char::is_ascii_digit) {
            if digits.len() < self.digit_count() {
                digits.push(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_citizen_types_the_digits_and_gets_the_printed_number_back() {
        let f = NumberFormat::for_kiosk("K01");
        assert_eq!(f.letters(), "K");
        assert_eq!(f.digit_count(), 14);
        assert_eq!(
            f.number("01202611300001").as_deref(),
            Ok("K01-20261130-0001")
        );
        // Another kiosk of the same hall.
        assert_eq!(
            f.number("07202612010012").as_deref(),
            Ok("K07-20261201-0012")
        );
    }

    #[test]
    fn the_number_is_laid_out_while_it_is_typed() {
        let f = NumberFormat::for_kiosk("K01");
        assert_eq!(f.shown(""), "");
        assert_eq!(f.shown("0"), "K0");
        assert_eq!(f.shown("01"), "K01");
        assert_eq!(f.shown("012"), "K01-2");
        assert_eq!(f.shown("0120261130"), "K01-20261130");
        assert_eq!(f.shown("01202611300"), "K01-20261130-0");
    }

    #[test]
    fn short_numbers_and_impossible_dates_are_refused() {
        let f = NumberFormat::for_kiosk("K01");
        assert_eq!(f.number("0120261130001"), Err(NumberError::Short));
        assert_eq!(f.number(""), Err(NumberError::Short));
        assert_eq!(f.number("01202613300001"), Err(NumberError::NotADate));
    }

    #[test]
    fn the_keypad_takes_digits_only_and_stops_at_the_numbers_length() {
        let f = NumberFormat::for_kiosk("K01");
        let mut d = String::new();
        for k in ["0", "1", "-", "K"] {
            f.push(&mut d, k);
        }
        assert_eq!(d, "01");
        for _ in 0..20 {
            f.push(&mut d, "9");
        }
        assert_eq!(d.len(), 14);
    }

    #[test]
    fn a_kiosk_id_without_digits_keeps_its_whole_id_as_the_prefix() {
        let f = NumberFormat::for_kiosk("hall-a");
        assert_eq!(f.digit_count(), 12);
        assert_eq!(
            f.number("202611300003").as_deref(),
            Ok("hall-a-20261130-0003")
        );
    }
}
