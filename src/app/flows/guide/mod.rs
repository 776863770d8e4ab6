//! 办事指南 / 一次性告知书: find a service (pinyin initials, full pinyin, keyword chips, or browsing by window
//! category and department), read its guide in plain words, print its one-time notice, go on to take a ticket (or
//! to the flows a service's guide offers: 预约, 申办).

mod notice;
mod search;
mod view;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use slint::{ComponentHandle, ModelRc, VecModel};

use super::{Flow, PageSpec, Preview, TileSpec};
use crate::app::Kiosk;
use crate::lang::Lang;
use crate::ui::{AppWindow, GuideAdapter, ServiceItem};
pub use search::GuideIndex;

pub const SEARCH: &str = "guide.search";
pub const BROWSE: &str = "guide.browse";
pub const LIST: &str = "guide.list";
pub const DETAIL: &str = "guide.detail";

/// The most letters a query keeps (longer input means a wrong key somewhere).
const MAX_QUERY: usize = 24;

/// The guide's state on the UI thread: the index (rebuilt when the catalog changes) and what the citizen is doing.
#[derive(Default)]
struct State {
    index: Option<Rc<GuideIndex>>,
    /// The service on the detail page, with the catalog version it was read from.
    open: Option<(sanban_wire::Service, u64)>,
    /// Watches the catalog version while a guide is open.
    watch: Option<slint::Timer>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

pub struct Guide;

impl Flow for Guide {
    fn name(&self) -> &'static str {
        "guide"
    }

    fn pages(&self) -> &'static [PageSpec] {
        const PAGES: [PageSpec; 4] = [
            PageSpec::new(SEARCH),
            PageSpec::new(BROWSE),
            PageSpec::new(LIST),
            PageSpec::new(DETAIL),
        ];
        &PAGES
    }

    fn tiles(&self) -> &'static [TileSpec] {
        &[TileSpec {
            code: "guide",
            primary: false,
        }]
    }

    fn wire(&self, kiosk: &Kiosk) {
        let Some(w) = kiosk.window() else { return };
        let a = w.global::<GuideAdapter>();
        let k = kiosk.clone();
        a.on_key(move |key| {
            let Some(w) = k.window() else { return };
            let a = w.global::<GuideAdapter>();
            let mut q = a.get_query().to_string();
            if q.chars().count() < MAX_QUERY {
                q.push_str(&key);
            }
            a.set_chip("".into());
            a.set_query(q.clone().into());
            show_results(&k, &q);
        });
        let k = kiosk.clone();
        a.on_erase(move || {
            let Some(w) = k.window() else { return };
            let a = w.global::<GuideAdapter>();
            let mut q = a.get_query().to_string();
            q.pop();
            a.set_query(q.clone().into());
            show_results(&k, &q);
        });
        let k = kiosk.clone();
        a.on_clear(move || {
            k.with_window(|w| {
                let a = w.global::<GuideAdapter>();
                a.set_query("".into());
                a.set_chip("".into());
            });
            show_results(&k, "");
        });
        let k = kiosk.clone();
        a.on_pick_chip(move |chip| {
            k.with_window(|w| {
                let a = w.global::<GuideAdapter>();
                a.set_query("".into());
                a.set_chip(chip.clone());
            });
            show_results(&k, &chip);
        });
        let k = kiosk.clone();
        a.on_browse(move || {
            let index = index(&k);
            let lang = k.session().lang;
            let departments = index.departments();
            let keys: Vec<slint::SharedString> = departments
                .iter()
                .map(|(zh, _)| zh.as_str().into())
                .collect();
            let names: Vec<slint::SharedString> = departments
                .iter()
                .map(|(zh, en)| pick(lang, zh, en).into())
                .collect();
            k.with_window(|w| {
                let a = w.global::<GuideAdapter>();
                a.set_departments(ModelRc::new(VecModel::from(names)));
                a.set_department_keys(ModelRc::new(VecModel::from(keys)));
            });
            k.go(BROWSE);
        });
        let k = kiosk.clone();
        a.on_browse_category(move |code| {
            let index = index(&k);
            let items = items(&k, index.in_category(&code));
            k.with_window(|w| {
                let a = w.global::<GuideAdapter>();
                a.set_list_category(code.clone());
                a.set_list_title("".into());
                a.set_listed(ModelRc::new(VecModel::from(items)));
            });
            k.go(LIST);
        });
        let k = kiosk.clone();
        a.on_browse_department(move |department| {
            let index = index(&k);
            let lang = k.session().lang;
            let title = index
                .departments()
                .into_iter()
                .find(|(zh, _)| *zh == department.as_str())
                .map(|(zh, en)| pick(lang, &zh, &en).to_string())
                .unwrap_or_else(|| department.to_string());
            let items = items(&k, index.in_department(&department));
            k.with_window(|w| {
                let a = w.global::<GuideAdapter>();
                a.set_list_category("".into());
                a.set_list_title(title.into());
                a.set_listed(ModelRc::new(VecModel::from(items)));
            });
            k.go(LIST);
        });
        let k = kiosk.clone();
        a.on_open(move |id| {
            // Picking a service for another flow (预约): that flow takes it from here.
            let picking = k
                .window()
                .map(|w| w.global::<GuideAdapter>().get_pick_for().to_string())
                .unwrap_or_default();
            match super::all().iter().find(|f| f.name() == picking) {
                Some(flow) if !picking.is_empty() => flow.start_for_service(&k, &id),
                _ => open(&k, &id),
            }
        });
        let k = kiosk.clone();
        a.on_reload(move || {
            let id = STATE.with(|s| s.borrow().open.as_ref().map(|(s, _)| s.id.clone()));
            if let Some(id) = id {
                open(&k, &id);
            }
        });
        let k = kiosk.clone();
        a.on_print_notice(move || notice::print(&k, Instant::now()));
        let k = kiosk.clone();
        a.on_take_ticket(move || {
            let category =
                STATE.with(|s| s.borrow().open.as_ref().map(|(s, _)| s.category.clone()));
            if let Some(category) = category {
                super::ticket::take_ticket(&k, &category, Instant::now());
            }
        });
        let k = kiosk.clone();
        a.on_next_step(move |code| {
            let id = STATE.with(|s| s.borrow().open.as_ref().map(|(s, _)| s.clone()));
            let Some(service) = id else { return };
            if let Some(flow) = super::all()
                .iter()
                .find(|f| f.offer_for_service(&service) == Some(code.as_str()))
            {
                flow.start_for_service(&k, &service.id);
            }
        });
        watch_catalog(kiosk);
    }

    fn start(&self, kiosk: &Kiosk, _entry: &str) {
        let chips: Vec<slint::SharedString> = index(kiosk)
            .chips
            .iter()
            .map(|c| c.as_str().into())
            .collect();
        let (first, more) = chips.split_at(chips.len().min(search::CHIPS / 2));
        kiosk.with_window(|w| {
            let a = w.global::<GuideAdapter>();
            a.set_pick_for("".into());
            a.set_chips(ModelRc::new(VecModel::from(first.to_vec())));
            a.set_chips_more(ModelRc::new(VecModel::from(more.to_vec())));
        });
        show_results(kiosk, "");
        kiosk.go(SEARCH);
    }

    fn clear(&self, _kiosk: &Kiosk, window: &AppWindow) {
        STATE.with(|s| s.borrow_mut().open = None);
        let a = window.global::<GuideAdapter>();
        a.set_query("".into());
        a.set_chip("".into());
        a.set_pick_for("".into());
        a.set_results(ModelRc::default());
        a.set_listed(ModelRc::default());
        a.set_notice_sent(false);
        a.set_notice_failed(false);
        a.set_outdated(false);
    }

    fn previews(&self) -> Vec<String> {
        vec![
            SEARCH.into(),
            format!("{SEARCH}#ylbx"),
            BROWSE.into(),
            LIST.into(),
            DETAIL.into(),
            format!("{DETAIL}#printed-outdated"),
        ]
    }

    fn preview<'a>(&'a self, kiosk: &'a Kiosk, preview: &'a str) -> Preview<'a> {
        Box::pin(async move {
            let window = kiosk.window().ok_or_else(|| anyhow::anyhow!("no window"))?;
            let a = window.global::<GuideAdapter>();
            match preview {
                SEARCH => self.start(kiosk, ""),
                "guide.search#ylbx" => {
                    self.start(kiosk, "");
                    for k in ["y", "l", "b", "x"] {
                        a.invoke_key(k.into());
                    }
                }
                BROWSE => {
                    self.start(kiosk, "");
                    a.invoke_browse();
                }
                LIST => {
                    self.start(kiosk, "");
                    a.invoke_browse_category("economy".into());
                }
                DETAIL | "guide.detail#printed-outdated" => {
                    self.start(kiosk, "");
                    let id = index(kiosk)
                        .services
                        .iter()
                        .find(|s| s.kiosk_submittable && s.bookable)
                        .map(|s| s.id.clone())
                        .ok_or_else(|| anyhow::anyhow!("the catalog has no service to show"))?;
                    open(kiosk, &id);
                    if preview.ends_with("#printed-outdated") {
                        a.invoke_print_notice();
                        crate::headless::driver::wait_until(
                            &window,
                            "the notice's print outcome",
                            Duration::from_secs(10),
                            |w| {
                                w.global::<crate::ui::PrintAdapter>().get_state()
                                    != crate::ui::PrintState::Printing
                            },
                        )
                        .await?;
                        a.set_outdated(true);
                    }
                }
                other => anyhow::bail!("no guide preview {other:?}"),
            }
            Ok(())
        })
    }
}

/// The guide's search and browse pages as the first step of flow `flow`: tapping a service hands it to that
/// flow's [`Flow::start_for_service`] instead of opening its guide.
pub fn pick_service(kiosk: &Kiosk, flow: &str) {
    Guide.start(kiosk, "");
    kiosk.with_window(|w| w.global::<GuideAdapter>().set_pick_for(flow.into()));
}

/// The index of the catalog the kiosk holds now (rebuilt when its version changed).
fn index(kiosk: &Kiosk) -> Rc<GuideIndex> {
    let version = kiosk.services().store().catalog_version().unwrap_or(0);
    let cached = STATE.with(|s| s.borrow().index.clone());
    if let Some(index) = cached.filter(|i| i.version == version) {
        return index;
    }
    let services = kiosk
        .services()
        .store()
        .catalog_summaries()
        .unwrap_or_else(|e| {
            tracing::error!("catalog unreadable: {e}");
            Vec::new()
        });
    let index = Rc::new(GuideIndex::build(version, services));
    STATE.with(|s| s.borrow_mut().index = Some(index.clone()));
    index
}

fn items(kiosk: &Kiosk, services: Vec<&crate::store::catalog::ServiceSummary>) -> Vec<ServiceItem> {
    let lang = kiosk.session().lang;
    services.into_iter().map(|s| view::item(s, lang)).collect()
}

fn show_results(kiosk: &Kiosk, query: &str) {
    let index = index(kiosk);
    let results = items(kiosk, index.search(query));
    kiosk.with_window(|w| {
        w.global::<GuideAdapter>()
            .set_results(ModelRc::new(VecModel::from(results)))
    });
}

/// Show service `id`'s guide.
fn open(kiosk: &Kiosk, id: &str) {
    let (service, version) = {
        let store = kiosk.services().store();
        (
            store.catalog_service(id),
            store.catalog_version().unwrap_or(0),
        )
    };
    let service = match service {
        Ok(Some(s)) => s,
        Ok(None) => {
            tracing::warn!(service = id, "service no longer in the catalog");
            return;
        }
        Err(e) => {
            tracing::error!("catalog unreadable: {e}");
            return;
        }
    };
    let lang = kiosk.session().lang;
    let next: Vec<slint::SharedString> = super::all()
        .iter()
        .filter_map(|f| f.offer_for_service(&service))
        .map(Into::into)
        .collect();
    kiosk.with_window(|w| {
        let a = w.global::<GuideAdapter>();
        view::show(&a, &service, lang);
        a.set_next_steps(ModelRc::new(VecModel::from(next)));
        a.set_outdated(false);
        a.set_notice_sent(false);
        a.set_notice_failed(false);
    });
    STATE.with(|s| s.borrow_mut().open = Some((service, version)));
    kiosk.go(DETAIL);
}

/// A catalog update while a citizen reads a guide: the page keeps what they read and says it changed; the
/// notice, if printed, follows the new version.
fn watch_catalog(kiosk: &Kiosk) {
    let k = kiosk.downgrade();
    let timer = slint::Timer::default();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_secs(1),
        move || {
            let Some(kiosk) = k.upgrade() else { return };
            if kiosk.page() != DETAIL {
                return;
            }
            let read = STATE.with(|s| s.borrow().open.as_ref().map(|(_, v)| *v));
            let now = kiosk.services().store().catalog_version().unwrap_or(0);
            if read.is_some_and(|v| v != now) {
                kiosk.with_window(|w| w.global::<GuideAdapter>().set_outdated(true));
            }
        },
    );
    STATE.with(|s| s.borrow_mut().watch = Some(timer));
}

/// The language's pick of a catalog text that has both.
fn pick<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    if lang == Lang::En && !en.is_empty() {
        en
    } else {
        zh
    }
}
