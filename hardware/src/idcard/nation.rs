//! Ethnic group codes of GB 3304 as printed on resident ID cards (民族).

use std::fmt;

/// The 56 groups in the standard's order: code 01 is `NAMES[0]`.
const NAMES: [&str; 56] = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
];

/// A GB 3304 nation code: 01..=56, 97 (其他) or 98 (外国血统中国籍人士).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Nation(u8);

impl Nation {
    /// The nation with this code, if the standard defines it.
    pub const fn from_code(code: u8) -> Option<Nation> {
        match code {
            1..=56 | 97 | 98 => Some(Nation(code)),
            _ => None,
        }
    }

    /// Parse the two ASCII digits stored on the card.
    pub fn parse(s: &str) -> Option<Nation> {
        let b = s.as_bytes();
        if b.len() != 2 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Nation::from_code((b[0] - b'0') * 10 + (b[1] - b'0'))
    }

    /// The numeric code.
    pub const fn code(self) -> u8 {
        self.0
    }

    /// The name as printed on the card (汉, 蒙古, …, 其他, 外国血统中国籍人士).
    pub fn name(self) -> &'static str {
        match self.0 {
            97 => "其他",
            98 => "外国血统中国籍人士",
            c => NAMES
                .get(usize::from(c).wrapping_sub(1))
                .copied()
                .unwrap_or("其他"),
        }
    }

    /// The full group name with 族 (汉族), or the plain name for 97 and 98.
    pub fn full_name(self) -> String {
        match self.0 {
            1..=56 => format!("{}族", self.name()),
            _ => self.name().to_string(),
        }
    }
}

impl fmt::Display for Nation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_codes() {
        assert_eq!(NAMES.len(), 56);
        assert_eq!(Nation::parse("01").unwrap().name(), "汉");
        assert_eq!(Nation::parse("08").unwrap().full_name(), "壮族");
        assert_eq!(Nation::parse("46").unwrap().name(), "德昂");
        assert_eq!(Nation::parse("56").unwrap().name(), "基诺");
        assert_eq!(Nation::parse("97").unwrap().full_name(), "其他");
        assert_eq!(Nation::parse("98").unwrap().name(), "外国血统中国籍人士");
        for bad in ["00", "57", "96", "99", "1", "1 ", "ab", "001"] {
            assert_eq!(Nation::parse(bad), None, "{bad}");
        }
        let mut seen = std::collections::HashSet::new();
        assert!(NAMES.iter().all(|n| seen.insert(*n)), "names are distinct");
    }
}
