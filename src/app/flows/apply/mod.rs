//! 申办 (application submission): service (only those the catalog lets a kiosk take) → its one-time notice in short
//! ("我已阅读") → ID card → the applicant as the card gives it (减证便民: confirmed, never typed) → the service's own
//! form (pinyin keyboard for Chinese text, keypad for numbers, phones and dates, buttons for choices; errors next to
//! the field) → materials, each "在手" or "容缺" (non-core deferrable only; a core material missing stops here with the
//! notice to print) → review → one errand transaction (row, sealed event, receipt) → printed receipt with the
//! application number and, when materials are owed, the 容缺 commitment to sign.

mod form;
mod submit;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Instant;

use sanban_wire::{FieldType, Service};
use slint::{ComponentHandle, ModelRc, VecModel};

use super::guide::GuideIndex;
use super::{Flow, PageSpec, Preview, TileSpec};
use crate::app::flows::identity::{self, Request};
use crate::app::{pinyin, Kiosk};
use crate::lang::Lang;
use crate::ui::{AppWindow, ApplyAdapter, ApplyChoice, ApplyField, ApplyLine, ApplyMaterial};

pub const SEARCH: &str = "apply.search";
pub const NOTICE: &str = "apply.notice";
pub const APPLICANT: &str = "apply.applicant";
pub const FORM: &str = "apply.form";
pub const FIELD: &str = "apply.field";
pub const MATERIALS: &str = "apply.materials";
pub const REVIEW: &str = "apply.review";
pub const RECEIPT: &str = "apply.receipt";

const STEPS: i32 = 6;
const MAX_QUERY: usize = 24;

/// A material's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Unanswered,
    InHand,
    /// 容缺 for a deferrable material, 缺少 for the others.
    Without,
}

/// What the citizen has told the flow so far (UI thread only; wiped with the session).
#[derive(Default)]
struct State {
    index: Option<Rc<GuideIndex>>,
    service: Option<Service>,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    editing: Option<String>,
    draft: String,
    materials: Vec<(String, Answer)>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

pub struct Apply;

impl Flow for Apply {
    fn name(&self) -> &'static str {
        "apply"
    }

    fn pages(&self) -> &'static [PageSpec] {
        const PAGES: [PageSpec; 8] = [
            PageSpec::new(SEARCH),
            PageSpec::new(NOTICE),
            PageSpec::new(APPLICANT),
            PageSpec::new(FORM),
            PageSpec::passing(FIELD),
            PageSpec::new(MATERIALS),
            PageSpec::new(REVIEW),
            PageSpec::passing(RECEIPT),
        ];
        &PAGES
    }

    fn tiles(&self) -> &'static [TileSpec] {
        &[TileSpec {
            code: "apply",
            primary: false,
        }]
    }

    fn tile_available(&self, kiosk: &Kiosk, _code: &str) -> bool {
        crate::app::status::usable(
            kiosk
                .services()
                .devices
                .health
                .get(crate::devices::DeviceKind::IdCard)
                .state,
        )
    }

    fn offer_for_service(&self, service: &Service) -> Option<&'static str> {
        service.kiosk_submittable.then_some("apply")
    }

    fn start_for_service(&self, kiosk: &Kiosk, service_id: &str) {
        reset();
        choose(kiosk, service_id);
    }

    fn wire(&self, kiosk: &Kiosk) {
        pinyin::wire(kiosk);
        let Some(w) = kiosk.window() else { return };
        let a = w.global::<ApplyAdapter>();
        let k = kiosk.clone();
        a.on_key(move |key| {
            let Some(w) = k.window() else { return };
            let a = w.global::<ApplyAdapter>();
            let mut q = a.get_query().to_string();
            if q.chars().count() < MAX_QUERY {
                q.push_str(&key);
            }
            a.set_query(q.clone().into());
            show_results(&k, &q);
        });
        let k = kiosk.clone();
        a.on_erase(move || {
            let Some(w) = k.window() else { return };
            let a = w.global::<ApplyAdapter>();
            let mut q = a.get_query().to_string();
            q.pop();
            a.set_query(q.clone().into());
            show_results(&k, &q);
        });
        let k = kiosk.clone();
        a.on_clear(move || {
            k.with_window(|w| w.global::<ApplyAdapter>().set_query("".into()));
            show_results(&k, "");
        });
        let k = kiosk.clone();
        a.on_choose(move |id| choose(&k, &id));
        let k = kiosk.clone();
        a.on_read_notice(move || {
            identity::request(
                &k,
                Request {
                    purpose: "apply",
                    step: 3,
                    step_count: STEPS,
                    accept_expired: false,
                    then: Box::new(|k| {
                        show_applicant(k);
                        k.go(APPLICANT);
                    }),
                },
            )
        });
        let k = kiosk.clone();
        a.on_confirm_applicant(move || {
            show_form(&k);
            k.go(FORM);
        });
        let k = kiosk.clone();
        a.on_edit(move |key| edit(&k, &key));
        let k = kiosk.clone();
        a.on_field_key(move |key| {
            with_field(|field, s| form::type_key(field, &mut s.draft, &key));
            show_draft(&k);
        });
        let k = kiosk.clone();
        a.on_field_erase(move || {
            STATE.with(|s| {
                s.borrow_mut().draft.pop();
            });
            show_draft(&k);
        });
        let k = kiosk.clone();
        a.on_field_clear(move || {
            STATE.with(|s| s.borrow_mut().draft.clear());
            show_draft(&k);
        });
        let k = kiosk.clone();
        a.on_field_choose(move |value| {
            STATE.with(|s| s.borrow_mut().draft = value.to_string());
            show_draft(&k);
            field_done(&k);
        });
        let k = kiosk.clone();
        a.on_field_done(move || field_done(&k));
        let k = kiosk.clone();
        a.on_form_next(move || {
            if check_form(&k) {
                show_materials(&k);
                k.go(MATERIALS);
            } else {
                show_form(&k);
            }
        });
        let k = kiosk.clone();
        a.on_set_material(move |name, answer| {
            STATE.with(|s| {
                let mut s = s.borrow_mut();
                if let Some(m) = s.materials.iter_mut().find(|(n, _)| *n == name.as_str()) {
                    m.1 = if answer == 1 {
                        Answer::InHand
                    } else {
                        Answer::Without
                    };
                }
            });
            k.with_window(|w| {
                let a = w.global::<ApplyAdapter>();
                a.set_materials_error("".into());
                a.set_core_missing(false);
            });
            show_materials(&k);
        });
        let k = kiosk.clone();
        a.on_materials_next(move || materials_next(&k));
        let k = kiosk.clone();
        a.on_print_notice(move || submit::print_notice(&k, Instant::now()));
        let k = kiosk.clone();
        a.on_submit(move || submit::submit(&k, Instant::now()));
    }

    fn start(&self, kiosk: &Kiosk, _entry: &str) {
        reset();
        kiosk.with_window(|w| w.global::<ApplyAdapter>().set_query("".into()));
        show_results(kiosk, "");
        kiosk.go(SEARCH);
    }

    fn leave(&self, kiosk: &Kiosk, page: &str) {
        if page == FIELD {
            pinyin::clear(kiosk);
        }
    }

    fn clear(&self, kiosk: &Kiosk, window: &AppWindow) {
        reset();
        pinyin::clear(kiosk);
        let a = window.global::<ApplyAdapter>();
        a.set_query("".into());
        a.set_results(ModelRc::default());
        a.set_applicant(ModelRc::default());
        a.set_fields(ModelRc::default());
        a.set_review(ModelRc::default());
        a.set_materials(ModelRc::default());
        a.set_draft("".into());
        a.set_materials_error("".into());
        a.set_core_missing(false);
        a.set_notice_printed(false);
        a.set_submitting(false);
        a.set_submit_failed(false);
        a.set_number("".into());
        a.set_owed(ModelRc::default());
        a.set_track_qr(slint::Image::default());
        crate::app::printing::clear(window);
    }

    fn previews(&self) -> Vec<String> {
        let mut all: Vec<String> = self.pages().iter().map(|p| p.name.to_string()).collect();
        all.push(format!("{FIELD}#pinyin"));
        all.push(format!("{FIELD}#choice"));
        all.push(format!("{FORM}#errors"));
        all.push(format!("{MATERIALS}#core-missing"));
        all
    }

    fn preview<'a>(&'a self, kiosk: &'a Kiosk, preview: &'a str) -> Preview<'a> {
        Box::pin(async move { submit::preview(self, kiosk, preview).await })
    }
}

fn reset() {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let index = s.index.take();
        *s = State {
            index,
            ..State::default()
        };
    });
}

fn lang(kiosk: &Kiosk) -> Lang {
    kiosk.session().lang
}

/// The search index of the services a kiosk may take (rebuilt when the catalog's version changes).
fn index(kiosk: &Kiosk) -> Rc<GuideIndex> {
    let version = kiosk.services().store().catalog_version().unwrap_or(0);
    let cached = STATE.with(|s| s.borrow().index.clone());
    if let Some(index) = cached.filter(|i| i.version == version) {
        return index;
    }
    let services: Vec<_> = kiosk
        .services()
        .store()
        .catalog_summaries()
        .unwrap_or_else(|e| {
            tracing::error!("catalog unreadable: {e}");
            Vec::new()
        })
        .into_iter()
        .filter(|s| s.kiosk_submittable)
        .collect();
    let index = Rc::new(GuideIndex::build(version, services));
    STATE.with(|s| s.borrow_mut().index = Some(index.clone()));
    index
}

fn show_results(kiosk: &Kiosk, query: &str) {
    let index = index(kiosk);
    let lang = lang(kiosk);
    let found: Vec<_> = if query.is_empty() {
        index.services.iter().collect()
    } else {
        index.search(query)
    };
    let items: Vec<_> = found
        .into_iter()
        .map(|s| crate::ui::ServiceItem {
            id: s.id.clone().into(),
            name: lang.pick(&s.name_zh, &s.name_en).into(),
            category: s.category.clone().into(),
            department: lang.pick(&s.department, &s.department_en).into(),
            facts: if s.instant {
                lang.pick("即办件", "On the spot").into()
            } else {
                Default::default()
            },
        })
        .collect();
    kiosk.with_window(|w| {
        w.global::<ApplyAdapter>()
            .set_results(ModelRc::new(VecModel::from(items)))
    });
}

/// The citizen picked `id`: its notice in short.
fn choose(kiosk: &Kiosk, id: &str) {
    let service = match kiosk.services().store().catalog_service(id) {
        Ok(Some(s)) if s.kiosk_submittable => s,
        Ok(_) => {
            tracing::warn!(service = id, "not a service a kiosk may take");
            return;
        }
        Err(e) => {
            tracing::error!("catalog unreadable: {e}");
            return;
        }
    };
    let l = lang(kiosk);
    let materials: Vec<slint::SharedString> = service
        .materials
        .iter()
        .map(|m| {
            let name = l.pick(&m.name, &m.name_en);
            let name = if name.is_empty() { &m.name } else { name };
            let note = match (m.core, m.deferrable, l) {
                (true, _, Lang::Zh) => "（核心材料）".to_string(),
                (true, _, Lang::En) => " (core)".to_string(),
                (false, true, Lang::Zh) => {
                    format!("（可容缺，{} 个工作日内补交）", m.defer_days.unwrap_or(0))
                }
                (false, true, Lang::En) => format!(
                    " (may be owed: bring within {} working days)",
                    m.defer_days.unwrap_or(0)
                ),
                _ => String::new(),
            };
            format!("{name}{note}").into()
        })
        .collect();
    let promised = match (service.promised_limit_days, l) {
        (0, Lang::Zh) => "即办件".to_string(),
        (0, Lang::En) => "Done on the spot".to_string(),
        (n, Lang::Zh) => format!("承诺 {n} 个工作日办结"),
        (n, Lang::En) => format!("Promised within {n} working days"),
    };
    kiosk.with_window(|w| {
        let a = w.global::<ApplyAdapter>();
        a.set_service_name(l.pick(&service.name_zh, &service.name_en).into());
        a.set_department(l.pick(&service.department, &service.department_en).into());
        a.set_promised(promised.into());
        a.set_notice_materials(ModelRc::new(VecModel::from(materials)));
    });
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.materials = service
            .materials
            .iter()
            .map(|m| (m.name.clone(), Answer::Unanswered))
            .collect();
        s.values.clear();
        s.errors.clear();
        s.service = Some(service);
    });
    kiosk.go(NOTICE);
}

/// The applicant as the card gives it, on the confirmation page.
fn show_applicant(kiosk: &Kiosk) {
    let l = lang(kiosk);
    let lines: Vec<ApplyLine> = {
        let session = kiosk.session();
        let Some(id) = session.identity.as_ref() else {
            return;
        };
        submit::applicant_lines(&submit::applicant_of(id), l)
    };
    kiosk.with_window(|w| {
        w.global::<ApplyAdapter>()
            .set_applicant(ModelRc::new(VecModel::from(lines)))
    });
}

fn field_row(field: &sanban_wire::FormField, value: &str, error: &str, l: Lang) -> ApplyField {
    ApplyField {
        key: field.key.clone().into(),
        label: l.pick(&field.label_zh, &field.label_en).into(),
        shown: form::shown(field, value, l).into(),
        help: l.pick(&field.help_zh, &field.help_en).into(),
        error: error.into(),
        kind: form::kind(field).into(),
        required: field.required,
    }
}

fn show_form(kiosk: &Kiosk) {
    let l = lang(kiosk);
    let rows: Vec<ApplyField> = STATE.with(|s| {
        let s = s.borrow();
        let Some(service) = &s.service else {
            return Vec::new();
        };
        service
            .form
            .iter()
            .map(|f| {
                field_row(
                    f,
                    s.values.get(&f.key).map(String::as_str).unwrap_or(""),
                    s.errors.get(&f.key).map(String::as_str).unwrap_or(""),
                    l,
                )
            })
            .collect()
    });
    kiosk.with_window(|w| {
        w.global::<ApplyAdapter>()
            .set_fields(ModelRc::new(VecModel::from(rows)))
    });
}

/// Every field checked; the errors go next to the fields. True when the form passes.
fn check_form(kiosk: &Kiosk) -> bool {
    let l = lang(kiosk);
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let Some(service) = s.service.clone() else {
            return false;
        };
        s.errors.clear();
        for f in &service.form {
            let value = s.values.get(&f.key).cloned().unwrap_or_default();
            if let Some(e) = form::error(f, &value, l) {
                s.errors.insert(f.key.clone(), e);
            }
        }
        s.errors.is_empty()
    })
}

/// Run `f` on the field being edited.
fn with_field(f: impl FnOnce(&sanban_wire::FormField, &mut State)) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let field = s.editing.as_ref().and_then(|key| {
            s.service
                .as_ref()
                .and_then(|svc| svc.form_field(key).cloned())
        });
        if let Some(field) = field {
            f(&field, &mut s);
        }
    });
}

/// Open field `key` for editing.
fn edit(kiosk: &Kiosk, key: &str) {
    let l = lang(kiosk);
    let mut opened = None;
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let Some(field) = s
            .service
            .as_ref()
            .and_then(|svc| svc.form_field(key).cloned())
        else {
            return;
        };
        let value = s.values.get(key).cloned().unwrap_or_default();
        let error = s.errors.get(key).cloned().unwrap_or_default();
        s.editing = Some(key.to_string());
        s.draft = match field.field_type {
            FieldType::Date => value.replace('-', ""),
            _ => value.clone(),
        };
        opened = Some((field, value, error));
    });
    let Some((field, value, error)) = opened else {
        return;
    };
    if field.field_type == FieldType::ChineseText {
        pinyin::begin(
            kiosk,
            &value,
            field.max_length.map(|m| m as usize).unwrap_or(0),
        );
    }
    let choices: Vec<ApplyChoice> = form::choices(&field, l)
        .into_iter()
        .map(|(value, label)| ApplyChoice {
            value: value.into(),
            label: label.into(),
        })
        .collect();
    kiosk.with_window(|w| {
        let a = w.global::<ApplyAdapter>();
        a.set_editing(field_row(&field, &value, &error, l));
        a.set_choices(ModelRc::new(VecModel::from(choices)));
    });
    show_draft(kiosk);
    kiosk.go(FIELD);
}

fn show_draft(kiosk: &Kiosk) {
    let draft = STATE.with(|s| s.borrow().draft.clone());
    kiosk.with_window(|w| w.global::<ApplyAdapter>().set_draft(draft.into()));
}

/// "确定" on a field: keep the value if it passes, else say why next to it.
fn field_done(kiosk: &Kiosk) {
    let l = lang(kiosk);
    let chinese = pinyin::text(kiosk);
    let mut outcome: Option<Result<(), (sanban_wire::FormField, String)>> = None;
    with_field(|field, s| {
        let value = if field.field_type == FieldType::ChineseText {
            chinese.trim().to_string()
        } else {
            form::value_of(field, &s.draft)
        };
        match form::error(field, &value, l) {
            Some(e) => {
                s.errors.insert(field.key.clone(), e.clone());
                outcome = Some(Err((field.clone(), e)));
            }
            None => {
                s.errors.remove(&field.key);
                if value.is_empty() {
                    s.values.remove(&field.key);
                } else {
                    s.values.insert(field.key.clone(), value);
                }
                s.editing = None;
                outcome = Some(Ok(()));
            }
        }
    });
    match outcome {
        Some(Ok(())) => {
            show_form(kiosk);
            kiosk.back();
        }
        Some(Err((field, e))) => {
            let value = STATE.with(|s| s.borrow().draft.clone());
            kiosk.with_window(|w| {
                w.global::<ApplyAdapter>()
                    .set_editing(field_row(&field, &value, &e, l))
            });
        }
        None => {}
    }
}

fn show_materials(kiosk: &Kiosk) {
    let l = lang(kiosk);
    let rows: Vec<ApplyMaterial> = STATE.with(|s| {
        let s = s.borrow();
        let Some(service) = &s.service else {
            return Vec::new();
        };
        service
            .materials
            .iter()
            .map(|m| {
                let answer = s
                    .materials
                    .iter()
                    .find(|(n, _)| *n == m.name)
                    .map(|(_, a)| *a)
                    .unwrap_or(Answer::Unanswered);
                ApplyMaterial {
                    name: m.name.clone().into(),
                    title: if l == Lang::En && !m.name_en.is_empty() {
                        m.name_en.clone().into()
                    } else {
                        m.name.clone().into()
                    },
                    core: m.core,
                    deferrable: m.deferrable && !m.core,
                    defer_days: m.defer_days.unwrap_or(0) as i32,
                    state: match answer {
                        Answer::Unanswered => 0,
                        Answer::InHand => 1,
                        Answer::Without => 2,
                    },
                }
            })
            .collect()
    });
    kiosk.with_window(|w| {
        w.global::<ApplyAdapter>()
            .set_materials(ModelRc::new(VecModel::from(rows)))
    });
}

/// "下一步" on the materials: every material answered; a core one missing stops the application.
fn materials_next(kiosk: &Kiosk) {
    let l = lang(kiosk);
    let (unanswered, core_missing) = STATE.with(|s| {
        let s = s.borrow();
        let Some(service) = &s.service else {
            return (true, false);
        };
        let answer = |name: &str| {
            s.materials
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, a)| *a)
                .unwrap_or(Answer::Unanswered)
        };
        let unanswered = service
            .materials
            .iter()
            .any(|m| answer(&m.name) == Answer::Unanswered);
        let core_missing = service
            .materials
            .iter()
            .any(|m| m.core && answer(&m.name) == Answer::Without);
        (unanswered, core_missing)
    });
    if core_missing {
        kiosk.with_window(|w| w.global::<ApplyAdapter>().set_core_missing(true));
        return;
    }
    if unanswered {
        kiosk.with_window(|w| {
            w.global::<ApplyAdapter>().set_materials_error(
                l.pick(
                    "请为每一项材料选择“在手”或“容缺/缺少”。",
                    "Please answer every material: in hand, or owed/missing.",
                )
                .into(),
            )
        });
        return;
    }
    submit::show_review(kiosk);
    kiosk.go(REVIEW);
}
