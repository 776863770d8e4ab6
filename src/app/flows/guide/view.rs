//! A service as the guide's pages show it: names in the citizen's language where the catalog has both, the long
//! texts in Chinese (the catalog's own language), codes for what the UI translates.

use slint::{ModelRc, VecModel};

use super::pick;
use crate::lang::Lang;
use crate::store::catalog::ServiceSummary;
use crate::ui::{FaqItem, GuideAdapter, MaterialItem, ServiceDetail, ServiceItem};

/// One row of a result list.
pub fn item(s: &ServiceSummary, lang: Lang) -> ServiceItem {
    let mut facts = Vec::new();
    if s.instant {
        facts.push(lang.pick("即办件", "On the spot"));
    }
    if s.online {
        facts.push(lang.pick("可网办", "Online too"));
    }
    if s.bookable {
        facts.push(lang.pick("可预约", "Bookable"));
    }
    ServiceItem {
        id: s.id.clone().into(),
        name: pick(lang, &s.name_zh, &s.name_en).into(),
        category: s.category.clone().into(),
        department: pick(lang, &s.department, &s.department_en).into(),
        facts: facts.join(" · ").into(),
    }
}

fn code<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Fill the detail page with `s`.
pub fn show(a: &GuideAdapter, s: &sanban_wire::Service, lang: Lang) {
    a.set_detail(ServiceDetail {
        id: s.id.clone().into(),
        code: s.code.clone().into(),
        name: pick(lang, &s.name_zh, &s.name_en).into(),
        category: s.category.clone().into(),
        department: pick(lang, &s.department, &s.department_en).into(),
        item_type: code(&s.item_type).into(),
        instant: s.is_instant(),
        legal_days: s.legal_limit_days as i32,
        promised_days: s.promised_limit_days as i32,
        visits: s.visits.min(2) as i32,
        fee_charged: s.fee.charged,
        fee: if s.fee.basis.is_empty() {
            s.fee.standard.clone()
        } else {
            format!("{}（{}）", s.fee.standard, s.fee.basis)
        }
        .into(),
        online: s.online,
        online_url: s.online_url.clone().unwrap_or_default().into(),
        bookable: s.bookable,
        postable: s.postable,
        location: s.location.clone().into(),
        hours: s.hours_text.clone().into(),
        phone: s.phone.clone().into(),
        supervision_phone: s.supervision_phone.clone().into(),
        conditions: s.conditions.join("\n").into(),
        legal_basis: s.legal_basis.join("\n").into(),
    });
    let materials: Vec<MaterialItem> = s
        .materials
        .iter()
        .map(|m| MaterialItem {
            name: pick(lang, &m.name, &m.name_en).into(),
            originals: m.originals as i32,
            copies: m.copies as i32,
            form: code(&m.form).into(),
            core: m.core,
            deferrable: m.deferrable,
            defer_days: m.defer_days.unwrap_or(0) as i32,
            note: m.note.clone().into(),
        })
        .collect();
    a.set_materials(ModelRc::new(VecModel::from(materials)));
    let steps: Vec<slint::SharedString> = s.steps.iter().map(|x| x.as_str().into()).collect();
    a.set_steps(ModelRc::new(VecModel::from(steps)));
    let faq: Vec<FaqItem> = s
        .faq
        .iter()
        .map(|f| FaqItem {
            question: f.question.clone().into(),
            answer: f.answer.clone().into(),
        })
        .collect();
    a.set_faq(ModelRc::new(VecModel::from(faq)));
}
