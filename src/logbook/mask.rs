//! A last guard for the log: the kiosk never logs personal data, but a line that still carries something shaped
//! like an ID number (17 digits and a digit or X) or a mainland mobile number (11 digits from 13 to 19) has it
//! blanked before the line is kept. Only whole runs of digits of those lengths count, so sequence numbers,
//! durations and times pass untouched.

/// Stands in for an 18-character ID number.
pub const ID_MASK: &str = "<id number masked>";
/// Stands in for an 11-digit mobile number.
pub const PHONE_MASK: &str = "<phone masked>";

/// `text` with every ID-number-like and mobile-like run replaced.
pub fn mask_personal(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        let digits = end - start;
        // An ID number's check character may be X.
        let with_x = digits == 17 && matches!(bytes.get(end), Some(b'X' | b'x'));
        let run_end = if with_x { end + 1 } else { end };
        // Letters around the run do not matter: better to blank a serial number than to keep a phone number.
        let mask = if digits == 18 || with_x {
            Some(ID_MASK)
        } else if digits == 11 && bytes[start] == b'1' && (b'3'..=b'9').contains(&bytes[start + 1])
        {
            Some(PHONE_MASK)
        } else {
            None
        };
        if let Some(mask) = mask {
            out.push_str(&text[copied..start]);
            out.push_str(mask);
            copied = run_end;
        }
        i = run_end;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_masked_with_a_digit_or_an_x_at_the_end() {
        assert_eq!(
            mask_personal("card 110101199003074518 read"),
            format!("card {ID_MASK} read")
        );
        assert_eq!(
            mask_personal("id=11010119900307451X,"),
            format!("id={ID_MASK},")
        );
        assert_eq!(mask_personal("11010119900307451x"), ID_MASK);
        assert_eq!(
            mask_personal("no110101199003074518ab"),
            format!("no{ID_MASK}ab")
        );
    }

    #[test]
    fn mobile_numbers_are_masked_even_between_chinese_characters() {
        assert_eq!(
            mask_personal("电话13812345678已保存"),
            format!("电话{PHONE_MASK}已保存")
        );
        assert_eq!(
            mask_personal("a 19900001111 and 13700002222"),
            format!("a {PHONE_MASK} and {PHONE_MASK}")
        );
    }

    #[test]
    fn other_numbers_pass_untouched() {
        for text in [
            "outbox seq 12345678901234567890 applied",
            "took 10345678901 µs",
            "12345678901 is not a mobile (no 12 prefix)",
            "1101011990030745189",
            "time 2026-11-30T09:00:00Z seq 42",
            "",
        ] {
            assert_eq!(mask_personal(text), text);
        }
    }
}
