//! 办件查询 (application status look-up): by ID card (the home tile "办件查询": the identity step → `citizen_ref` →
//! the citizen's applications) or by the number on the receipt (the tile "按编号查询办件": digits on a keypad, see
//! [`number`]). The platform is asked within
//! `appointments.online_timeout_ms`; what it says is shown with the history, what is still owed (due date, where to
//! bring it) and what to do next, and the status is remembered for the applications this kiosk took. Offline, the
//! applications this kiosk took are shown from its own rows, marked as such; a number from elsewhere gets a plain
//! message. Nothing personal is shown beyond the masked name of the card's holder.

pub mod number;
pub mod tracked;

use std::cell::RefCell;
use std::time::Duration;

use chrono::DateTime;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::{Flow, PageSpec, Preview, TileSpec};
use crate::app::flows::identity::{self, Request};
use crate::app::Kiosk;
use crate::lang::Lang;
use crate::sync::gateway::Answer;
use crate::ui::{AppWindow, TrackAdapter, TrackItem, TrackOwed, TrackStep};
use number::{NumberError, NumberFormat};
use tracked::Tracked;

pub const NUMBER: &str = "track.number";
pub const LIST: &str = "track.list";
pub const DETAIL: &str = "track.detail";

/// What the flow looked up (UI thread only; wiped with the session).
#[derive(Default)]
struct State {
    digits: String,
    found: Vec<Tracked>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

pub struct Track;

impl Flow for Track {
    fn name(&self) -> &'static str {
        "track"
    }

    fn pages(&self) -> &'static [PageSpec] {
        const PAGES: [PageSpec; 3] = [
            PageSpec::new(NUMBER),
            PageSpec::new(LIST),
            PageSpec::new(DETAIL),
        ];
        &PAGES
    }

    fn tiles(&self) -> &'static [TileSpec] {
        &[
            TileSpec {
                code: "track",
                primary: false,
            },
            TileSpec {
                code: "track:number",
                primary: false,
            },
        ]
    }

    fn wire(&self, kiosk: &Kiosk) {
        let Some(w) = kiosk.window() else { return };
        let a = w.global::<TrackAdapter>();
        let k = kiosk.clone();
        a.on_key(move |key| {
            let format = format(&k);
            STATE.with(|s| format.push(&mut s.borrow_mut().digits, &key));
            show_digits(&k);
        });
        let k = kiosk.clone();
        a.on_erase(move || {
            STATE.with(|s| {
                s.borrow_mut().digits.pop();
            });
            show_digits(&k);
        });
        let k = kiosk.clone();
        a.on_clear(move || {
            STATE.with(|s| s.borrow_mut().digits.clear());
            show_digits(&k);
        });
        let k = kiosk.clone();
        a.on_find(move || find_typed(&k));
        let k = kiosk.clone();
        a.on_open(move |number| open(&k, &number));
        let k = kiosk.clone();
        a.on_show_number(move |number| {
            reset(&k);
            look_up_number(&k, number.to_string());
        });
    }

    fn start(&self, kiosk: &Kiosk, entry: &str) {
        reset(kiosk);
        match entry {
            "number" => kiosk.go(NUMBER),
            _ => with_card(kiosk),
        }
    }

    fn clear(&self, _kiosk: &Kiosk, window: &AppWindow) {
        STATE.with(|s| *s.borrow_mut() = State::default());
        let a = window.global::<TrackAdapter>();
        a.set_shown_number("".into());
        a.set_error("".into());
        a.set_busy(false);
        a.set_holder("".into());
        a.set_items(ModelRc::default());
        a.set_offline(false);
        a.set_current(TrackItem::default());
        a.set_history(ModelRc::default());
        a.set_owed(ModelRc::default());
    }

    fn previews(&self) -> Vec<String> {
        vec![
            NUMBER.into(),
            format!("{NUMBER}#unknown"),
            format!("{NUMBER}#offline"),
            LIST.into(),
            format!("{LIST}#offline"),
            DETAIL.into(),
            format!("{DETAIL}#pickup"),
            format!("{DETAIL}#offline"),
        ]
    }

    fn preview<'a>(&'a self, kiosk: &'a Kiosk, preview: &'a str) -> Preview<'a> {
        Box::pin(async move { show_preview(kiosk, preview) })
    }
}

fn reset(kiosk: &Kiosk) {
    STATE.with(|s| *s.borrow_mut() = State::default());
    let f = format(kiosk);
    // The example is a number of this kiosk's own (its id's digits, today, serial 1).
    let id = &kiosk.services().config.kiosk.id;
    let example_digits = format!(
        "{}{}0001",
        &id[f.letters().len()..],
        crate::clock::business_day(kiosk.services().clock.now(), kiosk.services().tz)
            .format("%Y%m%d")
    );
    kiosk.with_window(|w| {
        let a = w.global::<TrackAdapter>();
        a.set_letters(f.letters().into());
        a.set_digit_count(f.digit_count() as i32);
        a.set_example(f.shown(&example_digits).into());
        a.set_example_digits(example_digits.into());
        a.set_shown_number("".into());
        a.set_error("".into());
        a.set_busy(false);
        a.set_holder("".into());
        a.set_offline(false);
    });
}

fn format(kiosk: &Kiosk) -> NumberFormat {
    NumberFormat::for_kiosk(&kiosk.services().config.kiosk.id)
}

fn online_timeout(kiosk: &Kiosk) -> Duration {
    Duration::from_millis(kiosk.services().config.appointments.online_timeout_ms)
}

fn show_digits(kiosk: &Kiosk) {
    let shown = STATE.with(|s| format(kiosk).shown(&s.borrow().digits));
    kiosk.with_window(|w| {
        let a = w.global::<TrackAdapter>();
        a.set_shown_number(shown.into());
        a.set_error("".into());
    });
}

/// "刷身份证查询": the card, then the citizen's applications.
fn with_card(kiosk: &Kiosk) {
    identity::request(
        kiosk,
        Request {
            purpose: "track",
            step: 1,
            step_count: 2,
            accept_expired: true,
            then: Box::new(look_up_card),
        },
    );
}

fn look_up_card(kiosk: &Kiosk) {
    let Some((citizen_ref, holder)) = kiosk
        .session()
        .identity
        .as_ref()
        .map(|i| (i.citizen_ref.clone(), i.masked_name()))
    else {
        return;
    };
    kiosk.with_window(|w| {
        let a = w.global::<TrackAdapter>();
        a.set_holder(holder.into());
        a.set_busy(true);
    });
    let r = citizen_ref.clone();
    let answer = kiosk
        .services()
        .gateway
        .request(online_timeout(kiosk), move |client| async move {
            client.citizen_applications(&r).await
        });
    kiosk.when_ready(answer, move |kiosk, answer| {
        let local = kiosk
            .services()
            .store()
            .applications_of(&citizen_ref)
            .unwrap_or_else(|e| {
                tracing::error!("applications unreadable: {e}");
                Vec::new()
            });
        let (found, offline) = match answer {
            Answer::Online(list) => {
                remember(kiosk, &list.applications);
                (tracked::merge(&list.applications, &local), false)
            }
            Answer::Offline(why) => {
                tracing::info!("applications looked up without the platform: {why}");
                (local.iter().map(tracked::from_local).collect(), true)
            }
            Answer::Refused { status, .. } => {
                tracing::warn!(status, "application look-up refused");
                (local.iter().map(tracked::from_local).collect(), true)
            }
        };
        kiosk.with_window(|w| w.global::<TrackAdapter>().set_busy(false));
        show_found(kiosk, found, offline);
    });
}

/// "查询" on the keypad page.
fn find_typed(kiosk: &Kiosk) {
    let digits = STATE.with(|s| s.borrow().digits.clone());
    match format(kiosk).number(&digits) {
        Ok(number) => look_up_number(kiosk, number),
        Err(e) => kiosk.with_window(|w| {
            w.global::<TrackAdapter>().set_error(
                match e {
                    NumberError::Short => "short",
                    NumberError::NotADate => "date",
                }
                .into(),
            )
        }),
    }
}

fn look_up_number(kiosk: &Kiosk, number: String) {
    kiosk.with_window(|w| {
        let a = w.global::<TrackAdapter>();
        a.set_busy(true);
        a.set_error("".into());
    });
    let n = number.clone();
    let answer = kiosk
        .services()
        .gateway
        .request(online_timeout(kiosk), move |client| async move {
            client.application(&n).await
        });
    kiosk.when_ready(answer, move |kiosk, answer| {
        let local = kiosk
            .services()
            .store()
            .application_by_number(&number)
            .unwrap_or_else(|e| {
                tracing::error!("applications unreadable: {e}");
                None
            });
        let local: Vec<_> = local.into_iter().collect();
        kiosk.with_window(|w| w.global::<TrackAdapter>().set_busy(false));
        let (found, offline) = match answer {
            Answer::Online(list) => {
                let records: Vec<_> = list
                    .applications
                    .into_iter()
                    .filter(|r| r.application_no == number)
                    .collect();
                remember(kiosk, &records);
                (tracked::merge(&records, &local), false)
            }
            // The platform says no such number (404): only an application still in this kiosk's outbox.
            Answer::Refused { status, .. } => {
                tracing::info!(status, "application number look-up refused");
                (local.iter().map(tracked::from_local).collect(), false)
            }
            Answer::Offline(why) => {
                tracing::info!("application number looked up without the platform: {why}");
                (local.iter().map(tracked::from_local).collect(), true)
            }
        };
        if found.is_empty() {
            let why = if offline { "offline" } else { "unknown" };
            kiosk.with_window(|w| w.global::<TrackAdapter>().set_error(why.into()));
            if !kiosk.page().starts_with("track.number") {
                kiosk.go(NUMBER);
            }
            return;
        }
        show_found(kiosk, found, offline);
    });
}

/// Keep what the platform said of the applications this kiosk took (shown when it is offline next time).
fn remember(kiosk: &Kiosk, records: &[sanban_wire::ApplicationRecord]) {
    let store = kiosk.services().store();
    for r in records {
        let at = r
            .history
            .last()
            .map(|h| h.at.clone())
            .unwrap_or_else(|| r.submitted_at.clone());
        if let Err(e) = store.record_application_status(&r.application_no, r.status, &at) {
            tracing::warn!("status of an application not kept: {e}");
        }
    }
}

/// The list (one application: straight to it).
fn show_found(kiosk: &Kiosk, found: Vec<Tracked>, offline: bool) {
    let items: Vec<TrackItem> = found.iter().map(|t| item(kiosk, t)).collect();
    let only = (found.len() == 1).then(|| found[0].number.clone());
    STATE.with(|s| s.borrow_mut().found = found);
    kiosk.with_window(|w| {
        let a = w.global::<TrackAdapter>();
        a.set_items(ModelRc::new(VecModel::from(items)));
        a.set_offline(offline);
    });
    match only {
        Some(number) => open(kiosk, &number),
        None => kiosk.go(LIST),
    }
}

/// One application's page.
fn open(kiosk: &Kiosk, number: &str) {
    let Some(t) = STATE.with(|s| {
        s.borrow()
            .found
            .iter()
            .find(|t| t.number == number)
            .cloned()
    }) else {
        return;
    };
    let lang = kiosk.session().lang;
    let tz = kiosk.services().tz;
    let material_name = |name: &str| -> String {
        if lang == Lang::En {
            if let Ok(Some(s)) = kiosk.services().store().catalog_service(&t.service) {
                if let Some(m) = s.materials.iter().find(|m| m.name == name) {
                    if !m.name_en.is_empty() {
                        return m.name_en.clone();
                    }
                }
            }
        }
        name.to_string()
    };
    let history: Vec<TrackStep> = t
        .history
        .iter()
        .map(|h| TrackStep {
            status: h.status.code().into(),
            at: local_time(&h.at, tz).into(),
            note: h.note.clone().unwrap_or_default().into(),
        })
        .collect();
    let owed: Vec<TrackOwed> = t
        .owed
        .iter()
        .map(|m| TrackOwed {
            name: material_name(&m.name).into(),
            due: m.due.clone().into(),
        })
        .collect();
    let current = item(kiosk, &t);
    kiosk.with_window(|w| {
        let a = w.global::<TrackAdapter>();
        a.set_current(current);
        a.set_history(ModelRc::new(VecModel::from(history)));
        a.set_owed(ModelRc::new(VecModel::from(owed)));
    });
    kiosk.go(DETAIL);
}

/// `2026-11-30 10:02` in the hall's time zone (the text as given if it is no RFC 3339 time).
fn local_time(at: &str, tz: chrono_tz::Tz) -> String {
    DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| at.to_string())
}

fn local_date(at: &str, tz: chrono_tz::Tz) -> String {
    DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| at.chars().take(10).collect())
}

fn item(kiosk: &Kiosk, t: &Tracked) -> TrackItem {
    let lang = kiosk.session().lang;
    let services = kiosk.services();
    let service = services.store().catalog_service(&t.service).ok().flatten();
    let (name, department) = match &service {
        Some(s) => (
            lang.pick(&s.name_zh, &s.name_en).to_string(),
            lang.pick(&s.department, &s.department_en).to_string(),
        ),
        None => (t.service.clone(), String::new()),
    };
    let hall = services.config.kiosk.hall_in(lang);
    TrackItem {
        number: t.number.clone().into(),
        service: name.into(),
        submitted: local_date(&t.submitted_at, services.tz).into(),
        status: t.status_code().into(),
        promised_by: t
            .promised_by
            .map(|d| d.to_string())
            .unwrap_or_default()
            .into(),
        bring_to: if department.is_empty() {
            hall.to_string()
        } else {
            format!("{hall} · {department}")
        }
        .into(),
        note: t.current_note().unwrap_or_default().into(),
    }
}

/// The previews: sample applications of the built-in catalog (fictional numbers).
fn show_preview(kiosk: &Kiosk, preview: &str) -> anyhow::Result<()> {
    use sanban_wire::{ApplicationStatus as S, DeferredMaterial, StatusChange};
    reset(kiosk);
    let step = |status, at: &str, note: Option<&str>| StatusChange {
        status,
        at: at.into(),
        note: note.map(str::to_string),
    };
    let eco = Tracked {
        number: "K01-20261130-0001".into(),
        service: "ECO-01".into(),
        submitted_at: "2026-11-30T02:02:00Z".into(),
        status: Some(S::MaterialsRequested),
        history: vec![
            step(S::Received, "2026-11-30T02:05:00Z", None),
            step(S::InReview, "2026-11-30T06:30:00Z", None),
            step(
                S::MaterialsRequested,
                "2026-12-01T07:40:00Z",
                Some("住所使用证明须提交原件"),
            ),
        ],
        owed: vec![DeferredMaterial {
            name: "住所使用相关文件(房屋租赁合同或产权证明)".into(),
            due: "2026-12-07".into(),
        }],
        promised_by: "2026-12-01".parse().ok(),
    };
    let pickup = Tracked {
        number: "K02-20261102-0007".into(),
        status: Some(S::ReadyForPickup),
        history: vec![
            step(S::Received, "2026-11-02T01:00:00Z", None),
            step(S::Approved, "2026-11-05T08:00:00Z", None),
            step(S::ReadyForPickup, "2026-11-06T02:00:00Z", None),
        ],
        owed: Vec::new(),
        promised_by: None,
        submitted_at: "2026-11-02T01:00:00Z".into(),
        ..eco.clone()
    };
    let here = Tracked {
        status: None,
        history: Vec::new(),
        ..eco.clone()
    };
    let page = preview.split('#').next().unwrap_or(preview);
    let variant = preview.split('#').nth(1).unwrap_or("");
    match page {
        NUMBER => {
            kiosk.go(NUMBER);
            let f = format(kiosk);
            STATE.with(|s| {
                let mut s = s.borrow_mut();
                for d in "0120261130000".chars() {
                    f.push(&mut s.digits, &d.to_string());
                }
            });
            show_digits(kiosk);
            kiosk.with_window(|w| w.global::<TrackAdapter>().set_error(variant.into()));
        }
        LIST | DETAIL => {
            kiosk.with_window(|w| w.global::<TrackAdapter>().set_holder("张*".into()));
            let offline = variant == "offline";
            let found = if offline {
                vec![here]
            } else {
                vec![eco, pickup.clone()]
            };
            let items: Vec<TrackItem> = found.iter().map(|t| item(kiosk, t)).collect();
            STATE.with(|s| s.borrow_mut().found = found);
            kiosk.with_window(|w| {
                let a = w.global::<TrackAdapter>();
                a.set_items(ModelRc::new(VecModel::from(items)));
                a.set_offline(offline);
            });
            if page == LIST {
                kiosk.go(LIST);
            } else if variant == "pickup" {
                open(kiosk, &pickup.number);
            } else {
                open(kiosk, "K01-20261130-0001");
            }
        }
        other => anyhow::bail!("no 办件查询 preview {other:?}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sanban_wire::ApplicationStatus;

    /// The English the .po gives `msgid`.
    fn english(po: &str, msgid: &str) -> Option<String> {
        let key = format!("msgid \"{msgid}\"\nmsgstr \"");
        let start = po.find(&key)? + key.len();
        let end = po[start..].find("\"\n")?;
        Some(po[start..start + end].to_string())
    }

    #[test]
    fn statuses_read_as_the_platform_labels_them_in_both_languages() {
        let po = include_str!("../../../../ui/translations/en/LC_MESSAGES/sanban-kiosk.po");
        let pages = include_str!("../../../../ui/flows/track/track-adapter.slint");
        for s in ApplicationStatus::ALL {
            assert!(
                pages.contains(&format!(
                    "if code == \"{}\" {{ return @tr(\"{}\"); }}",
                    s.code(),
                    s.label_zh()
                )),
                "{} is shown as {}",
                s.code(),
                s.label_zh()
            );
            assert_eq!(
                english(po, s.label_zh()).as_deref(),
                Some(s.label_en()),
                "{}",
                s.code()
            );
        }
    }
}
