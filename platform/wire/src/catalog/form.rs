//! The application form of a service (申办表单): the fields the kiosk asks for beyond what the ID card pre-fills,
//! with the rules a value must meet. The kiosk checks values as they are typed; the platform checks them again.

use serde::{Deserialize, Serialize};

/// Longest value any field takes, whatever its own rules say: the platform stores only short answers.
pub const MAX_VALUE_CHARS: usize = 500;

/// How a field is entered and what its value looks like on the wire (values always travel as strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text from the Latin keyboard (digits, letters, an address number).
    Text,
    /// Chinese text from the pinyin keyboard; must hold at least one Chinese character.
    ChineseText,
    /// A decimal number such as `100` or `12.5`.
    Number,
    /// A calendar date `YYYY-MM-DD`.
    Date,
    /// A mainland mobile number (11 digits, starting with 1) or a landline with its area code (`027-84890101`).
    Phone,
    /// One of the field's `choices`, by `value`.
    Choice,
    /// `yes` or `no`.
    YesNo,
}

impl FieldType {
    /// Text-like types, the ones `min_length` / `max_length` apply to.
    pub fn is_text(self) -> bool {
        matches!(self, FieldType::Text | FieldType::ChineseText)
    }
}

/// One option of a [`FieldType::Choice`] field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// What travels in the application (`limited_company`): ASCII, stable across catalog versions.
    pub value: String,
    pub label_zh: String,
    pub label_en: String,
}

/// One field of a service's application form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Key of the value in `ApplicationSubmitted::fields`: lower-case ASCII, digits and `_`.
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub required: bool,
    /// Text types only: bounds in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Numbers only: inclusive bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<f64>,
    /// Choice fields only: the options, in the order shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// A line shown under the field (e.g. "以万元为单位").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help_zh: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help_en: String,
}

impl FormField {
    /// Checks one entered value against the field's type and rules; an empty value is an optional field left
    /// unanswered. The reason never repeats the value: it may be personal data, and reasons are logged and stored.
    pub fn check_value(&self, value: &str) -> Result<(), String> {
        if value.is_empty() {
            return if self.required {
                Err("is required".into())
            } else {
                Ok(())
            };
        }
        let chars = value.chars().count();
        if chars > MAX_VALUE_CHARS {
            return Err(format!("is longer than {MAX_VALUE_CHARS} characters"));
        }
        if value.chars().any(char::is_control) {
            return Err("contains control characters".into());
        }
        match self.field_type {
            FieldType::Text | FieldType::ChineseText => {
                if self.field_type == FieldType::ChineseText && !value.chars().any(is_han) {
                    return Err("must be written in Chinese characters".into());
                }
                if let Some(min) = self.min_length.filter(|&m| chars < m as usize) {
                    return Err(format!("must be at least {min} characters long"));
                }
                if let Some(max) = self.max_length.filter(|&m| chars > m as usize) {
                    return Err(format!("must be at most {max} characters long"));
                }
            }
            FieldType::Number => {
                let Some(n) = parse_decimal(value) else {
                    return Err("is not a number".into());
                };
                if let Some(min) = self.min_value.filter(|&m| n < m) {
                    return Err(format!("must be at least {min}"));
                }
                if let Some(max) = self.max_value.filter(|&m| n > m) {
                    return Err(format!("must be at most {max}"));
                }
            }
            FieldType::Date => {
                if !is_date(value) {
                    return Err("is not a YYYY-MM-DD date".into());
                }
            }
            FieldType::Phone => {
                if !is_phone(value) {
                    return Err(
                        "is not an 11-digit mobile number or a landline with its area code".into(),
                    );
                }
            }
            FieldType::Choice => {
                if !self.choices.iter().any(|c| c.value == value) {
                    return Err("is not one of the field's choices".into());
                }
            }
            FieldType::YesNo => {
                if !matches!(value, "yes" | "no") {
                    return Err("must be yes or no".into());
                }
            }
        }
        Ok(())
    }
}

/// A CJK unified ideograph (basic block and extension A), what the pinyin keyboard produces.
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Plain decimal: optional minus, digits, optional fraction. No exponent, no spaces, no thousands separators.
fn parse_decimal(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let plain = all_digits(whole) && fraction.is_none_or(all_digits);
    if !plain {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &text[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1900 && (1..=days).contains(&day)
}

fn is_phone(text: &str) -> bool {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if text.len() == 11 && all_digits(text) && text.starts_with('1') {
        return true;
    }
    // Landline: area code 0XX or 0XXX, a hyphen, 7 or 8 digits.
    match text.split_once('-') {
        Some((area, number)) => {
            all_digits(area)
                && area.starts_with('0')
                && (3..=4).contains(&area.len())
                && all_digits(number)
                && (7..=8).contains(&number.len())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(field_type: FieldType) -> FormField {
        FormField {
            key: "k".into(),
            label_zh: "字段".into(),
            label_en: "Field".into(),
            field_type,
            required: true,
            min_length: None,
            max_length: None,
            min_value: None,
            max_value: None,
            choices: Vec::new(),
            help_zh: String::new(),
            help_en: String::new(),
        }
    }

    #[test]
    fn numbers_are_plain_decimals_within_the_bounds() {
        let capital = FormField {
            min_value: Some(1.0),
            max_value: Some(100000.0),
            ..field(FieldType::Number)
        };
        assert!(capital.check_value("100").is_ok());
        assert!(capital.check_value("12.5").is_ok());
        for bad in ["1e3", "1,000", " 100", "100.", ".5", "-", "NaN", "inf"] {
            assert_eq!(
                capital.check_value(bad),
                Err("is not a number".into()),
                "{bad:?}"
            );
        }
        assert_eq!(capital.check_value("0.5"), Err("must be at least 1".into()));
        assert_eq!(
            capital.check_value("100001"),
            Err("must be at most 100000".into())
        );
    }

    #[test]
    fn chinese_text_needs_chinese_characters_and_respects_lengths() {
        let name = FormField {
            min_length: Some(4),
            max_length: Some(8),
            ..field(FieldType::ChineseText)
        };
        assert!(name.check_value("汉南热干面").is_ok());
        assert!(name.check_value("ABCD").is_err());
        assert_eq!(
            name.check_value("汉南"),
            Err("must be at least 4 characters long".into())
        );
        assert!(name.check_value("汉南区纱帽街热干面馆").is_err());
        assert!(name.check_value("汉南\n热干面").is_err());
    }

    #[test]
    fn dates_phones_choices_and_yes_no_have_their_shapes() {
        let date = field(FieldType::Date);
        assert!(date.check_value("2024-02-29").is_ok());
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "20240101",
            "2024-04-31",
        ] {
            assert!(date.check_value(bad).is_err(), "{bad}");
        }
        let phone = field(FieldType::Phone);
        for good in ["13800000000", "027-84890101", "0710-1234567"] {
            assert!(phone.check_value(good).is_ok(), "{good}");
        }
        for bad in [
            "1380000000",
            "23800000000",
            "84890101",
            "027-848901",
            "027 84890101",
        ] {
            assert!(phone.check_value(bad).is_err(), "{bad}");
        }
        let kind = FormField {
            choices: vec![Choice {
                value: "llc".into(),
                label_zh: "有限责任公司".into(),
                label_en: "Limited liability company".into(),
            }],
            ..field(FieldType::Choice)
        };
        assert!(kind.check_value("llc").is_ok());
        assert!(kind.check_value("有限责任公司").is_err());
        let yes_no = field(FieldType::YesNo);
        assert!(yes_no.check_value("yes").is_ok() && yes_no.check_value("no").is_ok());
        assert!(yes_no.check_value("是").is_err());
    }

    #[test]
    fn an_empty_value_is_an_unanswered_optional_field() {
        let optional = FormField {
            required: false,
            ..field(FieldType::Number)
        };
        assert!(optional.check_value("").is_ok());
        assert_eq!(
            field(FieldType::Number).check_value(""),
            Err("is required".into())
        );
    }

    #[test]
    fn a_reason_never_repeats_the_value() {
        let phone = field(FieldType::Phone);
        let err = phone.check_value("4201011990").unwrap_err();
        assert!(!err.contains("4201011990"), "{err}");
        let long = "张".repeat(MAX_VALUE_CHARS + 1);
        let err = field(FieldType::Text).check_value(&long).unwrap_err();
        assert!(!err.contains('张'), "{err}");
    }

    #[test]
    fn the_type_travels_as_type_in_snake_case() {
        let json = serde_json::to_value(field(FieldType::ChineseText)).unwrap();
        assert_eq!(json["type"], "chinese_text");
        assert!(json.get("choices").is_none() && json.get("min_length").is_none());
    }
}
