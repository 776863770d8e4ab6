//! 存件, the staff's side of the locker: choose a free door, scan or type the document's number, the door opens,
//! put the document in and shut it — then the platform is told (`locker.deposited`) and sends the citizen a code.
//! The same journal as a pickup guards the door: the deposit is written before the lock is fired, so a door is
//! never handed out twice and a restart in between leaves the door held for a look, not silently free. The staff
//! page also lists documents waiting too long (overdue) and those held for the staff.
//!
//! Entered by a staff action: [`start_staff_deposit`] (the maintenance menu; `sanban-kiosk locker deposit` does the
//! same from a technician's shell).

use std::cell::RefCell;

use sanban_hardware::locker::OpenOutcome;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::{with_session, DEPOSIT_DOOR, DEPOSIT_NUMBER, DEPOSIT_OPEN, STAFF};
use crate::app::Kiosk;
use crate::store::pickups::{Opening, PickupState};
use crate::store::StoreError;
use crate::ui::{DocumentItem, PickupAdapter, PickupDoorState};

/// The longest document number kept.
const NUMBER_MAX: usize = crate::store::pickups::DOCUMENT_NO_MAX;

thread_local! {
    /// Deposits whose door is open, waiting for it to be shut (kept across sessions: staff walk away too).
    static AWAITING: RefCell<Vec<Opening>> = const { RefCell::new(Vec::new()) };
}

/// The staff's locker page: "存入文件", the documents held for the staff and those overdue.
pub fn start_staff_deposit(kiosk: &Kiosk) {
    refresh_lists(kiosk);
    kiosk.go(STAFF);
}

/// "结束": the staff page again, its lists brought up to date.
pub(super) fn finished(kiosk: &Kiosk) {
    refresh_lists(kiosk);
    kiosk.return_to(STAFF);
}

pub(super) fn wire(kiosk: &Kiosk, a: &PickupAdapter) {
    let k = kiosk.clone();
    a.on_start_deposit(move || {
        show_free_doors(&k);
        k.go(DEPOSIT_DOOR);
    });
    let k = kiosk.clone();
    a.on_choose_door(move |door| {
        let door = u16::try_from(door).unwrap_or(0);
        with_session(|s| {
            s.deposit_door = door;
            s.deposit_number.clear();
        });
        k.with_window(|w| {
            let a = w.global::<PickupAdapter>();
            a.set_deposit_door(door.into());
            a.set_deposit_number("".into());
            a.set_deposit_error("".into());
        });
        k.go(DEPOSIT_NUMBER);
    });
    let k = kiosk.clone();
    a.on_number_key(move |key| {
        edit(&k, |n| {
            if n.chars().count() < NUMBER_MAX && key.chars().all(|c| c.is_ascii_alphanumeric()) {
                n.push_str(&key.to_ascii_uppercase());
            }
        })
    });
    let k = kiosk.clone();
    a.on_number_erase(move || {
        edit(&k, |n| {
            n.pop();
        })
    });
    let k = kiosk.clone();
    a.on_number_clear(move || edit(&k, |n| n.clear()));
    let k = kiosk.clone();
    a.on_open_deposit(move || open(&k));
    let k = kiosk.clone();
    a.on_deposit_closed(move || {
        let door = with_session(|s| s.deposit_door);
        door_closed(&k, door);
    });
    let k = kiosk.clone();
    a.on_deposit_another(move || {
        show_free_doors(&k);
        k.go(DEPOSIT_DOOR);
    });
}

fn edit(kiosk: &Kiosk, f: impl FnOnce(&mut String)) {
    let number = with_session(|s| {
        f(&mut s.deposit_number);
        s.deposit_number.clone()
    });
    kiosk.with_window(|w| {
        w.global::<PickupAdapter>()
            .set_deposit_number(number.into())
    });
}

fn items(kiosk: &Kiosk, docs: &[crate::store::pickups::LockerDocument]) -> ModelRc<DocumentItem> {
    let items: Vec<DocumentItem> = docs.iter().map(|d| super::item_of(kiosk, d)).collect();
    ModelRc::new(VecModel::from(items))
}

fn refresh_lists(kiosk: &Kiosk) {
    let services = kiosk.services();
    let days = services.config.pickup.overdue_days;
    let (overdue, held) = {
        let store = services.store();
        let overdue = store
            .overdue_pickups(services.clock.now(), days)
            .unwrap_or_default();
        let held: Vec<_> = store
            .locker_documents()
            .unwrap_or_default()
            .into_iter()
            .filter(|d| d.state == PickupState::Held)
            .collect();
        (overdue, held)
    };
    let (overdue, held) = (items(kiosk, &overdue), items(kiosk, &held));
    kiosk.with_window(|w| {
        let a = w.global::<PickupAdapter>();
        a.set_overdue(overdue);
        a.set_held(held);
        a.set_overdue_days(days as i32);
    });
}

fn show_free_doors(kiosk: &Kiosk) {
    let services = kiosk.services();
    let doors: Vec<i32> = services
        .store()
        .free_doors(services.devices.locker.doors())
        .unwrap_or_default()
        .into_iter()
        .map(i32::from)
        .collect();
    kiosk.with_window(|w| {
        w.global::<PickupAdapter>()
            .set_free_doors(ModelRc::new(VecModel::from(doors)))
    });
}

fn set_state(kiosk: &Kiosk, state: PickupDoorState, error: &str) {
    kiosk.with_window(|w| {
        let a = w.global::<PickupAdapter>();
        a.set_deposit_state(state);
        a.set_deposit_error(error.into());
    });
}

/// "开柜存件": journal the deposit (the door is taken), fire, and wait for the door to be shut.
fn open(kiosk: &Kiosk) {
    let (door, number) = with_session(|s| (s.deposit_door, s.deposit_number.clone()));
    if number.is_empty() || door == 0 {
        return;
    }
    let services = kiosk.services();
    let begun = services
        .store()
        .begin_deposit(door, &number, "", services.clock.now());
    let opening = match begun {
        Ok(o) => o,
        Err(StoreError::AlreadyDone(_)) => {
            show_free_doors(kiosk);
            kiosk.with_window(|w| {
                w.global::<PickupAdapter>()
                    .set_deposit_error("taken".into())
            });
            kiosk.go(DEPOSIT_DOOR);
            return;
        }
        Err(e) => {
            tracing::error!(door, "deposit not journalled, door not opened: {e}");
            kiosk.with_window(|w| {
                w.global::<PickupAdapter>()
                    .set_deposit_error("failed".into())
            });
            return;
        }
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    services.devices.locker.open(door, move |r| {
        let _ = tx.send(r);
    });
    tracing::info!(door, "staff deposit: opening locker door");
    set_state(kiosk, PickupDoorState::Opening, "");
    kiosk.go(DEPOSIT_OPEN);
    let k = kiosk.downgrade();
    let generation = kiosk.generation();
    let _ = slint::spawn_local(async move {
        let result = rx
            .await
            .unwrap_or_else(|_| Err("locker thread stopped".into()));
        let Some(kiosk) = k.upgrade() else { return };
        let here = kiosk.generation() == generation;
        let state = match result {
            Ok(d) if d.outcome != OpenOutcome::Jammed => {
                AWAITING.with(|a| a.borrow_mut().push(opening));
                if d.outcome == OpenOutcome::Opened {
                    PickupDoorState::Opened
                } else {
                    PickupDoorState::Unproven
                }
            }
            other => {
                let services = kiosk.services();
                if let Err(e) =
                    services
                        .store()
                        .fail_deposit(&opening, services.clock.now(), services.tz)
                {
                    tracing::error!(
                        door,
                        "failed deposit not recorded (settled at the next start): {e}"
                    );
                }
                services.poke_sync();
                if other.is_ok() {
                    PickupDoorState::Jammed
                } else {
                    PickupDoorState::Failed
                }
            }
        };
        if here {
            set_state(&kiosk, state, "");
        }
    });
}

/// A door shut again: if a deposit waited for it, the document is in — commit it and tell the platform.
pub(super) fn door_closed(kiosk: &Kiosk, door: u16) {
    let Some(opening) = AWAITING.with(|a| {
        let mut a = a.borrow_mut();
        let i = a.iter().position(|o| o.door == door)?;
        Some(a.remove(i))
    }) else {
        return;
    };
    let services = kiosk.services();
    let done = services
        .store()
        .finish_deposit(&opening, services.clock.now(), services.tz);
    let on_page = kiosk.page() == DEPOSIT_OPEN && with_session(|s| s.deposit_door) == door;
    match done {
        Ok(c) => {
            tracing::info!(door, seq = c.outbox_seq, "staff deposit done");
            services.poke_sync();
            if on_page {
                set_state(kiosk, PickupDoorState::Closed, "");
            }
        }
        Err(e) => {
            tracing::error!(
                door,
                "deposit not recorded (settled at the next start): {e}"
            );
            if on_page {
                set_state(kiosk, PickupDoorState::Closed, "failed");
            }
        }
    }
}
