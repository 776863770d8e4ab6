//! The end of 申办: the review page, the submission (one errand transaction: the application's row, its sealed
//! `application.submitted` event and its receipt), the receipt on screen, the notice printed when a core material is
//! missing, and the pages' previews.

use std::time::{Duration, Instant};

use sanban_wire::{Applicant, CardType, Delivery, EventPayload, GuidePrinted, Sex};
use slint::{ComponentHandle, ModelRc, VecModel};

use super::{
    check_form, choose, edit, lang, show_form, show_materials, Answer, Apply, APPLICANT, FIELD,
    FORM, MATERIALS, NOTICE, RECEIPT, REVIEW, SEARCH, STATE,
};
use crate::app::flows::Flow;
use crate::app::Kiosk;
use crate::devices::CitizenIdentity;
use crate::lang::Lang;
use crate::receipts::application::{self as receipt, ApplicationContext};
use crate::receipts::guide_notice::{self, NoticeContext};
use crate::store::applications::Submission;
use crate::store::{Errand, PrintJob, Subject};
use crate::ui::{ApplyAdapter, ApplyLine, PinyinAdapter};

/// The applicant as the card gives it (减证便民).
pub(super) fn applicant_of(id: &CitizenIdentity) -> Applicant {
    use sanban_hardware::idcard::{CardKind, Sex as CardSex};
    let r = id.full();
    Applicant {
        name: r.name().to_string(),
        english_name: r.english_name().map(str::to_string),
        id_number: r.id_number().to_string(),
        sex: match r.sex {
            CardSex::Male => Sex::Male,
            CardSex::Female => Sex::Female,
            CardSex::NotStated => Sex::NotStated,
            CardSex::Unknown => Sex::Unknown,
        },
        birth_date: r.birth_date().to_string(),
        address: r.address().map(str::to_string),
        card_type: match r.kind() {
            CardKind::Resident => CardType::Resident,
            CardKind::HkMacaoTaiwan => CardType::HkMacaoTaiwan,
            CardKind::PermanentResident2017 => CardType::PermanentResident2017,
            CardKind::PermanentResident2023 => CardType::PermanentResident2023,
        },
        nationality: r.nationality().map(str::to_string),
    }
}

/// The tracking QR code as shown on screen.
fn qr_image(payload: &str) -> slint::Image {
    let (size, rgba) = crate::qr::qr_rgba(payload, 8);
    slint::Image::from_rgba8(
        slint::SharedPixelBuffer::<slint::Rgba8Pixel>::clone_from_slice(&rgba, size, size),
    )
}

/// The confirmation page's lines: the name and the card as read (the number masked: the citizen holds the card).
pub(super) fn applicant_lines(a: &Applicant, l: Lang) -> Vec<ApplyLine> {
    let line = |zh: &str, en: &str, value: String| ApplyLine {
        label: l.pick(zh, en).into(),
        value: value.into(),
    };
    let sex = match (a.sex, l) {
        (Sex::Male, Lang::Zh) => "男",
        (Sex::Female, Lang::Zh) => "女",
        (Sex::Male, Lang::En) => "Male",
        (Sex::Female, Lang::En) => "Female",
        (_, Lang::Zh) => "未说明",
        (_, Lang::En) => "Not stated",
    };
    let mut lines = vec![line("姓名", "Name", a.name.clone())];
    if let Some(en) = a.english_name.as_ref().filter(|en| **en != a.name) {
        lines.push(line("英文姓名", "English name", en.clone()));
    }
    lines.push(line("证件号码", "ID number", a.masked_id()));
    lines.push(line("性别", "Sex", sex.into()));
    lines.push(line("出生日期", "Date of birth", a.birth_date.clone()));
    if let Some(address) = &a.address {
        lines.push(line("住址", "Address", address.clone()));
    }
    if let Some(n) = &a.nationality {
        lines.push(line("国籍", "Nationality", n.clone()));
    }
    lines.push(line(
        "证件类型",
        "Card",
        l.pick(a.card_type.label_zh(), a.card_type.label_en())
            .into(),
    ));
    lines
}

/// The masked applicant: from the card in the session, or the previews' sample.
fn masked_applicant(kiosk: &Kiosk) -> (String, String) {
    match kiosk.session().identity.as_ref() {
        Some(id) => (id.masked_name(), id.masked_id()),
        None => ("张*".into(), "4201**********1234".into()),
    }
}

/// What is owed and by when, as the review and the receipt say it.
fn owed_line(name: &str, due: &str, l: Lang) -> String {
    match l {
        Lang::Zh => format!("{name}：{due} 前补交"),
        Lang::En => format!("{name}: bring by {due}"),
    }
}

pub(super) fn show_review(kiosk: &Kiosk) {
    let l = lang(kiosk);
    let (name, id) = masked_applicant(kiosk);
    let today = crate::clock::business_day(kiosk.services().clock.now(), kiosk.services().tz);
    let lines: Vec<ApplyLine> = STATE.with(|s| {
        let s = s.borrow();
        let Some(service) = &s.service else {
            return Vec::new();
        };
        let line = |label: &str, value: String| ApplyLine {
            label: label.into(),
            value: value.into(),
        };
        let mut lines = vec![
            line(
                l.pick("事项", "Service"),
                l.pick(&service.name_zh, &service.name_en).into(),
            ),
            line(l.pick("申请人", "Applicant"), format!("{name}  {id}")),
        ];
        for f in &service.form {
            if let Some(v) = s.values.get(&f.key) {
                lines.push(line(
                    l.pick(&f.label_zh, &f.label_en),
                    super::form::shown(f, v, l),
                ));
            }
        }
        let with = |answer: Answer| -> Vec<&sanban_wire::Material> {
            service
                .materials
                .iter()
                .filter(|m| {
                    s.materials
                        .iter()
                        .any(|(n, a)| *n == m.name && *a == answer)
                })
                .collect()
        };
        let provided: Vec<&str> = with(Answer::InHand)
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        lines.push(line(
            l.pick("在手材料", "Materials in hand"),
            provided.join("、"),
        ));
        let owed: Vec<String> = with(Answer::Without)
            .iter()
            .filter(|m| m.deferrable)
            .map(|m| {
                let due = crate::workdays::after(today, m.defer_days.unwrap_or(0));
                owed_line(&m.name, &due.to_string(), l)
            })
            .collect();
        if !owed.is_empty() {
            lines.push(line(l.pick("容缺材料", "Materials owed"), owed.join("\n")));
        }
        let promised = match service.promised_limit_days {
            0 => l.pick("即办件", "On the spot").to_string(),
            n => crate::workdays::after(today, n).to_string(),
        };
        lines.push(line(l.pick("承诺办结", "Promised by"), promised));
        lines
    });
    kiosk.with_window(|w| {
        let a = w.global::<ApplyAdapter>();
        a.set_review(ModelRc::new(VecModel::from(lines)));
        a.set_submit_failed(false);
    });
}

/// "提交申请": commit the application with its event and receipt, then print.
pub(super) fn submit(kiosk: &Kiosk, tapped_at: Instant) {
    let services = kiosk.services();
    let l = lang(kiosk);
    let (applicant, citizen_ref, name, id_masked) = {
        let session = kiosk.session();
        let Some(id) = session.identity.as_ref() else {
            tracing::warn!("申办 submit without a card read");
            return;
        };
        (
            applicant_of(id),
            id.citizen_ref.clone(),
            id.masked_name(),
            id.masked_id(),
        )
    };
    let Some((service, submission)) = STATE.with(|s| {
        let s = s.borrow();
        let service = s.service.clone()?;
        let answered = |answer: Answer| -> Vec<&sanban_wire::Material> {
            service
                .materials
                .iter()
                .filter(|m| {
                    s.materials
                        .iter()
                        .any(|(n, a)| *n == m.name && *a == answer)
                })
                .collect()
        };
        let submission = Submission {
            service: service.id.clone(),
            citizen_ref,
            applicant,
            fields: s.values.clone(),
            materials_provided: answered(Answer::InHand)
                .iter()
                .map(|m| m.name.clone())
                .collect(),
            materials_deferred: answered(Answer::Without)
                .iter()
                .filter(|m| m.deferrable && !m.core)
                .map(|m| (m.name.clone(), m.defer_days.unwrap_or(0)))
                .collect(),
            promised_days: service.promised_limit_days,
            delivery: Delivery::Pickup,
        };
        Some((service, submission))
    }) else {
        return;
    };
    kiosk.with_window(|w| w.global::<ApplyAdapter>().set_submitting(true));
    let cfg = &services.config;
    let service_name = l.pick(&service.name_zh, &service.name_en).to_string();
    let where_to_bring = format!(
        "{} · {}",
        cfg.kiosk.hall,
        l.pick(&service.department, &service.department_en)
    );
    let mut bytes = Vec::new();
    let committed = services.store().submit_application(
        &cfg.kiosk.id,
        submission,
        services.clock.now(),
        services.tz,
        |app| {
            bytes = receipt::render(
                app,
                &ApplicationContext {
                    hall: cfg.kiosk.hall_in(l),
                    kiosk_name: cfg.kiosk.name_in(l),
                    tz: services.tz,
                    lang: l,
                    test: services.test_mode,
                    service_name: &service_name,
                    where_to_bring: &where_to_bring,
                    applicant_masked: &name,
                    id_masked: &id_masked,
                    track_url: cfg.guide.track_url.replace("{no}", &app.number),
                    rating_url: cfg.guide.rating_url.replace("{id}", &app.number),
                },
            );
            Some(bytes.clone())
        },
    );
    let Some(w) = kiosk.window() else { return };
    let a = w.global::<ApplyAdapter>();
    a.set_submitting(false);
    match committed {
        Ok(done) => {
            services.poke_sync();
            let app = done.application;
            let owed: Vec<slint::SharedString> = app
                .materials_deferred
                .iter()
                .map(|m| owed_line(&m.name, &m.due, l).into())
                .collect();
            a.set_number(app.number.clone().into());
            a.set_service_name(service_name.into());
            a.set_promised_by(
                app.promised_by
                    .map(|d| d.to_string())
                    .unwrap_or_default()
                    .into(),
            );
            a.set_owed(ModelRc::new(VecModel::from(owed)));
            let track = cfg.guide.track_url.replace("{no}", &app.number);
            a.set_track_qr(qr_image(&track));
            a.set_track_url(track.into());
            kiosk.complete_errand(crate::app::CompletedErrand {
                errand: "application",
                id: app.number.clone(),
                service: Some(service.id.clone()),
            });
            kiosk.go(RECEIPT);
            if let Some(job) = done.print_job {
                crate::app::printing::print(kiosk, job, bytes, tapped_at);
            }
        }
        Err(e) => {
            // The error names no personal value (StoreError never holds one).
            tracing::error!(service = %service.id, "application not submitted: {e}");
            a.set_submit_failed(true);
        }
    }
}

/// A core material is missing: print the service's one-time notice so the citizen comes back with everything.
pub(super) fn print_notice(kiosk: &Kiosk, tapped_at: Instant) {
    let Some(id) = STATE.with(|s| s.borrow().service.as_ref().map(|s| s.id.clone())) else {
        return;
    };
    let services = kiosk.services();
    let l = lang(kiosk);
    let cfg = &services.config;
    let errand_no = format!("G{}", uuid::Uuid::now_v7().simple());
    let mut bytes = Vec::new();
    let committed = services
        .store()
        .commit_errand(services.clock.now(), services.tz, |tx| {
            let version = services_catalog_version(tx);
            let service = crate::store::catalog::service_in(tx, &id)?.ok_or_else(|| {
                crate::store::StoreError::Invalid(format!(
                    "service {id} is no longer in the catalog"
                ))
            })?;
            bytes = guide_notice::render(
                &service,
                &NoticeContext {
                    hall: cfg.kiosk.hall_in(l),
                    kiosk_name: cfg.kiosk.name_in(l),
                    tz: services.tz,
                    lang: l,
                    catalog_version: version,
                    online_guide: service.online_url.clone().unwrap_or_else(|| {
                        cfg.guide.online_guide_url.replace("{code}", &service.code)
                    }),
                    printed_at: services.clock.now(),
                    test: services.test_mode,
                    rating_url: cfg.guide.rating_url.replace("{id}", &errand_no),
                },
            );
            Ok(Errand {
                value: (),
                event: EventPayload::GuidePrinted(GuidePrinted {
                    service: service.id.clone(),
                    catalog_version: version,
                    language: l.code().into(),
                }),
                print: Some(PrintJob {
                    subject: Subject::GuideNotice,
                    subject_id: service.id.clone(),
                    bytes: bytes.clone(),
                }),
            })
        });
    match committed {
        Ok(c) => {
            services.poke_sync();
            kiosk.with_window(|w| w.global::<ApplyAdapter>().set_notice_printed(true));
            kiosk.complete_errand(crate::app::CompletedErrand {
                errand: "guide",
                id: errand_no,
                service: Some(id),
            });
            if let Some(job) = c.print_job {
                crate::app::printing::print(kiosk, job, bytes, tapped_at);
            }
        }
        Err(e) => tracing::error!(service = %id, "notice not printed: {e}"),
    }
}

fn services_catalog_version(tx: &rusqlite::Transaction) -> u64 {
    tx.query_row(
        "SELECT value FROM meta WHERE key = 'catalog.version'",
        [],
        |r| r.get::<_, String>(0),
    )
    .ok()
    .and_then(|v| v.parse().ok())
    .unwrap_or(0)
}

/// A sample applicant for the previews (fictional).
fn sample_applicant() -> Applicant {
    Applicant {
        name: "张三丰".into(),
        english_name: None,
        id_number: "420111199003071234".into(),
        sex: Sex::Male,
        birth_date: "1990-03-07".into(),
        address: Some("湖北省武汉市汉南区纱帽街示例路1号".into()),
        card_type: CardType::Resident,
        nationality: None,
    }
}

/// The previews' service: the first a kiosk may take that has a Chinese text field and a deferrable material.
fn sample_service(kiosk: &Kiosk) -> anyhow::Result<String> {
    let store = kiosk.services().store();
    for s in store
        .catalog_summaries()?
        .into_iter()
        .filter(|s| s.kiosk_submittable)
    {
        if let Some(svc) = store.catalog_service(&s.id)? {
            if svc.materials.iter().any(|m| m.deferrable)
                && svc
                    .form
                    .iter()
                    .any(|f| f.field_type == sanban_wire::FieldType::ChineseText)
            {
                return Ok(svc.id);
            }
        }
    }
    anyhow::bail!("the catalog has no kiosk-submittable service with a Chinese field and a deferrable material")
}

fn fill_sample_values() {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let Some(service) = s.service.clone() else {
            return;
        };
        for f in &service.form {
            let v = match f.field_type {
                sanban_wire::FieldType::ChineseText if f.key.contains("name") => {
                    "汉南热干面有限公司".into()
                }
                sanban_wire::FieldType::ChineseText => "餐饮服务；食品销售".into(),
                sanban_wire::FieldType::Text => "A1".into(),
                sanban_wire::FieldType::Number => "50".into(),
                sanban_wire::FieldType::Date => "2026-12-15".into(),
                sanban_wire::FieldType::Phone => "13912345678".into(),
                sanban_wire::FieldType::Choice => f
                    .choices
                    .first()
                    .map(|c| c.value.clone())
                    .unwrap_or_default(),
                sanban_wire::FieldType::YesNo => "yes".into(),
            };
            s.values.insert(f.key.clone(), v);
        }
        let names: Vec<(String, bool)> = service
            .materials
            .iter()
            .map(|m| (m.name.clone(), m.deferrable))
            .collect();
        s.materials = names
            .into_iter()
            .map(|(n, deferrable)| {
                (
                    n,
                    if deferrable {
                        Answer::Without
                    } else {
                        Answer::InHand
                    },
                )
            })
            .collect();
    });
}

pub(super) async fn preview(flow: &Apply, kiosk: &Kiosk, preview: &str) -> anyhow::Result<()> {
    let window = kiosk.window().ok_or_else(|| anyhow::anyhow!("no window"))?;
    let a = window.global::<ApplyAdapter>();
    if preview == SEARCH {
        flow.start(kiosk, "");
        return Ok(());
    }
    let id = sample_service(kiosk)?;
    super::reset();
    choose(kiosk, &id);
    let l = lang(kiosk);
    match preview {
        NOTICE => {}
        APPLICANT => {
            a.set_applicant(ModelRc::new(VecModel::from(applicant_lines(
                &sample_applicant(),
                l,
            ))));
            kiosk.go(APPLICANT);
        }
        FORM => {
            fill_sample_values();
            STATE.with(|s| {
                let mut s = s.borrow_mut();
                let keys: Vec<String> = s.values.keys().skip(3).cloned().collect();
                for k in keys {
                    s.values.remove(&k);
                }
            });
            show_form(kiosk);
            kiosk.go(FORM);
        }
        "apply.form#errors" => {
            check_form(kiosk);
            show_form(kiosk);
            kiosk.go(FORM);
        }
        FIELD | "apply.field#pinyin" | "apply.field#choice" => {
            show_form(kiosk);
            kiosk.go(FORM);
            let service = STATE.with(|s| s.borrow().service.clone()).unwrap();
            let pick = |t: sanban_wire::FieldType| {
                service
                    .form
                    .iter()
                    .find(|f| f.field_type == t)
                    .map(|f| f.key.clone())
            };
            let key = match preview {
                "apply.field#pinyin" => pick(sanban_wire::FieldType::ChineseText),
                "apply.field#choice" => pick(sanban_wire::FieldType::Choice)
                    .or_else(|| pick(sanban_wire::FieldType::YesNo)),
                _ => pick(sanban_wire::FieldType::Phone)
                    .or_else(|| pick(sanban_wire::FieldType::Number)),
            }
            .ok_or_else(|| anyhow::anyhow!("the sample service has no field for {preview}"))?;
            edit(kiosk, &key);
            if preview == "apply.field#pinyin" {
                let p = window.global::<PinyinAdapter>();
                p.set_text("汉南".into());
                for c in ["r", "e", "g", "a", "n"] {
                    p.invoke_key(c.into());
                }
            } else if preview == FIELD {
                for c in ["1", "3", "9", "1", "2"] {
                    a.invoke_field_key(c.into());
                }
                a.invoke_field_done();
            }
        }
        MATERIALS | "apply.materials#core-missing" => {
            fill_sample_values();
            if preview.ends_with("#core-missing") {
                STATE.with(|s| {
                    if let Some(m) = s.borrow_mut().materials.first_mut() {
                        m.1 = Answer::Without;
                    }
                });
                a.set_core_missing(true);
            }
            show_materials(kiosk);
            kiosk.go(MATERIALS);
        }
        REVIEW => {
            fill_sample_values();
            show_review(kiosk);
            kiosk.go(REVIEW);
        }
        RECEIPT => {
            let today =
                crate::clock::business_day(kiosk.services().clock.now(), kiosk.services().tz);
            a.set_number(
                format!(
                    "{}-{}-0001",
                    kiosk.services().config.kiosk.id,
                    today.format("%Y%m%d")
                )
                .into(),
            );
            a.set_promised_by(crate::workdays::after(today, 1).to_string().into());
            let due = crate::workdays::after(today, 5).to_string();
            let owed: Vec<slint::SharedString> =
                vec![owed_line("住所使用相关文件(房屋租赁合同或产权证明)", &due, l).into()];
            a.set_owed(ModelRc::new(VecModel::from(owed)));
            a.set_track_qr(qr_image(
                &kiosk
                    .services()
                    .config
                    .guide
                    .track_url
                    .replace("{no}", "K01"),
            ));
            kiosk.go(RECEIPT);
            crate::headless::driver::sleep(Duration::from_millis(10)).await;
        }
        other => anyhow::bail!("no 申办 preview {other:?}"),
    }
    Ok(())
}
