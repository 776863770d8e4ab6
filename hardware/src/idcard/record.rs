//! The card's 256-byte text block (UCS-2 little-endian, space padded) as a typed [`CardRecord`], both ways.
//!
//! Privacy: every clear value that identifies a person is wrapped ([`Personal`], [`IdNumber`], [`Blob`]) so that
//! `Debug` shows nothing identifying; [`CardRecord`]'s `Debug` and `Display` show masked forms only.

use std::fmt;

use super::date::Date;
use super::idnumber::{IdNumber, IdNumberError};
use super::nation::Nation;

/// Size of the text block.
pub const TEXT_LEN: usize = 256;

/// Byte offset of the card type character.
const TYPE_OFFSET: usize = 248;

/// Why a text block is not a valid record. Messages never contain the card's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The text block is not 256 bytes.
    #[error("the text block is {0} bytes, not 256")]
    TextLength(usize),
    /// The type character at byte 248 is not space, `I`, `Y` or `J`.
    #[error("unknown card type marker U+{0:04X}")]
    UnknownCardType(u16),
    /// A coded field (sex, nation) holds a code its table does not have.
    #[error("the {0} field holds an invalid code")]
    BadCode(&'static str),
    /// A date field is not a valid `YYYYMMDD` date.
    #[error("the {0} field is not a valid date")]
    BadDate(&'static str),
    /// A count field is not a number.
    #[error("the {0} field is not a number")]
    BadNumber(&'static str),
    /// The ID number is malformed or its check character is wrong.
    #[error(transparent)]
    IdNumber(#[from] IdNumberError),
}

/// A string of personal information (name, address, …). `Debug` shows only its length; there is no `Display`.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Personal(String);

impl Personal {
    /// Wrap a clear value.
    pub fn new(s: impl Into<String>) -> Self {
        Personal(s.into())
    }

    /// The clear value, e.g. to pre-fill a form. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

// The clear value is overwritten when it is dropped, so a citizen's data does not linger in freed memory.
impl Drop for Personal {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for Personal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} chars hidden>", self.0.chars().count())
    }
}

/// Opaque binary card data (the WLT photo, fingerprint templates). `Debug` prints only the length.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Blob(Vec<u8>);

impl Blob {
    /// Wrap bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Blob(bytes)
    }

    /// The bytes. Never print or log them.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Blob {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob({} bytes)", self.0.len())
    }
}

/// Sex code of GB/T 2261.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// 0: unknown.
    Unknown,
    /// 1: male (男).
    Male,
    /// 2: female (女).
    Female,
    /// 9: not stated (未说明).
    NotStated,
}

impl Sex {
    /// Parse the one-digit code.
    pub fn parse(s: &str) -> Option<Sex> {
        match s {
            "0" => Some(Sex::Unknown),
            "1" => Some(Sex::Male),
            "2" => Some(Sex::Female),
            "9" => Some(Sex::NotStated),
            _ => None,
        }
    }

    /// The one-digit code.
    pub const fn code(self) -> char {
        match self {
            Sex::Unknown => '0',
            Sex::Male => '1',
            Sex::Female => '2',
            Sex::NotStated => '9',
        }
    }

    /// The word printed on a card: 男, 女, 未知, 未说明.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Sex::Unknown => "未知",
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::NotStated => "未说明",
        }
    }
}

/// End of a card's validity: a date, or 长期 (valid for life).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValidTo {
    /// Valid through this date, inclusive.
    Date(Date),
    /// 长期: valid for life (cards of people aged 46 and over). Stored as text, not a date.
    LongTerm,
}

impl fmt::Display for ValidTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidTo::Date(d) => d.fmt(f),
            ValidTo::LongTerm => f.write_str("长期"),
        }
    }
}

/// Which of the four card types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardKind {
    /// 居民身份证, type character space.
    Resident,
    /// 港澳台居民居住证, type character `J`.
    HkMacaoTaiwan,
    /// 外国人永久居留身份证 (2017), type character `I`.
    PermanentResident2017,
    /// 外国人永久居留身份证 (2023), type character `Y`.
    PermanentResident2023,
}

impl CardKind {
    /// Plain English name.
    pub const fn name(self) -> &'static str {
        match self {
            CardKind::Resident => "resident ID card",
            CardKind::HkMacaoTaiwan => "Hong Kong/Macao/Taiwan residence permit",
            CardKind::PermanentResident2017 => "foreign permanent resident ID card (2017)",
            CardKind::PermanentResident2023 => "foreign permanent resident ID card (2023)",
        }
    }

    /// Chinese name.
    pub const fn name_zh(self) -> &'static str {
        match self {
            CardKind::Resident => "居民身份证",
            CardKind::HkMacaoTaiwan => "港澳台居民居住证",
            CardKind::PermanentResident2017 | CardKind::PermanentResident2023 => {
                "外国人永久居留身份证"
            }
        }
    }

    /// The type character at byte 248.
    pub const fn marker(self) -> char {
        match self {
            CardKind::Resident => ' ',
            CardKind::HkMacaoTaiwan => 'J',
            CardKind::PermanentResident2017 => 'I',
            CardKind::PermanentResident2023 => 'Y',
        }
    }
}

/// The fields only some card types have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardDetails {
    /// Resident ID card.
    Resident {
        /// 民族.
        nation: Nation,
        /// 住址 (up to 35 characters).
        address: Personal,
        /// 签发机关 (up to 15 characters).
        authority: String,
    },
    /// Hong Kong/Macao/Taiwan residence permit (no nation).
    HkMacaoTaiwan {
        /// 住址.
        address: Personal,
        /// 签发机关.
        authority: String,
        /// 通行证号码 (9 characters).
        pass_number: Personal,
        /// 签发次数 (two digits).
        issue_count: u8,
    },
    /// Foreign permanent resident ID card, 2017 edition.
    PermanentResident2017 {
        /// English name (up to 60 characters).
        english_name: Personal,
        /// Nationality, GB/T 2659 alpha-3 (e.g. `USA`).
        nationality: String,
        /// Card version (2 characters).
        card_version: String,
        /// Issuing authority code (4 characters).
        authority_code: String,
    },
    /// Foreign permanent resident ID card, 2023 edition.
    PermanentResident2023 {
        /// English name (both parts joined: up to 46 characters).
        english_name: Personal,
        /// 换证次数 (two digits).
        renewal_count: u8,
        /// Nationality, GB/T 2659 alpha-3.
        nationality: String,
        /// Link to the previous PR number (3 characters).
        previous_number_link: Personal,
    },
}

/// The text data of one card. Text fields are stored with trailing padding trimmed.
///
/// `Debug` and `Display` show only the kind, the masked name and number and the validity; the clear values are
/// available through the fields and the accessors (for pre-filling forms) and must never be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct CardRecord {
    /// Chinese name; may be empty on PR cards (then [`CardRecord::name`] falls back to the English name).
    pub name: Personal,
    /// Sex.
    pub sex: Sex,
    /// Date of birth.
    pub birth: Date,
    /// Card number (身份证号 / 居住证号 / 永久居留证号).
    pub id_number: IdNumber,
    /// Start of validity.
    pub valid_from: Date,
    /// End of validity.
    pub valid_to: ValidTo,
    /// Fields of this card type.
    pub details: CardDetails,
}

impl CardRecord {
    /// The card type.
    pub fn kind(&self) -> CardKind {
        match self.details {
            CardDetails::Resident { .. } => CardKind::Resident,
            CardDetails::HkMacaoTaiwan { .. } => CardKind::HkMacaoTaiwan,
            CardDetails::PermanentResident2017 { .. } => CardKind::PermanentResident2017,
            CardDetails::PermanentResident2023 { .. } => CardKind::PermanentResident2023,
        }
    }

    /// Clear name for forms: the Chinese name, or the English name if the card has none. Never log it.
    pub fn name(&self) -> &str {
        if self.name.expose().is_empty() {
            self.english_name().unwrap_or("")
        } else {
            self.name.expose()
        }
    }

    /// Clear English name (PR cards only). Never log it.
    pub fn english_name(&self) -> Option<&str> {
        match &self.details {
            CardDetails::PermanentResident2017 { english_name, .. }
            | CardDetails::PermanentResident2023 { english_name, .. } => {
                Some(english_name.expose())
            }
            _ => None,
        }
    }

    /// Clear card number. Never log it.
    pub fn id_number(&self) -> &str {
        self.id_number.as_str()
    }

    /// Clear date of birth. Never log it.
    pub fn birth_date(&self) -> Date {
        self.birth
    }

    /// Clear address (resident ID and HK/Macao/Taiwan permit). Never log it.
    pub fn address(&self) -> Option<&str> {
        match &self.details {
            CardDetails::Resident { address, .. } | CardDetails::HkMacaoTaiwan { address, .. } => {
                Some(address.expose())
            }
            _ => None,
        }
    }

    /// Nation (resident ID only).
    pub fn nation(&self) -> Option<Nation> {
        match self.details {
            CardDetails::Resident { nation, .. } => Some(nation),
            _ => None,
        }
    }

    /// Issuing authority (resident ID and HK/Macao/Taiwan permit).
    pub fn issuing_authority(&self) -> Option<&str> {
        match &self.details {
            CardDetails::Resident { authority, .. }
            | CardDetails::HkMacaoTaiwan { authority, .. } => Some(authority),
            _ => None,
        }
    }

    /// Nationality, alpha-3 (PR cards only).
    pub fn nationality(&self) -> Option<&str> {
        match &self.details {
            CardDetails::PermanentResident2017 { nationality, .. }
            | CardDetails::PermanentResident2023 { nationality, .. } => Some(nationality),
            _ => None,
        }
    }

    /// The number with only its first 4 and last 4 characters: `4201**********1234`.
    pub fn masked_id(&self) -> String {
        self.id_number.masked()
    }

    /// The name with only the surname kept: `张*`, `欧阳**` (a known two-character surname is kept whole).
    pub fn masked_name(&self) -> String {
        mask_name(self.name())
    }

    /// Age in whole years on `today` (for the 60+ priority lane).
    pub fn age_on(&self, today: Date) -> u32 {
        self.birth.years_until(today)
    }

    /// True if the card's validity ended before `today` (the "valid to" day itself is still valid; 长期 never ends).
    pub fn is_expired_on(&self, today: Date) -> bool {
        match self.valid_to {
            ValidTo::Date(end) => today > end,
            ValidTo::LongTerm => false,
        }
    }

    /// Parse a text block of any length (it must be 256 bytes).
    pub fn decode_slice(text: &[u8]) -> Result<CardRecord, RecordError> {
        let block: &[u8; TEXT_LEN] = text
            .try_into()
            .map_err(|_| RecordError::TextLength(text.len()))?;
        Self::decode(block)
    }

    /// Parse the 256-byte text block.
    pub fn decode(text: &[u8; TEXT_LEN]) -> Result<CardRecord, RecordError> {
        let t = Text(text);
        let kind = match u16::from_le_bytes([text[TYPE_OFFSET], text[TYPE_OFFSET + 1]]) {
            // Resident cards keep the reserved area at byte 248 blank; some readers pad with 00 instead of spaces.
            0x0020 | 0x0000 => CardKind::Resident,
            0x004A => CardKind::HkMacaoTaiwan,
            0x0049 => CardKind::PermanentResident2017,
            0x0059 => CardKind::PermanentResident2023,
            other => return Err(RecordError::UnknownCardType(other)),
        };
        let sex = |off| Sex::parse(&t.field(off, 2)).ok_or(RecordError::BadCode("sex"));
        let date =
            |off, what| Date::parse_yyyymmdd(&t.field(off, 16)).ok_or(RecordError::BadDate(what));
        let valid_to = match t.field(204, 16).as_str() {
            "长期" => ValidTo::LongTerm,
            s => ValidTo::Date(Date::parse_yyyymmdd(s).ok_or(RecordError::BadDate("valid to"))?),
        };
        let count = |off, what| {
            t.field(off, 4)
                .parse::<u8>()
                .map_err(|_| RecordError::BadNumber(what))
        };
        let record = match kind {
            CardKind::Resident | CardKind::HkMacaoTaiwan => {
                let details = if kind == CardKind::Resident {
                    CardDetails::Resident {
                        nation: Nation::parse(&t.field(32, 4))
                            .ok_or(RecordError::BadCode("nation"))?,
                        address: Personal(t.field(52, 70)),
                        authority: t.field(158, 30),
                    }
                } else {
                    CardDetails::HkMacaoTaiwan {
                        address: Personal(t.field(52, 70)),
                        authority: t.field(158, 30),
                        pass_number: Personal(t.field(220, 18)),
                        issue_count: count(238, "issue count")?,
                    }
                };
                CardRecord {
                    name: Personal(t.field(0, 30)),
                    sex: sex(30)?,
                    birth: date(36, "birth")?,
                    id_number: IdNumber::parse(&t.field(122, 36))?,
                    valid_from: date(188, "valid from")?,
                    valid_to,
                    details,
                }
            }
            CardKind::PermanentResident2017 => CardRecord {
                name: Personal(t.field(158, 30)),
                sex: sex(120)?,
                birth: date(220, "birth")?,
                id_number: IdNumber::parse_pr2017(&t.field(122, 30))?,
                valid_from: date(188, "valid from")?,
                valid_to,
                details: CardDetails::PermanentResident2017 {
                    english_name: Personal(t.field(0, 120)),
                    nationality: t.field(152, 6),
                    card_version: t.field(236, 4),
                    authority_code: t.field(240, 8),
                },
            },
            CardKind::PermanentResident2023 => {
                // The English name runs on from part 1 into part 2; keep part 1 whole (a space at its end can be a
                // word break) when part 2 is used.
                let part2 = t.field(220, 22);
                let english = if part2.is_empty() {
                    t.field(52, 70)
                } else {
                    t.raw(52, 70) + &part2
                };
                CardRecord {
                    name: Personal(t.field(0, 30)),
                    sex: sex(30)?,
                    birth: date(36, "birth")?,
                    id_number: IdNumber::parse(&t.field(122, 36))?,
                    valid_from: date(188, "valid from")?,
                    valid_to,
                    details: CardDetails::PermanentResident2023 {
                        english_name: Personal(english),
                        renewal_count: count(32, "renewal count")?,
                        nationality: t.field(242, 6),
                        previous_number_link: Personal(t.field(250, 6)),
                    },
                }
            }
        };
        Ok(record)
    }

    /// The 256-byte text block for this record (used by the simulator and tests). Values longer than their field are
    /// cut; reserved areas are spaces. For every record that [`decode`](Self::decode) returns,
    /// `decode(&r.encode()) == Ok(r)`.
    pub fn encode(&self) -> [u8; TEXT_LEN] {
        let mut out = [0u8; TEXT_LEN];
        for pair in out.chunks_exact_mut(2) {
            pair.copy_from_slice(&[0x20, 0x00]);
        }
        let mut put = |off: usize, len: usize, s: &str| put_field(&mut out, off, len, s);
        let sex = self.sex.code().to_string();
        let from = self.valid_from.to_yyyymmdd();
        let to = match self.valid_to {
            ValidTo::Date(d) => d.to_yyyymmdd(),
            ValidTo::LongTerm => "长期".to_string(),
        };
        put(188, 16, &from);
        put(204, 16, &to);
        put(TYPE_OFFSET, 2, &self.kind().marker().to_string());
        match &self.details {
            CardDetails::Resident {
                nation,
                address,
                authority,
            } => {
                put(32, 4, &format!("{:02}", nation.code()));
                put(52, 70, address.expose());
                put(158, 30, authority);
            }
            CardDetails::HkMacaoTaiwan {
                address,
                authority,
                pass_number,
                issue_count,
            } => {
                put(52, 70, address.expose());
                put(158, 30, authority);
                put(220, 18, pass_number.expose());
                put(238, 4, &format!("{issue_count:02}"));
            }
            CardDetails::PermanentResident2017 {
                english_name,
                nationality,
                card_version,
                authority_code,
            } => {
                put(0, 120, english_name.expose());
                put(120, 2, &sex);
                put(122, 30, self.id_number.as_str());
                put(152, 6, nationality);
                put(158, 30, self.name.expose());
                put(220, 16, &self.birth.to_yyyymmdd());
                put(236, 4, card_version);
                put(240, 8, authority_code);
            }
            CardDetails::PermanentResident2023 {
                english_name,
                renewal_count,
                nationality,
                previous_number_link,
            } => {
                put(32, 4, &format!("{renewal_count:02}"));
                let units: Vec<u16> = english_name.expose().encode_utf16().collect();
                let (part1, part2) = units.split_at(units.len().min(35));
                put_units(&mut out, 52, 70, part1);
                put_units(&mut out, 220, 22, part2);
                put_field(&mut out, 242, 6, nationality);
                put_field(&mut out, 250, 6, previous_number_link.expose());
            }
        }
        if self.kind() != CardKind::PermanentResident2017 {
            put_field(&mut out, 0, 30, self.name.expose());
            put_field(&mut out, 30, 2, &sex);
            put_field(&mut out, 36, 16, &self.birth.to_yyyymmdd());
            put_field(&mut out, 122, 36, self.id_number.as_str());
        }
        out
    }
}

impl fmt::Debug for CardRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardRecord")
            .field("kind", &self.kind())
            .field("name", &self.masked_name())
            .field("id_number", &self.masked_id())
            .field("valid_to", &self.valid_to)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for CardRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}, valid to {}",
            self.kind().name_zh(),
            self.masked_name(),
            self.masked_id(),
            self.valid_to
        )
    }
}

/// Compound (two-character) surnames kept whole when masking, e.g. 欧阳**.
const COMPOUND_SURNAMES: [&str; 40] = [
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "端木", "西门", "独孤", "南宫", "万俟", "闻人", "澹台", "公冶", "宗政",
    "濮阳", "淳于", "单于", "太叔", "申屠", "仲孙", "钟离", "亓官", "司空", "呼延", "赫连", "拓跋",
    "百里", "东郭", "第五", "左丘",
];

/// Keep the surname (first character, or a known compound surname when more follows), star the rest.
pub fn mask_name(name: &str) -> String {
    let n = name.chars().count();
    let keep = if n > 2 && COMPOUND_SURNAMES.iter().any(|s| name.starts_with(s)) {
        2
    } else {
        1
    };
    name.chars()
        .enumerate()
        .map(|(i, c)| if i < keep { c } else { '*' })
        .collect()
}

/// Read access to the text block.
struct Text<'a>(&'a [u8; TEXT_LEN]);

impl Text<'_> {
    /// Field at `off`, `len` bytes, decoded without trimming. Bad UTF-16 becomes U+FFFD, never an error.
    fn raw(&self, off: usize, len: usize) -> String {
        let units = self.0[off..off + len]
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]));
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    }

    /// Field with trailing padding (spaces, or NULs from some readers) trimmed.
    fn field(&self, off: usize, len: usize) -> String {
        let mut s = self.raw(off, len);
        s.truncate(s.trim_end_matches([' ', '\0']).len());
        s
    }
}

fn put_field(out: &mut [u8; TEXT_LEN], off: usize, len: usize, s: &str) {
    let units: Vec<u16> = s.encode_utf16().collect();
    put_units(out, off, len, &units);
}

/// Write UTF-16 units little-endian, cut to the field; never leave half a surrogate pair at the cut.
fn put_units(out: &mut [u8; TEXT_LEN], off: usize, len: usize, units: &[u16]) {
    let mut n = units.len().min(len / 2);
    if n > 0 && n < units.len() && (0xD800..0xDC00).contains(&units[n - 1]) {
        n -= 1;
    }
    for (i, u) in units[..n].iter().enumerate() {
        out[off + 2 * i..off + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idcard::sim::SimCard;

    fn d(y: u16, m: u8, day: u8) -> Date {
        Date::new(y, m, day).unwrap()
    }

    fn all_samples() -> Vec<SimCard> {
        vec![
            SimCard::resident(),
            SimCard::resident_long_term(),
            SimCard::elderly(),
            SimCard::hk_macao_taiwan(),
            SimCard::pr_2017(),
            SimCard::pr_2023(),
        ]
    }

    /// A resident text block written by hand at the spec's offsets, independent of `encode`.
    fn handmade_resident(valid_to: &str, id: &str) -> [u8; TEXT_LEN] {
        let mut b = [0u8; TEXT_LEN];
        for p in b.chunks_exact_mut(2) {
            p.copy_from_slice(&[0x20, 0]);
        }
        let mut put = |off: usize, s: &str| {
            for (i, u) in s.encode_utf16().enumerate() {
                b[off + 2 * i..off + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
            }
        };
        put(0, "张三");
        put(30, "1");
        put(32, "46");
        put(36, "19491231");
        put(52, "示例省示例市测试路1号");
        put(122, id);
        put(158, "示例市公安局");
        put(188, "20100101");
        put(204, valid_to);
        b
    }

    #[test]
    fn decodes_a_handmade_resident_block_at_the_spec_offsets() {
        let block = handmade_resident("20300101", "11010519491231002X");
        assert_eq!(&block[..4], &[0x20, 0x5F, 0x09, 0x4E]); // 张 U+5F20, 三 U+4E09, little-endian
        let r = CardRecord::decode(&block).unwrap();
        assert_eq!(r.kind(), CardKind::Resident);
        assert_eq!(r.name(), "张三");
        assert_eq!(r.sex, Sex::Male);
        assert_eq!(r.nation().unwrap().name(), "德昂");
        assert_eq!(r.birth_date(), d(1949, 12, 31));
        assert_eq!(r.address(), Some("示例省示例市测试路1号"));
        assert_eq!(r.id_number(), "11010519491231002X");
        assert_eq!(r.issuing_authority(), Some("示例市公安局"));
        assert_eq!(r.valid_from, d(2010, 1, 1));
        assert_eq!(r.valid_to, ValidTo::Date(d(2030, 1, 1)));
        assert_eq!(r.encode(), block, "encode writes the same bytes");
    }

    #[test]
    fn long_term_validity_is_not_a_date_error() {
        let r = CardRecord::decode(&handmade_resident("长期", "11010519491231002X")).unwrap();
        assert_eq!(r.valid_to, ValidTo::LongTerm);
        assert!(!r.is_expired_on(d(2999, 1, 1)));
        assert_eq!(r.valid_to.to_string(), "长期");
    }

    #[test]
    fn wrong_check_character_is_a_typed_error() {
        let err =
            CardRecord::decode(&handmade_resident("20300101", "110105194912310021")).unwrap_err();
        assert_eq!(err, RecordError::IdNumber(IdNumberError::CheckCharacter));
        assert!(
            !err.to_string().contains("1101"),
            "no digits in the message: {err}"
        );
    }

    #[test]
    fn bad_fields_are_typed_errors() {
        let mut b = handmade_resident("20300101", "11010519491231002X");
        b[30] = b'3';
        assert_eq!(CardRecord::decode(&b), Err(RecordError::BadCode("sex")));
        let mut b = handmade_resident("20300231", "11010519491231002X");
        assert_eq!(
            CardRecord::decode(&b),
            Err(RecordError::BadDate("valid to"))
        );
        b[248] = b'Z';
        assert_eq!(
            CardRecord::decode(&b),
            Err(RecordError::UnknownCardType(0x5A))
        );
        assert_eq!(
            CardRecord::decode_slice(&[0x20; 255]),
            Err(RecordError::TextLength(255))
        );
    }

    #[test]
    fn every_sample_card_type_round_trips() {
        let kinds: Vec<CardKind> = all_samples().iter().map(|c| c.record.kind()).collect();
        for kind in [
            CardKind::Resident,
            CardKind::HkMacaoTaiwan,
            CardKind::PermanentResident2017,
            CardKind::PermanentResident2023,
        ] {
            assert!(kinds.contains(&kind), "{kind:?} has a sample");
        }
        for card in all_samples() {
            let block = card.record.encode();
            assert_eq!(
                u16::from_le_bytes([block[248], block[249]]),
                card.record.kind().marker() as u16
            );
            assert_eq!(
                CardRecord::decode(&block).as_ref(),
                Ok(&card.record),
                "{:?}",
                card.record.kind()
            );
        }
    }

    #[test]
    fn pr_cards_put_fields_at_their_own_offsets() {
        let r = SimCard::pr_2017().record;
        let b = r.encode();
        let at = |off: usize, len: usize| Text(&b).field(off, len);
        assert_eq!(at(0, 120), "SMITH, JOHN TEST");
        assert_eq!(at(120, 2), "1");
        assert_eq!(at(122, 30), "USA110800901012");
        assert_eq!(at(152, 6), "USA");
        assert_eq!(at(158, 30), "史密斯");
        assert_eq!(at(220, 16), "19800901");
        assert_eq!(at(248, 2), "I");

        let r = SimCard::pr_2023().record;
        let b = r.encode();
        let at = |off: usize, len: usize| Text(&b).field(off, len);
        assert_eq!(at(52, 70), "ANDERSON-WILLIAMSON, ANNA ELIZABETH");
        assert_eq!(at(220, 22), " TEST");
        assert_eq!(&at(122, 36)[..1], "9");
        assert_eq!(at(242, 6), "USA");
        assert_eq!(at(248, 2), "Y");
        assert_eq!(
            r.english_name(),
            Some("ANDERSON-WILLIAMSON, ANNA ELIZABETH TEST")
        );

        let r = SimCard::hk_macao_taiwan().record;
        let b = r.encode();
        let at = |off: usize, len: usize| Text(&b).field(off, len);
        assert_eq!(at(32, 4), "", "no nation on J cards");
        assert_eq!(at(220, 18), "H12345678");
        assert_eq!(at(238, 4), "01");
        assert_eq!(at(248, 2), "J");
    }

    #[test]
    fn debug_and_display_never_show_clear_values() {
        for card in all_samples() {
            let r = &card.record;
            let shown = format!("{r:?} {r} {:?} {:?}", r.details, r.id_number);
            for secret in [
                r.name(),
                r.id_number(),
                &r.birth.to_yyyymmdd(),
                &r.birth.to_string(),
            ] {
                assert!(!shown.contains(secret), "{secret:?} leaked in {shown}");
            }
            if let Some(address) = r.address() {
                assert!(!shown.contains(address));
            }
            if let Some(english) = r.english_name() {
                assert!(!shown.contains(english));
            }
            assert!(shown.contains(&r.masked_id()));
        }
        let r = SimCard::resident().record;
        assert_eq!(r.masked_name(), "张*");
        assert!(r.masked_id().starts_with("4201") && r.masked_id().contains("**********"));
        assert_eq!(
            format!("{:?}", Blob::new(vec![1; 1024])),
            "Blob(1024 bytes)"
        );
    }

    #[test]
    fn names_mask_to_the_surname() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧阳**");
        assert_eq!(mask_name("欧阳"), "欧*");
        assert_eq!(mask_name("王小明"), "王**");
        assert_eq!(mask_name("张"), "张");
        assert_eq!(mask_name(""), "");
        assert_eq!(SimCard::elderly().record.masked_name(), "欧阳**");
    }

    #[test]
    fn age_and_expiry() {
        let elderly = SimCard::elderly().record;
        assert_eq!(elderly.age_on(d(2012, 9, 8)), 59);
        assert_eq!(elderly.age_on(d(2012, 9, 9)), 60);
        let r = SimCard::resident().record;
        assert!(
            !r.is_expired_on(d(2035, 6, 1)),
            "valid through its last day"
        );
        assert!(r.is_expired_on(d(2035, 6, 2)));
    }

    #[test]
    fn trailing_nul_padding_is_trimmed_and_bad_utf16_is_replaced() {
        let mut b = SimCard::resident().record.encode();
        b[4..30].fill(0); // NUL padding after 张三
        assert_eq!(CardRecord::decode(&b).unwrap().name(), "张三");
        b[2..4].copy_from_slice(&0xD800u16.to_le_bytes()); // a lone surrogate
        assert_eq!(CardRecord::decode(&b).unwrap().name(), "张\u{FFFD}");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn arbitrary_text_blocks_never_panic_and_decoded_ones_round_trip(
                bytes in proptest::collection::vec(any::<u8>(), TEXT_LEN),
                marker in prop_oneof![Just(0x20u8), Just(b'I'), Just(b'Y'), Just(b'J')],
            ) {
                let mut block: [u8; TEXT_LEN] = bytes.try_into().unwrap();
                block[248] = marker;
                block[249] = 0;
                if let Ok(r) = CardRecord::decode(&block) {
                    prop_assert_eq!(CardRecord::decode(&r.encode()), Ok(r));
                }
            }

            #[test]
            fn generated_resident_records_round_trip(
                name in "[\u{4E00}-\u{9FA5}]{1,15}",
                address in "[\u{4E00}-\u{9FA5}0-9]{0,35}",
                year in 1900u16..2100, month in 1u8..=12, day in 1u8..=28,
                nation in 1u8..=56, seq in 0u32..1000, long_term in any::<bool>(),
            ) {
                let birth = Date::new(year, month, day).unwrap();
                let first17 = format!("420111{}{seq:03}", birth.to_yyyymmdd());
                let check = crate::idcard::idnumber::check_character(&first17).unwrap();
                let r = CardRecord {
                    name: Personal::new(name),
                    sex: Sex::Female,
                    birth,
                    id_number: IdNumber::parse(&format!("{first17}{check}")).unwrap(),
                    valid_from: birth,
                    valid_to: if long_term { ValidTo::LongTerm } else { ValidTo::Date(birth) },
                    details: CardDetails::Resident {
                        nation: Nation::from_code(nation).unwrap(),
                        address: Personal::new(address),
                        authority: "示例市公安局".into(),
                    },
                };
                prop_assert_eq!(CardRecord::decode(&r.encode()), Ok(r));
            }
        }
    }
}
