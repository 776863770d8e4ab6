//! Which characters the printer's own double-byte font can print ([`PrinterFont`]).
//!
//! Names and addresses on ID cards hold characters outside GB2312 (堃, 喆, 赟, 䶮 …). A printer whose font lacks a
//! character prints a blank, a box or a wrong glyph for its bytes, so the receipt builder asks [`PrinterFont::covers`]
//! before sending text and prints an uncovered line as a raster image instead.

use std::fmt;
use std::str::FromStr;

/// The printer's built-in Chinese font, as `GS I 69` names it or as configured.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum PrinterFont {
    /// GB2312 only (6,763 hanzi and 682 symbols): most budget units. The safe default when the printer does not
    /// say: a character wrongly thought missing prints as an image, which is slower but right.
    #[default]
    Gb2312,
    /// The GB18030-2000 core set: GBK's two-byte characters plus CJK Extension A (27,484 hanzi and about 900
    /// symbols).
    Gb18030,
}

impl PrinterFont {
    /// Whether the printer prints `c` from its own font. ASCII printable characters are always covered (Font A);
    /// control characters never are.
    ///
    /// ```
    /// use sanban_hardware::printer::PrinterFont;
    /// assert!(PrinterFont::Gb2312.covers('办'));
    /// assert!(!PrinterFont::Gb2312.covers('堃'));
    /// assert!(PrinterFont::Gb18030.covers('堃'));
    /// assert!(PrinterFont::Gb18030.covers('䶮')); // Extension A
    /// assert!(!PrinterFont::Gb18030.covers('😀'));
    /// ```
    pub fn covers(self, c: char) -> bool {
        if c.is_ascii() {
            return !c.is_ascii_control();
        }
        let mut buf = [0u8; 4];
        let code = gb18030_code(c, &mut buf);
        match self {
            PrinterFont::Gb2312 => match code {
                [b1, b2] => in_gb2312(*b1, *b2),
                _ => false,
            },
            PrinterFont::Gb18030 => match code {
                [b1, b2] => in_gbk(*b1, *b2) && !is_private_use(c),
                _ => is_extension_a(c),
            },
        }
    }

    /// Whether every character of `s` is covered.
    pub fn covers_all(self, s: &str) -> bool {
        s.chars().all(|c| self.covers(c))
    }

    /// The font a `GS I 69` answer names (`"CHINA GB18030"`, `"GB2312"`, …); `None` when the name says neither,
    /// and the configured font should be used.
    ///
    /// ```
    /// use sanban_hardware::printer::PrinterFont;
    /// assert_eq!(PrinterFont::from_font_id("CHINA GB18030"), Some(PrinterFont::Gb18030));
    /// assert_eq!(PrinterFont::from_font_id("China GB2312"), Some(PrinterFont::Gb2312));
    /// assert_eq!(PrinterFont::from_font_id("JAPAN"), None);
    /// ```
    pub fn from_font_id(name: &str) -> Option<PrinterFont> {
        let name = name.to_ascii_uppercase();
        if name.contains("GB18030") {
            Some(PrinterFont::Gb18030)
        } else if name.contains("GB2312") {
            Some(PrinterFont::Gb2312)
        } else {
            None
        }
    }
}

impl fmt::Display for PrinterFont {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PrinterFont::Gb2312 => "gb2312",
            PrinterFont::Gb18030 => "gb18030",
        })
    }
}

/// An unknown font name in configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown printer font {0:?} (expected \"gb2312\" or \"gb18030\")")]
pub struct UnknownPrinterFont(pub String);

impl FromStr for PrinterFont {
    type Err = UnknownPrinterFont;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "gb2312" => Ok(PrinterFont::Gb2312),
            "gb18030" => Ok(PrinterFont::Gb18030),
            _ => Err(UnknownPrinterFont(s.to_string())),
        }
    }
}

/// `c`'s GB18030 bytes (1, 2 or 4), as `encoding_rs` encodes them: the same bytes the receipt sends.
fn gb18030_code(c: char, buf: &mut [u8; 4]) -> &[u8] {
    let mut utf8 = [0u8; 4];
    let (bytes, _, _) = encoding_rs::GB18030.encode(c.encode_utf8(&mut utf8));
    let n = bytes.len().min(4);
    buf[..n].copy_from_slice(&bytes[..n]);
    &buf[..n]
}

/// The cells GB2312 assigns (EUC-CN bytes). Rows 10-15 and 88-94 are empty; rows 2 and 4-9 are partly filled;
/// row 55 ends at column 89. Other cells of rows A1-F7 are GBK/GB18030 additions a GB2312 font does not have
/// (e.g. A2E3 is €).
fn in_gb2312(b1: u8, b2: u8) -> bool {
    if !(0xA1..=0xFE).contains(&b2) {
        return false;
    }
    let ranges: &[(u8, u8)] = match b1 {
        0xA1 | 0xA3 => &[(0xA1, 0xFE)],
        0xA2 => &[(0xB1, 0xE2), (0xE5, 0xEE), (0xF1, 0xFC)],
        0xA4 => &[(0xA1, 0xF3)],
        0xA5 => &[(0xA1, 0xF6)],
        0xA6 => &[(0xA1, 0xB8), (0xC1, 0xD8)],
        0xA7 => &[(0xA1, 0xC1), (0xD1, 0xF1)],
        0xA8 => &[(0xA1, 0xBA), (0xC5, 0xE9)],
        0xA9 => &[(0xA4, 0xEF)],
        0xD7 => &[(0xA1, 0xF9)],
        0xB0..=0xF7 => &[(0xA1, 0xFE)],
        _ => &[],
    };
    ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&b2))
}

/// GBK's assigned two-byte area: everything from 8140 to FEFE except the three user-defined areas
/// (AAA1-AFFE, F8A1-FEFE, A140-A7A0), which a printer font leaves empty.
fn in_gbk(b1: u8, b2: u8) -> bool {
    let user_defined = ((0xAA..=0xAF).contains(&b1) || (0xF8..=0xFE).contains(&b1))
        && (0xA1..=0xFE).contains(&b2)
        || (0xA1..=0xA7).contains(&b1) && (0x40..=0xA0).contains(&b2);
    (0x81..=0xFE).contains(&b1) && (0x40..=0xFE).contains(&b2) && b2 != 0x7F && !user_defined
}

fn is_private_use(c: char) -> bool {
    ('\u{E000}'..='\u{F8FF}').contains(&c)
}

/// CJK Unified Ideographs Extension A as GB18030-2000 has it (U+3400-U+4DB5).
fn is_extension_a(c: char) -> bool {
    ('\u{3400}'..='\u{4DB5}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb2312_covers_its_own_rows_and_nothing_else() {
        for c in "办事大厅张王李赵婧·、。（）：１Ａ".chars() {
            assert!(PrinterFont::Gb2312.covers(c), "{c}");
        }
        for c in "堃喆赟昇䶮珺玥€😀\u{E000}".chars() {
            assert!(!PrinterFont::Gb2312.covers(c), "{c}");
        }
        assert!(PrinterFont::Gb2312.covers('A') && PrinterFont::Gb2312.covers(' '));
        assert!(!PrinterFont::Gb2312.covers('\x1b'));
    }

    #[test]
    fn gb18030_core_covers_gbk_and_extension_a_only() {
        for c in "办堃喆赟昇䶮珺玥€㐀䶵".chars() {
            assert!(PrinterFont::Gb18030.covers(c), "{c}");
        }
        // supplementary planes, Tibetan (a 4-byte BMP code outside Extension A), private use
        for c in "😀𠀀ཀ\u{E000}\u{E815}".chars() {
            assert!(!PrinterFont::Gb18030.covers(c), "{c}");
        }
    }

    #[test]
    fn counts_match_the_standards() {
        let count = |f: PrinterFont| {
            (0x80u32..0x10000)
                .filter_map(char::from_u32)
                .filter(|&c| f.covers(c))
                .count()
        };
        // GB2312: 7,445 characters (6,763 hanzi + 682 symbols)
        assert_eq!(count(PrinterFont::Gb2312), 7445);
        // GB18030-2000 core: 27,484 hanzi (GBK's 20,902 + Extension A's 6,582) and the symbols of GBK
        let n = count(PrinterFont::Gb18030);
        assert!((28_000..=28_600).contains(&n), "{n}");
        let hanzi = ('\u{3400}'..='\u{9FA5}')
            .filter(|&c| PrinterFont::Gb18030.covers(c))
            .count();
        assert_eq!(hanzi, 27_484);
    }

    #[test]
    fn parses_config_and_font_ids() {
        assert_eq!("GB18030".parse(), Ok(PrinterFont::Gb18030));
        assert_eq!(" gb2312 ".parse(), Ok(PrinterFont::Gb2312));
        assert!("big5".parse::<PrinterFont>().is_err());
        assert_eq!(PrinterFont::Gb18030.to_string(), "gb18030");
        assert_eq!(PrinterFont::from_font_id(""), None);
    }
}
