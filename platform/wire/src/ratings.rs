//! 好差评: the five rating levels, their codes, and the reasons a bad rating can give.
//!
//! The national 好差评 system rates every errand on five levels. Provincial systems number them in opposite orders
//! (some 5 = 非常满意, some 1 = 非常满意), so the wire never carries a bare number: the level travels by name, with
//! its code in one named numbering ([`LevelNumbering::FiveIsBest`], the national one) for the systems that want it,
//! and [`RatingLevel::code_in`] converts explicitly.

use serde::{Deserialize, Serialize};

/// 评价等级.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RatingLevel {
    /// 非常满意
    VerySatisfied,
    /// 满意
    Satisfied,
    /// 基本满意
    Basic,
    /// 不满意
    Dissatisfied,
    /// 非常不满意
    VeryDissatisfied,
}

/// How a rating system numbers the five levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LevelNumbering {
    /// 5 = 非常满意 … 1 = 非常不满意 (the national system's; the wire's `level_code`).
    FiveIsBest,
    /// 1 = 非常满意 … 5 = 非常不满意 (some provincial systems).
    OneIsBest,
}

impl RatingLevel {
    /// Best first.
    pub const ALL: [RatingLevel; 5] = [
        RatingLevel::VerySatisfied,
        RatingLevel::Satisfied,
        RatingLevel::Basic,
        RatingLevel::Dissatisfied,
        RatingLevel::VeryDissatisfied,
    ];

    /// The level's code in `numbering`.
    pub fn code_in(self, numbering: LevelNumbering) -> u8 {
        let five_is_best = match self {
            RatingLevel::VerySatisfied => 5,
            RatingLevel::Satisfied => 4,
            RatingLevel::Basic => 3,
            RatingLevel::Dissatisfied => 2,
            RatingLevel::VeryDissatisfied => 1,
        };
        match numbering {
            LevelNumbering::FiveIsBest => five_is_best,
            LevelNumbering::OneIsBest => 6 - five_is_best,
        }
    }

    /// The level a code stands for in `numbering`.
    pub fn from_code(code: u8, numbering: LevelNumbering) -> Option<RatingLevel> {
        RatingLevel::ALL
            .into_iter()
            .find(|l| l.code_in(numbering) == code)
    }

    /// The wire's name ("very_satisfied").
    pub fn name(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "very_satisfied",
            RatingLevel::Satisfied => "satisfied",
            RatingLevel::Basic => "basic",
            RatingLevel::Dissatisfied => "dissatisfied",
            RatingLevel::VeryDissatisfied => "very_dissatisfied",
        }
    }

    pub fn from_name(name: &str) -> Option<RatingLevel> {
        RatingLevel::ALL.into_iter().find(|l| l.name() == name)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "非常满意",
            RatingLevel::Satisfied => "满意",
            RatingLevel::Basic => "基本满意",
            RatingLevel::Dissatisfied => "不满意",
            RatingLevel::VeryDissatisfied => "非常不满意",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "Very satisfied",
            RatingLevel::Satisfied => "Satisfied",
            RatingLevel::Basic => "Fairly satisfied",
            RatingLevel::Dissatisfied => "Dissatisfied",
            RatingLevel::VeryDissatisfied => "Very dissatisfied",
        }
    }

    /// 不满意 and 非常不满意: a bad rating (差评), which asks why and is followed up (回访).
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            RatingLevel::Dissatisfied | RatingLevel::VeryDissatisfied
        )
    }
}

/// The reasons a bad rating offers: (code, Chinese, English).
pub const BAD_RATING_REASONS: [(&str, &str, &str); 6] = [
    ("long_wait", "等候时间长", "Long wait"),
    ("complicated", "操作复杂", "Hard to use"),
    ("device_fault", "设备故障", "Device fault"),
    (
        "unclear_materials",
        "材料要求不清楚",
        "Unclear about the materials",
    ),
    ("attitude", "服务态度", "Staff attitude"),
    ("other", "其他", "Other"),
];

/// Whether `code` is one of [`BAD_RATING_REASONS`].
pub fn is_rating_reason(code: &str) -> bool {
    BAD_RATING_REASONS.iter().any(|(c, ..)| *c == code)
}

/// 评价渠道 of a rating made at a kiosk: 自助终端 (self-service terminal).
pub const CHANNEL_SELF_SERVICE_TERMINAL: &str = "self_service_terminal";

/// The longest free text a rating carries (characters).
pub const RATING_TEXT_MAX: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_numberings_are_mirror_images_and_round_trip() {
        for l in RatingLevel::ALL {
            let a = l.code_in(LevelNumbering::FiveIsBest);
            let b = l.code_in(LevelNumbering::OneIsBest);
            assert_eq!(a + b, 6);
            assert_eq!(
                RatingLevel::from_code(a, LevelNumbering::FiveIsBest),
                Some(l)
            );
            assert_eq!(
                RatingLevel::from_code(b, LevelNumbering::OneIsBest),
                Some(l)
            );
            assert_eq!(RatingLevel::from_name(l.name()), Some(l));
        }
        assert_eq!(
            RatingLevel::VerySatisfied.code_in(LevelNumbering::FiveIsBest),
            5
        );
        assert_eq!(
            RatingLevel::VerySatisfied.code_in(LevelNumbering::OneIsBest),
            1
        );
        assert_eq!(RatingLevel::from_code(0, LevelNumbering::FiveIsBest), None);
        assert!(RatingLevel::Dissatisfied.is_bad() && !RatingLevel::Basic.is_bad());
    }
}
