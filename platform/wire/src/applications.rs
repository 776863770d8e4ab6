//! 申办 beyond the submission event: the applicant as the ID card gives it (personal data, kept encrypted at rest on
//! both sides), the 容缺 commitments, the statuses an application goes through, and the replies of
//! `GET /v1/applications`.

use serde::{Deserialize, Serialize};

/// Which of the four ID cards the applicant presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CardType {
    /// 居民身份证.
    Resident,
    /// 港澳台居民居住证.
    HkMacaoTaiwan,
    /// 外国人永久居留身份证 (2017).
    PermanentResident2017,
    /// 外国人永久居留身份证 (2023).
    PermanentResident2023,
}

impl CardType {
    pub fn label_zh(self) -> &'static str {
        match self {
            CardType::Resident => "居民身份证",
            CardType::HkMacaoTaiwan => "港澳台居民居住证",
            CardType::PermanentResident2017 | CardType::PermanentResident2023 => {
                "外国人永久居留身份证"
            }
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CardType::Resident => "Resident ID card",
            CardType::HkMacaoTaiwan => "Hong Kong/Macao/Taiwan residence permit",
            CardType::PermanentResident2017 | CardType::PermanentResident2023 => {
                "Foreign permanent resident ID card"
            }
        }
    }
}

/// Sex as the card records it (GB/T 2261.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    Unknown,
    NotStated,
}

/// The applicant, read from the ID card at the kiosk (减证便民: confirmed by the citizen, never typed). Personal
/// data: the kiosk keeps it encrypted until the platform has acknowledged it, the platform keeps the ID number only
/// as `citizen_ref` plus an encrypted copy. `Debug` shows masked values only.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    /// The name on the card (the Chinese name; a PR card without one gives its English name).
    pub name: String,
    /// PR cards: the English name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub english_name: Option<String>,
    /// 身份证号 / 居住证号 / 永久居留证号.
    pub id_number: String,
    pub sex: Sex,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// Resident ID and HK/Macao/Taiwan permit only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub card_type: CardType,
    /// PR cards: nationality, GB/T 2659 alpha-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
}

impl Applicant {
    /// The number with its first 4 and last 4 characters only (`4201**********1234`), the length kept.
    pub fn masked_id(&self) -> String {
        mask_middle(&self.id_number, 4, 4)
    }

    /// The first character of the name and a star for each other one (`张*`).
    pub fn masked_name(&self) -> String {
        mask_middle(&self.name, 1, 0)
    }
}

/// `text` with all but its first `keep_start` and last `keep_end` characters replaced by `*`.
pub fn mask_middle(text: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < keep_start || i + keep_end >= n {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

impl std::fmt::Debug for Applicant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Applicant")
            .field("name", &self.masked_name())
            .field("id_number", &self.masked_id())
            .field("card_type", &self.card_type)
            .finish_non_exhaustive()
    }
}

// The clear values are overwritten when dropped, as the kiosk's card record is.
impl Drop for Applicant {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.name.zeroize();
        self.english_name.zeroize();
        self.id_number.zeroize();
        self.birth_date.zeroize();
        self.address.zeroize();
    }
}

/// A non-core material accepted as owed (容缺受理, 先办后补): the citizen signs a commitment (承诺书) to bring it by
/// `due`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeferredMaterial {
    /// A `Material::name` of the service; the material must be `deferrable`.
    pub name: String,
    /// `YYYY-MM-DD`: `defer_days` working days after the submission.
    pub due: String,
}

/// Where an application stands, as the department reports it (the kiosk shows the platform's last word).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// 已受理: submitted and on the platform.
    Received,
    /// 审核中.
    InReview,
    /// 需补正材料: the department asks for materials.
    MaterialsRequested,
    /// 已办结（准予）.
    Approved,
    /// 不予许可 / 不予受理.
    Rejected,
    /// 待领取: the result waits at a window or in a locker.
    ReadyForPickup,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 6] = [
        ApplicationStatus::Received,
        ApplicationStatus::InReview,
        ApplicationStatus::MaterialsRequested,
        ApplicationStatus::Approved,
        ApplicationStatus::Rejected,
        ApplicationStatus::ReadyForPickup,
    ];

    /// The wire name (`in_review`).
    pub fn code(self) -> &'static str {
        match self {
            ApplicationStatus::Received => "received",
            ApplicationStatus::InReview => "in_review",
            ApplicationStatus::MaterialsRequested => "materials_requested",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Rejected => "rejected",
            ApplicationStatus::ReadyForPickup => "ready_for_pickup",
        }
    }

    pub fn parse(code: &str) -> Option<ApplicationStatus> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ApplicationStatus::Received => "已受理",
            ApplicationStatus::InReview => "审核中",
            ApplicationStatus::MaterialsRequested => "需补正材料",
            ApplicationStatus::Approved => "已办结",
            ApplicationStatus::Rejected => "不予办理",
            ApplicationStatus::ReadyForPickup => "待领取",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ApplicationStatus::Received => "Received",
            ApplicationStatus::InReview => "In review",
            ApplicationStatus::MaterialsRequested => "Materials requested",
            ApplicationStatus::Approved => "Approved",
            ApplicationStatus::Rejected => "Rejected",
            ApplicationStatus::ReadyForPickup => "Ready for pickup",
        }
    }
}

/// One step of an application's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: ApplicationStatus,
    /// RFC 3339.
    pub at: String,
    /// What the department says with it (e.g. which material to correct); never personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An application as `GET /v1/applications` shows it to a kiosk: no personal data beyond what the citizen at the
/// kiosk already proved (their card, or the number on their receipt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationRecord {
    pub application_no: String,
    /// The service's [`crate::Service::id`].
    pub service: String,
    /// RFC 3339, as the kiosk recorded the submission.
    pub submitted_at: String,
    /// The latest status (the last of `history`).
    pub status: ApplicationStatus,
    /// Oldest first; starts with `received`.
    pub history: Vec<StatusChange>,
    /// Materials still owed: the 容缺 commitments with their due dates.
    #[serde(default)]
    pub materials_owed: Vec<DeferredMaterial>,
}

/// `GET /v1/applications?citizen_ref=…` and `GET /v1/applications?number=…`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationList {
    pub applications: Vec<ApplicationRecord>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applicant() -> Applicant {
        Applicant {
            name: "张三丰".into(),
            english_name: None,
            id_number: "420111199003071234".into(),
            sex: Sex::Male,
            birth_date: "1990-03-07".into(),
            address: Some("示例省示例市测试区样例路1号".into()),
            card_type: CardType::Resident,
            nationality: None,
        }
    }

    #[test]
    fn debug_shows_the_applicant_masked_only() {
        let shown = format!("{:?}", applicant());
        assert!(
            shown.contains("张**") && shown.contains("4201**********1234"),
            "{shown}"
        );
        for clear in ["张三丰", "420111199003071234", "样例路", "1990-03-07"] {
            assert!(!shown.contains(clear), "{shown}");
        }
    }

    #[test]
    fn the_applicant_travels_in_snake_case_and_refuses_unknown_fields() {
        let json = serde_json::to_value(applicant()).unwrap();
        assert_eq!(json["card_type"], "resident");
        assert_eq!(json["sex"], "male");
        assert!(json.get("english_name").is_none());
        let mut extra = json.clone();
        extra["photo"] = serde_json::json!("...");
        assert!(serde_json::from_value::<Applicant>(extra).is_err());
        assert_eq!(
            serde_json::from_value::<Applicant>(json).unwrap(),
            applicant()
        );
    }

    #[test]
    fn statuses_have_stable_codes_and_both_labels() {
        for s in ApplicationStatus::ALL {
            assert_eq!(ApplicationStatus::parse(s.code()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
            assert!(!s.label_zh().is_empty() && s.label_en().is_ascii());
        }
        assert_eq!(ApplicationStatus::parse("done"), None);
    }

    #[test]
    fn masking_keeps_the_length() {
        assert_eq!(
            mask_middle("420111199003071234", 4, 4),
            "4201**********1234"
        );
        assert_eq!(mask_middle("欧阳秀英", 1, 0), "欧***");
        assert_eq!(mask_middle("", 1, 0), "");
    }
}
