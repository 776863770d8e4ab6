//! 取件: a citizen collects a document from the locker — by the pickup code that came by SMS, or by the ID card —
//! or has it posted free of charge (免费邮寄); the staff put documents in (存件) and see what waits too long. The
//! documents waiting here are the platform's list kept in the kiosk's store, so pickup works with the network down.
//!
//! - [`code`]: the keypad, checking a code against salted hashes, wrong codes and the lock-out;
//! - [`door`]: opening a door (journal, fire, prove, commit), the door events, settling an opening cut off by a
//!   restart;
//! - [`post`]: free post;
//! - [`address`]: free post's address, the card's or edited on the pinyin keyboard;
//! - [`deposit`]: the staff's pages ([`start_staff_deposit`]).

mod address;
mod code;
mod deposit;
mod door;
mod post;

use std::cell::RefCell;

use slint::{ComponentHandle, ModelRc, VecModel};

use super::{Flow, PageSpec, Preview, TileSpec};
use crate::app::Kiosk;
use crate::devices::DeviceKind;
use crate::lang::Lang;
use crate::store::pickups::LockerDocument;
use crate::ui::{AppWindow, DocumentItem, PickupAdapter, PickupDoorState};

pub use deposit::start_staff_deposit;

pub const START: &str = "pickup.start";
pub const CODE: &str = "pickup.code";
pub const DOCUMENTS: &str = "pickup.documents";
pub const DOCUMENT: &str = "pickup.document";
pub const DOOR: &str = "pickup.door";
pub const POST: &str = "pickup.post";
pub const ADDRESS: &str = "pickup.address";
pub const POSTED: &str = "pickup.posted";
pub const STAFF: &str = "pickup.staff";
pub const DEPOSIT_DOOR: &str = "pickup.deposit-door";
pub const DEPOSIT_NUMBER: &str = "pickup.deposit-number";
pub const DEPOSIT_OPEN: &str = "pickup.deposit-open";

/// How the citizen identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Method {
    #[default]
    Code,
    IdCard,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Code => "code",
            Method::IdCard => "idcard",
        }
    }
}

/// What this citizen is doing (UI thread only; wiped with the session).
#[derive(Default)]
struct Session {
    method: Method,
    code: String,
    /// The document chosen.
    chosen: Option<LockerDocument>,
    /// Free post: the mobile number typed.
    phone: String,
    /// Free post: the address to post to (the card's, or edited); "" when there is none.
    address: String,
    /// Free post: the address was edited on the keyboard (not the card's).
    address_edited: bool,
    /// Staff deposit: the door and the number typed.
    deposit_door: u16,
    deposit_number: String,
}

thread_local! {
    static SESSION: RefCell<Session> = RefCell::new(Session::default());
}

fn with_session<T>(f: impl FnOnce(&mut Session) -> T) -> T {
    SESSION.with(|s| f(&mut s.borrow_mut()))
}

pub struct Pickup;

impl Flow for Pickup {
    fn name(&self) -> &'static str {
        "pickup"
    }

    fn pages(&self) -> &'static [PageSpec] {
        const PAGES: [PageSpec; 12] = [
            PageSpec::new(START),
            PageSpec::new(CODE),
            PageSpec::new(DOCUMENTS),
            PageSpec::new(DOCUMENT),
            // Nothing to come back to once a door opened or a request was made.
            PageSpec::passing(DOOR),
            PageSpec::new(POST),
            PageSpec::new(ADDRESS),
            PageSpec::passing(POSTED),
            PageSpec::new(STAFF),
            PageSpec::new(DEPOSIT_DOOR),
            PageSpec::new(DEPOSIT_NUMBER),
            PageSpec::passing(DEPOSIT_OPEN),
        ];
        &PAGES
    }

    fn tiles(&self) -> &'static [TileSpec] {
        &[TileSpec {
            code: "pickup",
            primary: false,
        }]
    }

    /// Offered while the locker can open doors.
    fn tile_available(&self, kiosk: &Kiosk, _code: &str) -> bool {
        let services = kiosk.services();
        services.devices.locker.available()
            && crate::app::status::usable(services.devices.health.get(DeviceKind::Locker).state)
    }

    fn wire(&self, kiosk: &Kiosk) {
        let Some(w) = kiosk.window() else { return };
        let a = w.global::<PickupAdapter>();
        let k = kiosk.clone();
        a.on_with_code(move || code::start(&k));
        let k = kiosk.clone();
        a.on_with_card(move || {
            crate::app::flows::identity::request(
                &k,
                crate::app::flows::identity::Request {
                    purpose: "pickup",
                    step: 2,
                    step_count: 3,
                    accept_expired: true,
                    then: Box::new(show_citizens_documents),
                },
            )
        });
        code::wire(kiosk, &a);
        let k = kiosk.clone();
        a.on_choose(move |id| {
            let doc = k.services().store().locker_document(&id).ok().flatten();
            if let Some(doc) = doc {
                show_document(&k, doc);
            }
        });
        let k = kiosk.clone();
        a.on_open_door(move || {
            let chosen = with_session(|s| s.chosen.clone());
            if let Some(doc) = chosen {
                door::open(&k, doc);
            }
        });
        let k = kiosk.clone();
        a.on_next_document(move || show_citizens_documents(&k));
        post::wire(kiosk, &a);
        // The address page's keyboard (wiring it again replaces the same handlers).
        crate::app::pinyin::wire(kiosk);
        address::wire(kiosk, &a);
        deposit::wire(kiosk, &a);
        door::start(kiosk);
    }

    fn start(&self, kiosk: &Kiosk, _entry: &str) {
        code::refresh_lock(kiosk);
        kiosk.go(START);
    }

    fn leave(&self, kiosk: &Kiosk, page: &str) {
        if page == DOOR {
            door::print_pending_proof(kiosk);
        }
        // The address typed (personal) does not stay in the keyboard once its page is left.
        if page == ADDRESS {
            crate::app::pinyin::clear(kiosk);
        }
    }

    /// "结束" after a staff deposit: back to the staff page (the technician stays in maintenance mode).
    fn done(&self, kiosk: &Kiosk, page: &str) -> bool {
        if page != DEPOSIT_OPEN {
            return false;
        }
        deposit::finished(kiosk);
        true
    }

    fn clear(&self, kiosk: &Kiosk, window: &AppWindow) {
        SESSION.with(|s| *s.borrow_mut() = Session::default());
        crate::app::pinyin::clear(kiosk);
        let a = window.global::<PickupAdapter>();
        a.set_code("".into());
        a.set_code_error("".into());
        a.set_locked(false);
        a.set_documents(ModelRc::default());
        a.set_document(DocumentItem::default());
        a.set_holder("".into());
        a.set_method("".into());
        a.set_door_state(PickupDoorState::Opening);
        a.set_left_open(false);
        a.set_more(false);
        a.set_recipient("".into());
        a.set_address("".into());
        a.set_has_address(false);
        a.set_has_card_address(false);
        a.set_address_edited(false);
        a.set_address_error("".into());
        a.set_phone("".into());
        a.set_phone_invalid(false);
        a.set_post_error("".into());
        a.set_request_no("".into());
        a.set_overdue(ModelRc::default());
        a.set_held(ModelRc::default());
        a.set_free_doors(ModelRc::default());
        a.set_deposit_door(0);
        a.set_deposit_number("".into());
        a.set_deposit_state(PickupDoorState::Opening);
        a.set_deposit_error("".into());
        crate::app::printing::clear(window);
    }

    fn previews(&self) -> Vec<String> {
        vec![
            START.into(),
            CODE.into(),
            format!("{CODE}#wrong"),
            format!("{CODE}#locked"),
            DOCUMENTS.into(),
            DOCUMENT.into(),
            DOOR.into(),
            format!("{DOOR}#closed"),
            format!("{DOOR}#jammed"),
            format!("{DOOR}#left-open"),
            POST.into(),
            format!("{POST}#no-address"),
            format!("{POST}#edited"),
            ADDRESS.into(),
            format!("{ADDRESS}#short"),
            POSTED.into(),
            STAFF.into(),
            DEPOSIT_DOOR.into(),
            DEPOSIT_NUMBER.into(),
            DEPOSIT_OPEN.into(),
        ]
    }

    fn preview<'a>(&'a self, kiosk: &'a Kiosk, preview: &'a str) -> Preview<'a> {
        Box::pin(async move {
            let window = kiosk.window().ok_or_else(|| anyhow::anyhow!("no window"))?;
            let a = window.global::<PickupAdapter>();
            let (page, variant) = preview.split_once('#').unwrap_or((preview, ""));
            let sample = |id: &str, name: &str, door: u16, postable: bool| {
                let mut item = item_of(
                    kiosk,
                    &LockerDocument {
                        pickup_id: id.into(),
                        door,
                        document: name.into(),
                        document_en: String::new(),
                        document_no: Some(format!("HN2026{door:05}")),
                        citizen_ref: None,
                        holder: "张*".into(),
                        postable,
                        deposited_at: chrono::Utc::now() - chrono::Duration::days(9),
                        state: crate::store::pickups::PickupState::Waiting,
                        hold_reason: None,
                    },
                );
                item.days = 9;
                item
            };
            let licence = sample("p1", "营业执照", 3, true);
            let deed = sample("p2", "不动产权证书", 7, false);
            a.set_document(licence.clone());
            a.set_holder("张*".into());
            a.set_documents(ModelRc::new(VecModel::from(vec![
                licence.clone(),
                deed.clone(),
            ])));
            match (page, variant) {
                (START, _) => {}
                (CODE, v) => {
                    a.set_code(if v.is_empty() {
                        "4829".into()
                    } else {
                        "".into()
                    });
                    a.set_tries_left(2);
                    a.set_locked_until("10:42".into());
                    a.set_locked(v == "locked");
                    a.set_code_error(v.into());
                }
                (DOOR, v) => {
                    a.set_door_state(match v {
                        "closed" => PickupDoorState::Closed,
                        "jammed" => PickupDoorState::Jammed,
                        _ => PickupDoorState::Opened,
                    });
                    a.set_left_open(v == "left-open");
                    a.set_more(v == "closed");
                    if v == "closed" || v == "jammed" {
                        window
                            .global::<crate::ui::PrintAdapter>()
                            .set_state(crate::ui::PrintState::Printed);
                    }
                }
                (POST, v) => {
                    a.set_recipient("张*".into());
                    a.set_phone("138".into());
                    a.set_has_card_address(v != "no-address");
                    a.set_address_edited(v == "edited");
                    if v == "no-address" {
                        a.set_address("".into());
                        a.set_has_address(false);
                        a.set_post_error("no-address".into());
                    } else {
                        a.set_address("湖北省武汉市****".into());
                        a.set_has_address(true);
                    }
                }
                (ADDRESS, v) => {
                    a.set_has_card_address(true);
                    let typed = if v == "short" {
                        "3栋2单元501"
                    } else {
                        "湖北省武汉市汉南区纱帽街汉南大道88号3栋2单元501"
                    };
                    crate::app::pinyin::begin(kiosk, typed, address::MAX_CHARS);
                    if v == "short" {
                        a.set_address_error("short".into());
                    } else {
                        // The letters being composed, and their candidates.
                        let pinyin = window.global::<crate::ui::PinyinAdapter>();
                        pinyin.invoke_key("s".into());
                        pinyin.invoke_key("h".into());
                        pinyin.invoke_key("i".into());
                    }
                }
                (POSTED, _) => {
                    a.set_recipient("张*".into());
                    a.set_request_no("YJ-7C4D9E10AB".into());
                    window
                        .global::<crate::ui::PrintAdapter>()
                        .set_state(crate::ui::PrintState::Printed);
                }
                (STAFF, _) => {
                    a.set_overdue(ModelRc::new(VecModel::from(vec![licence.clone(), deed])));
                    a.set_held(ModelRc::new(VecModel::from(vec![licence])));
                    a.set_overdue_days(7);
                }
                (DEPOSIT_DOOR, _) => {
                    let doors: Vec<i32> = vec![1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16];
                    a.set_free_doors(ModelRc::new(VecModel::from(doors)));
                }
                (DEPOSIT_NUMBER, _) => {
                    a.set_deposit_door(5);
                    a.set_deposit_number("HN202611280017".into());
                }
                (DEPOSIT_OPEN, _) => {
                    a.set_deposit_door(5);
                    a.set_deposit_number("HN202611280017".into());
                    a.set_deposit_state(PickupDoorState::Opened);
                }
                _ => {}
            }
            kiosk.go(page);
            Ok(())
        })
    }
}

/// The documents waiting for the card's holder: one goes straight to its page, several are listed.
fn show_citizens_documents(kiosk: &Kiosk) {
    let Some((citizen_ref, holder)) = kiosk
        .session()
        .identity
        .as_ref()
        .map(|id| (id.citizen_ref.clone(), id.masked_name()))
    else {
        kiosk.home();
        return;
    };
    with_session(|s| s.method = Method::IdCard);
    let docs = kiosk
        .services()
        .store()
        .pickups_for_citizen(&citizen_ref)
        .unwrap_or_else(|e| {
            tracing::error!("pickups unreadable: {e}");
            Vec::new()
        });
    let items: Vec<DocumentItem> = docs.iter().map(|d| item_of(kiosk, d)).collect();
    kiosk.with_window(|w| {
        let a = w.global::<PickupAdapter>();
        a.set_holder(holder.into());
        a.set_method("idcard".into());
        a.set_documents(ModelRc::new(VecModel::from(items)));
    });
    match docs.len() {
        1 => show_document(kiosk, docs.into_iter().next().expect("one")),
        _ => kiosk.go(DOCUMENTS),
    }
}

/// A document's page: open its door, or (when it may be posted) have it posted.
fn show_document(kiosk: &Kiosk, doc: LockerDocument) {
    let item = item_of(kiosk, &doc);
    with_session(|s| s.chosen = Some(doc));
    kiosk.with_window(|w| w.global::<PickupAdapter>().set_document(item));
    kiosk.go(DOCUMENT);
}

/// A document as the pages show it, in the session's language.
fn item_of(kiosk: &Kiosk, d: &LockerDocument) -> DocumentItem {
    let services = kiosk.services();
    let lang = kiosk.session().lang;
    let now = services.clock.now();
    DocumentItem {
        id: d.pickup_id.clone().into(),
        name: if lang == Lang::En && !d.document_en.is_empty() {
            d.document_en.clone()
        } else {
            d.document.clone()
        }
        .into(),
        door: d.door.into(),
        place: place_of(&services.config.devices, d.door, lang).into(),
        since: d
            .deposited_at
            .with_timezone(&services.tz)
            .format("%Y-%m-%d")
            .to_string()
            .into(),
        postable: d.postable,
        days: (now - d.deposited_at).num_days().max(0) as i32,
        number: d.document_no.clone().unwrap_or_default().into(),
    }
}

/// Where door `door` is: its board's cabinet, then its row and column (doors numbered left to right, top to
/// bottom, `columns` to a row).
pub fn place_of(devices: &crate::config::DevicesConfig, door: u16, lang: Lang) -> String {
    let mut first = 1u16;
    for b in &devices.locker_boards {
        if door < first + b.doors {
            let i = door - first;
            let (row, col) = (i / b.columns.max(1) + 1, i % b.columns.max(1) + 1);
            return match lang {
                Lang::Zh => format!("{} · 第 {row} 排第 {col} 列", b.place),
                Lang::En => format!(
                    "{}, row {row}, column {col}",
                    if b.place_en.is_empty() {
                        &b.place
                    } else {
                        &b.place_en
                    }
                ),
            };
        }
        first += b.doors;
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DevicesConfig, LockerBoardConfig};

    #[test]
    fn a_door_is_placed_by_its_board_row_and_column() {
        let devices = DevicesConfig {
            locker_boards: vec![
                LockerBoardConfig {
                    address: 1,
                    doors: 16,
                    place: "左侧柜".into(),
                    place_en: "left cabinet".into(),
                    columns: 4,
                },
                LockerBoardConfig {
                    address: 2,
                    doors: 8,
                    place: "右侧柜".into(),
                    place_en: String::new(),
                    columns: 2,
                },
            ],
            ..DevicesConfig::default()
        };
        assert_eq!(place_of(&devices, 1, Lang::Zh), "左侧柜 · 第 1 排第 1 列");
        assert_eq!(place_of(&devices, 7, Lang::Zh), "左侧柜 · 第 2 排第 3 列");
        assert_eq!(place_of(&devices, 17, Lang::Zh), "右侧柜 · 第 1 排第 1 列");
        assert_eq!(place_of(&devices, 20, Lang::En), "右侧柜, row 2, column 2");
        assert_eq!(
            place_of(&devices, 5, Lang::En),
            "left cabinet, row 2, column 1"
        );
        assert_eq!(place_of(&devices, 25, Lang::Zh), "");
    }
}
