//! SW3 status codes of the SAM protocol, with plain meanings for technicians.

use std::fmt;

/// The reader's SW3 status byte, typed. Codes the spec does not list are kept as [`ReaderStatus::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReaderStatus {
    /// 90: success.
    Success,
    /// 91: the requested field has no content (e.g. no appended address).
    NoContent,
    /// 9F: a card was found.
    CardFound,
    /// 10: the reader received a frame with a bad checksum.
    ChecksumError,
    /// 11: the reader received a frame with a bad length.
    LengthError,
    /// 21: unknown or malformed command.
    CommandError,
    /// 23: operation not authorised.
    Unauthorized,
    /// 24: unrecognised error.
    UnrecognizedError,
    /// 31: the card failed to authenticate the SAM.
    CardAuthenticatesSamFailed,
    /// 32: the SAM failed to authenticate the card.
    SamAuthenticatesCardFailed,
    /// 33: information verification failed.
    VerificationFailed,
    /// 34: card not found yet (listed by some SDKs).
    CardNotFoundYet,
    /// 37: fingerprint verification error.
    FingerprintError,
    /// 3F: information length error.
    InfoLengthError,
    /// 40: unrecognised card type.
    UnknownCardType,
    /// 41: reading the card failed.
    ReadFailed,
    /// 47: random number generation failed.
    RandomFailed,
    /// 50: write failed (listed by some SDKs).
    WriteFailed,
    /// 60: SAM self-test failed.
    SamSelfTestFailed,
    /// 61: login failed (listed by some SDKs).
    LoginFailed,
    /// 66: SAM not authorised.
    SamNotAuthorized,
    /// 80: find failed: no card.
    NoCard,
    /// 81: select failed.
    SelectFailed,
    /// Any other code.
    Unknown(u8),
}

impl ReaderStatus {
    /// Every listed status (not `Unknown`), for tables and tests.
    pub const KNOWN: [ReaderStatus; 23] = [
        ReaderStatus::Success,
        ReaderStatus::NoContent,
        ReaderStatus::CardFound,
        ReaderStatus::ChecksumError,
        ReaderStatus::LengthError,
        ReaderStatus::CommandError,
        ReaderStatus::Unauthorized,
        ReaderStatus::UnrecognizedError,
        ReaderStatus::CardAuthenticatesSamFailed,
        ReaderStatus::SamAuthenticatesCardFailed,
        ReaderStatus::VerificationFailed,
        ReaderStatus::CardNotFoundYet,
        ReaderStatus::FingerprintError,
        ReaderStatus::InfoLengthError,
        ReaderStatus::UnknownCardType,
        ReaderStatus::ReadFailed,
        ReaderStatus::RandomFailed,
        ReaderStatus::WriteFailed,
        ReaderStatus::SamSelfTestFailed,
        ReaderStatus::LoginFailed,
        ReaderStatus::SamNotAuthorized,
        ReaderStatus::NoCard,
        ReaderStatus::SelectFailed,
    ];

    /// The status for an SW3 byte.
    pub fn from_code(code: u8) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|s| s.code() == code)
            .unwrap_or(ReaderStatus::Unknown(code))
    }

    /// The SW3 byte.
    pub const fn code(self) -> u8 {
        match self {
            ReaderStatus::Success => 0x90,
            ReaderStatus::NoContent => 0x91,
            ReaderStatus::CardFound => 0x9F,
            ReaderStatus::ChecksumError => 0x10,
            ReaderStatus::LengthError => 0x11,
            ReaderStatus::CommandError => 0x21,
            ReaderStatus::Unauthorized => 0x23,
            ReaderStatus::UnrecognizedError => 0x24,
            ReaderStatus::CardAuthenticatesSamFailed => 0x31,
            ReaderStatus::SamAuthenticatesCardFailed => 0x32,
            ReaderStatus::VerificationFailed => 0x33,
            ReaderStatus::CardNotFoundYet => 0x34,
            ReaderStatus::FingerprintError => 0x37,
            ReaderStatus::InfoLengthError => 0x3F,
            ReaderStatus::UnknownCardType => 0x40,
            ReaderStatus::ReadFailed => 0x41,
            ReaderStatus::RandomFailed => 0x47,
            ReaderStatus::WriteFailed => 0x50,
            ReaderStatus::SamSelfTestFailed => 0x60,
            ReaderStatus::LoginFailed => 0x61,
            ReaderStatus::SamNotAuthorized => 0x66,
            ReaderStatus::NoCard => 0x80,
            ReaderStatus::SelectFailed => 0x81,
            ReaderStatus::Unknown(code) => code,
        }
    }

    /// True for 90, 91 and 9F: the command was carried out.
    pub const fn is_ok(self) -> bool {
        matches!(
            self,
            ReaderStatus::Success | ReaderStatus::NoContent | ReaderStatus::CardFound
        )
    }

    /// Plain English meaning.
    pub const fn meaning(self) -> &'static str {
        match self {
            ReaderStatus::Success => "success",
            ReaderStatus::NoContent => "the field has no content",
            ReaderStatus::CardFound => "card found",
            ReaderStatus::ChecksumError => "the reader got a command with a bad checksum",
            ReaderStatus::LengthError => "the reader got a command with a bad length",
            ReaderStatus::CommandError => "the reader did not understand the command",
            ReaderStatus::Unauthorized => "operation not authorised",
            ReaderStatus::UnrecognizedError => "unrecognised error in the reader",
            ReaderStatus::CardAuthenticatesSamFailed => "the card failed to authenticate the SAM",
            ReaderStatus::SamAuthenticatesCardFailed => "the SAM failed to authenticate the card",
            ReaderStatus::VerificationFailed => "card information verification failed",
            ReaderStatus::CardNotFoundYet => "card not found yet",
            ReaderStatus::FingerprintError => "fingerprint verification error",
            ReaderStatus::InfoLengthError => "card information length error",
            ReaderStatus::UnknownCardType => "unrecognised card type",
            ReaderStatus::ReadFailed => "reading the card failed",
            ReaderStatus::RandomFailed => "random number generation failed",
            ReaderStatus::WriteFailed => "write failed",
            ReaderStatus::SamSelfTestFailed => "SAM self-test failed",
            ReaderStatus::LoginFailed => "login failed",
            ReaderStatus::SamNotAuthorized => "SAM not authorised",
            ReaderStatus::NoCard => "no card found",
            ReaderStatus::SelectFailed => "selecting the card failed",
            ReaderStatus::Unknown(_) => "status not in the protocol table",
        }
    }

    /// Short Chinese meaning for technicians.
    pub const fn meaning_zh(self) -> &'static str {
        match self {
            ReaderStatus::Success => "操作成功",
            ReaderStatus::NoContent => "无此项内容",
            ReaderStatus::CardFound => "寻找证/卡成功",
            ReaderStatus::ChecksumError => "校验和错",
            ReaderStatus::LengthError => "长度错",
            ReaderStatus::CommandError => "命令错误",
            ReaderStatus::Unauthorized => "越权操作",
            ReaderStatus::UnrecognizedError => "无法识别的错误",
            ReaderStatus::CardAuthenticatesSamFailed => "证/卡认证SAM失败",
            ReaderStatus::SamAuthenticatesCardFailed => "SAM认证证/卡失败",
            ReaderStatus::VerificationFailed => "信息验证错误",
            ReaderStatus::CardNotFoundYet => "未找到证/卡",
            ReaderStatus::FingerprintError => "指纹信息验证错误",
            ReaderStatus::InfoLengthError => "信息长度错误",
            ReaderStatus::UnknownCardType => "无法识别的卡类型",
            ReaderStatus::ReadFailed => "读证/卡操作失败",
            ReaderStatus::RandomFailed => "取随机数失败",
            ReaderStatus::WriteFailed => "写操作失败",
            ReaderStatus::SamSelfTestFailed => "SAM自检失败",
            ReaderStatus::LoginFailed => "登录失败",
            ReaderStatus::SamNotAuthorized => "SAM未经授权",
            ReaderStatus::NoCard => "寻找证/卡失败",
            ReaderStatus::SelectFailed => "选取证/卡失败",
            ReaderStatus::Unknown(_) => "未知状态",
        }
    }
}

impl From<u8> for ReaderStatus {
    fn from(code: u8) -> Self {
        Self::from_code(code)
    }
}

impl fmt::Display for ReaderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SW3 {:02X}: {} ({})",
            self.code(),
            self.meaning(),
            self.meaning_zh()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_code_maps_to_a_named_status_and_back() {
        let spec = [
            0x90, 0x91, 0x9F, 0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x37, 0x3F, 0x40,
            0x41, 0x47, 0x60, 0x66, 0x80, 0x81, 0x34, 0x50, 0x61,
        ];
        for code in spec {
            let s = ReaderStatus::from_code(code);
            assert!(!matches!(s, ReaderStatus::Unknown(_)), "{code:02X}");
            assert_eq!(s.code(), code);
        }
        assert_eq!(ReaderStatus::KNOWN.len(), spec.len());
        assert_eq!(ReaderStatus::from_code(0x80), ReaderStatus::NoCard);
        assert_eq!(ReaderStatus::from_code(0x41), ReaderStatus::ReadFailed);
    }

    #[test]
    fn unknown_codes_are_kept_for_every_unlisted_byte() {
        for code in 0..=255u8 {
            let s = ReaderStatus::from(code);
            assert_eq!(s.code(), code);
        }
        assert_eq!(ReaderStatus::from_code(0x42), ReaderStatus::Unknown(0x42));
        assert_eq!(
            ReaderStatus::Unknown(0x42).to_string(),
            "SW3 42: status not in the protocol table (未知状态)"
        );
    }

    #[test]
    fn display_gives_code_and_plain_meaning() {
        assert_eq!(
            ReaderStatus::SelectFailed.to_string(),
            "SW3 81: selecting the card failed (选取证/卡失败)"
        );
        assert!(ReaderStatus::CardFound.is_ok() && !ReaderStatus::NoCard.is_ok());
    }
}
