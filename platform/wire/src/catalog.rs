//! The service catalog (事项清单): each service (事项) with the fields of the national implementation list
//! (实施清单), its guide (办事指南 / 一次性告知书), its appointment hours and its kiosk application form.
//!
//! A service's stable key is its short [`Service::id`] (`ECO-01`): events, appointments, slots and printed notices
//! refer to a service by it. [`Service::code`] is the national implementation code (实施编码), kept for the record and
//! for exchange with the provincial platform; it can be re-issued when a department is reorganised, the id cannot.

mod file;
mod form;
mod hours;
mod validate;

pub use file::{parse_catalog_file, CatalogFile};
pub use form::{is_han, Choice, FieldType, FormField, MAX_VALUE_CHARS};
pub use hours::{slots_in, ClockTime, SlotTime, TimeRange, Weekday, WeeklyHours};
pub use validate::{CatalogProblem, ServiceRef};

use serde::{Deserialize, Serialize};

/// 事项类型: the kind of power or service, as the national list classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    /// 行政许可
    AdministrativeLicense,
    /// 行政确认
    AdministrativeConfirmation,
    /// 行政给付
    AdministrativePayment,
    /// 行政裁决
    AdministrativeRuling,
    /// 行政奖励
    AdministrativeReward,
    /// 公共服务
    PublicService,
    /// 其他行政权力
    OtherAdministrativePower,
}

impl ItemType {
    pub const ALL: [ItemType; 7] = [
        ItemType::AdministrativeLicense,
        ItemType::AdministrativeConfirmation,
        ItemType::AdministrativePayment,
        ItemType::AdministrativeRuling,
        ItemType::AdministrativeReward,
        ItemType::PublicService,
        ItemType::OtherAdministrativePower,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            ItemType::AdministrativeLicense => "行政许可",
            ItemType::AdministrativeConfirmation => "行政确认",
            ItemType::AdministrativePayment => "行政给付",
            ItemType::AdministrativeRuling => "行政裁决",
            ItemType::AdministrativeReward => "行政奖励",
            ItemType::PublicService => "公共服务",
            ItemType::OtherAdministrativePower => "其他行政权力",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ItemType::AdministrativeLicense => "Administrative licence",
            ItemType::AdministrativeConfirmation => "Administrative confirmation",
            ItemType::AdministrativePayment => "Administrative payment",
            ItemType::AdministrativeRuling => "Administrative ruling",
            ItemType::AdministrativeReward => "Administrative reward",
            ItemType::PublicService => "Public service",
            ItemType::OtherAdministrativePower => "Other administrative power",
        }
    }
}

/// 办件类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Handling {
    /// 即办件: decided on the spot (`promised_limit_days` is 0).
    Instant,
    /// 承诺件: decided within `promised_limit_days` working days.
    Promised,
}

impl Handling {
    pub fn label_zh(self) -> &'static str {
        match self {
            Handling::Instant => "即办件",
            Handling::Promised => "承诺件",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Handling::Instant => "Handled on the spot",
            Handling::Promised => "Handled within a promised time",
        }
    }
}

/// 材料形式.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MaterialForm {
    /// 纸质
    Paper,
    /// 电子
    Electronic,
    /// 纸质或电子
    PaperOrElectronic,
}

impl MaterialForm {
    pub fn label_zh(self) -> &'static str {
        match self {
            MaterialForm::Paper => "纸质",
            MaterialForm::Electronic => "电子",
            MaterialForm::PaperOrElectronic => "纸质或电子",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            MaterialForm::Paper => "Paper",
            MaterialForm::Electronic => "Electronic",
            MaterialForm::PaperOrElectronic => "Paper or electronic",
        }
    }
}

/// 来源渠道: who produces the material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MaterialSource {
    /// 申请人自备
    Applicant,
    /// 政府部门核发
    Government,
    /// 中介机构
    Intermediary,
    /// 其他
    Other,
}

impl MaterialSource {
    pub fn label_zh(self) -> &'static str {
        match self {
            MaterialSource::Applicant => "申请人自备",
            MaterialSource::Government => "政府部门核发",
            MaterialSource::Intermediary => "中介机构",
            MaterialSource::Other => "其他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            MaterialSource::Applicant => "Prepared by the applicant",
            MaterialSource::Government => "Issued by a government department",
            MaterialSource::Intermediary => "Issued by an intermediary",
            MaterialSource::Other => "Other",
        }
    }
}

/// A downloadable document: 空白表格 (blank form) or 示例样表 (filled-in sample).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FormDocument {
    pub name: String,
    /// `https://…` (or `http://…` on the government intranet).
    pub url: String,
}

/// One required material (申请材料).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Material {
    /// Unique within the service: `ApplicationSubmitted::materials_provided` lists materials by this name.
    pub name: String,
    pub name_en: String,
    /// 原件 to show (checked and handed back, or kept when the note says so).
    pub originals: u32,
    /// 复印件 to hand in.
    pub copies: u32,
    pub form: MaterialForm,
    /// 核心材料 (必要): never deferrable; an application without it is not accepted.
    pub core: bool,
    /// 容缺: the application may be accepted without it, to be supplied within `defer_days` (先办后补).
    #[serde(default)]
    pub deferrable: bool,
    /// Working days after acceptance to supply a deferred material; only for deferrable materials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defer_days: Option<u32>,
    pub source: MaterialSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blank_form: Option<FormDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_form: Option<FormDocument>,
    /// 填报须知 / 备注, e.g. "全体股东签署".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// 收费.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Fee {
    /// 是否收费.
    pub charged: bool,
    /// 收费标准, e.g. "每本80元"; "不收费" when not charged.
    pub standard: String,
    /// 收费依据: the pricing document; empty when not charged.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub basis: String,
}

/// 常见问题.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Faq {
    pub question: String,
    pub answer: String,
}

/// One service (事项) of the catalog. Long free text (legal basis, conditions, steps, FAQ, notes) is Chinese only;
/// names of the service, department, materials, form labels and choices have English too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Short stable key, `ECO-01`: the key every other wire type uses for a service.
    pub id: String,
    /// 实施编码: the national implementation code, e.g. `11420113MB1928361X4000117001000`.
    pub code: String,
    /// 事项名称.
    pub name_zh: String,
    pub name_en: String,
    /// 事项类型.
    pub item_type: ItemType,
    /// One of [`crate::WINDOW_CATEGORIES`]: the window that handles it and the queue it gives a ticket for.
    pub category: String,
    /// 办件类型.
    pub handling: Handling,
    /// 实施机构.
    pub department: String,
    pub department_en: String,
    /// 设定依据: laws and regulations, one per item, each naming its article where it can.
    pub legal_basis: Vec<String>,
    /// 受理条件.
    pub conditions: Vec<String>,
    /// 办理流程.
    pub steps: Vec<String>,
    /// 法定办结时限, working days (0 = on the spot).
    pub legal_limit_days: u32,
    /// 承诺办结时限, working days (0 = on the spot); never above the legal limit.
    pub promised_limit_days: u32,
    /// 申请材料.
    pub materials: Vec<Material>,
    /// 收费.
    pub fee: Fee,
    /// 办理地点.
    pub location: String,
    /// 办理时间, as the guide prints it.
    pub hours_text: String,
    /// 咨询电话.
    pub phone: String,
    /// 监督电话 (usually 12345).
    pub supervision_phone: String,
    /// 到办事现场次数: 0 = 全程网办, 1 = 最多跑一次.
    pub visits: u32,
    /// 是否网办.
    pub online: bool,
    /// 网办地址; set exactly when `online`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_url: Option<String>,
    /// 是否支持物流快递: the result can be sent by free post (免费邮寄).
    pub postable: bool,
    /// 是否可预约; the next three fields are set exactly when it is.
    pub bookable: bool,
    #[serde(default, skip_serializing_if = "WeeklyHours::is_empty")]
    pub opening_hours: WeeklyHours,
    /// Length of one appointment slot in minutes; each range of `opening_hours` is a whole number of slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_minutes: Option<u32>,
    /// Appointments per slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_capacity: Option<u32>,
    /// 常见问题.
    #[serde(default)]
    pub faq: Vec<Faq>,
    /// Words for the guide's search chips (社保, 营业执照), besides the name itself.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Can be applied for at the kiosk (申办); `form` then lists the fields asked.
    pub kiosk_submittable: bool,
    /// Fields beyond what the ID card pre-fills (减证便民).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub form: Vec<FormField>,
}

impl Service {
    /// 即办件.
    pub fn is_instant(&self) -> bool {
        self.handling == Handling::Instant
    }

    /// 容缺受理: at least one material may be supplied after acceptance.
    pub fn accepts_deferral(&self) -> bool {
        self.materials.iter().any(|m| m.deferrable)
    }

    pub fn material(&self, name: &str) -> Option<&Material> {
        self.materials.iter().find(|m| m.name == name)
    }

    pub fn form_field(&self, key: &str) -> Option<&FormField> {
        self.form.iter().find(|f| f.key == key)
    }

    /// The appointment slots on `day`, with the capacity of each; none when the service is not bookable or closed
    /// that day.
    pub fn slots_on(&self, day: Weekday) -> (Vec<SlotTime>, u32) {
        match (self.bookable, self.slot_minutes, self.slot_capacity) {
            (true, Some(minutes), Some(capacity)) => {
                (slots_in(self.opening_hours.on(day), minutes), capacity)
            }
            _ => (Vec::new(), 0),
        }
    }
}

/// `GET /v1/catalog?since=V`: `services` is empty and `changed` false when the kiosk already has version `V`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Catalog {
    pub version: u64,
    pub changed: bool,
    pub services: Vec<Service>,
}

impl Catalog {
    /// Checks a service list against the catalog's rules (no I/O). Every problem found is returned, each naming the
    /// service and the field.
    pub fn validate(services: &[Service]) -> Result<(), Vec<CatalogProblem>> {
        validate::validate(services)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_types_travel_in_stable_ascii_and_have_both_labels() {
        let wire: Vec<String> = ItemType::ALL
            .iter()
            .map(|t| {
                serde_json::to_value(t)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(
            wire,
            [
                "administrative_license",
                "administrative_confirmation",
                "administrative_payment",
                "administrative_ruling",
                "administrative_reward",
                "public_service",
                "other_administrative_power"
            ]
        );
        assert_eq!(ItemType::AdministrativeLicense.label_zh(), "行政许可");
        assert_eq!(
            ItemType::OtherAdministrativePower.label_zh(),
            "其他行政权力"
        );
        assert!(ItemType::ALL
            .iter()
            .all(|t| !t.label_en().is_empty() && t.label_en().is_ascii()));
        assert_eq!(
            serde_json::to_value(MaterialForm::PaperOrElectronic).unwrap(),
            "paper_or_electronic"
        );
        assert_eq!(MaterialSource::Government.label_zh(), "政府部门核发");
        assert_eq!(Handling::Instant.label_zh(), "即办件");
    }

    fn week(ranges: &[(&str, &str)]) -> WeeklyHours {
        let ranges: Vec<TimeRange> = ranges
            .iter()
            .map(|(a, b)| TimeRange {
                start: ClockTime::parse(a).unwrap(),
                end: ClockTime::parse(b).unwrap(),
            })
            .collect();
        WeeklyHours::weekdays(&ranges)
    }

    #[test]
    fn a_service_offers_slots_only_when_bookable_and_open_that_day() {
        let service: Service = serde_json::from_value(serde_json::json!({
            "id": "SOC-01", "code": "11420113MB1928361X4000117001000",
            "name_zh": "城乡居民基本医疗保险参保登记", "name_en": "Residents' medical insurance enrolment",
            "item_type": "public_service", "category": "social", "handling": "instant",
            "department": "汉南区医疗保障局", "department_en": "Hannan District Healthcare Security Bureau",
            "legal_basis": ["《中华人民共和国社会保险法》"], "conditions": ["本区居民"], "steps": ["办结"],
            "legal_limit_days": 15, "promised_limit_days": 0, "materials": [],
            "fee": {"charged": false, "standard": "不收费"}, "location": "一楼B区", "hours_text": "工作日",
            "phone": "027-84890216", "supervision_phone": "12345", "visits": 1, "online": false,
            "postable": false, "bookable": true, "opening_hours": week(&[("09:00", "10:00")]),
            "slot_minutes": 20, "slot_capacity": 5, "kiosk_submittable": false
        }))
        .unwrap();
        let (slots, capacity) = service.slots_on(Weekday::Thu);
        let ids: Vec<&str> = slots.iter().map(|s| s.slot_id.as_str()).collect();
        assert_eq!((ids, capacity), (vec!["0900", "0920", "0940"], 5));
        assert!(service.slots_on(Weekday::Sat).0.is_empty());
        let closed = Service {
            bookable: false,
            ..service
        };
        assert_eq!(closed.slots_on(Weekday::Thu), (Vec::new(), 0));
    }
}
