//! 免费邮寄 (seed item 15): a document that may be posted is sent to the citizen instead of collected. The
//! recipient comes from the ID card (read now if the citizen came with a code), the address too unless the citizen
//! edits it ([`super::address`]); the citizen types a mobile number and confirms. The request goes out through the outbox (the address only there: personal data);
//! the document stays in its door for the staff, and the receipt shows the recipient masked.

use std::time::Instant;

use sanban_wire::PostalAddress;
use slint::ComponentHandle;

use super::{with_session, POST, POSTED};
use crate::app::Kiosk;
use crate::receipts::pickup::{self as slips, mask_address, mask_phone, DocumentLine, PostLine};
use crate::store::{PrintJob, StoreError, Subject};
use crate::ui::PickupAdapter;

/// Digits of a mobile number.
const PHONE_DIGITS: usize = 11;

pub(super) fn wire(kiosk: &Kiosk, a: &PickupAdapter) {
    let k = kiosk.clone();
    a.on_post(move || {
        if k.session().identity.is_some() {
            show(&k);
            return;
        }
        crate::app::flows::identity::request(
            &k,
            crate::app::flows::identity::Request {
                purpose: "post",
                step: 2,
                step_count: 4,
                accept_expired: true,
                then: Box::new(show),
            },
        );
    });
    let k = kiosk.clone();
    a.on_phone_key(move |key| {
        edit(&k, |p| {
            if p.len() < PHONE_DIGITS && key.chars().all(|c| c.is_ascii_digit()) {
                p.push_str(&key);
            }
        })
    });
    let k = kiosk.clone();
    a.on_phone_erase(move || {
        edit(&k, |p| {
            p.pop();
        })
    });
    let k = kiosk.clone();
    a.on_phone_clear(move || edit(&k, |p| p.clear()));
    let k = kiosk.clone();
    a.on_confirm_post(move || confirm(&k, Instant::now()));
}

/// A mobile number: 11 digits, starting 13–19.
pub fn is_mobile(phone: &str) -> bool {
    phone.len() == PHONE_DIGITS
        && phone.bytes().all(|b| b.is_ascii_digit())
        && phone.starts_with('1')
        && matches!(phone.as_bytes()[1], b'3'..=b'9')
}

fn edit(kiosk: &Kiosk, f: impl FnOnce(&mut String)) {
    let (phone, no_address) = with_session(|s| {
        f(&mut s.phone);
        (s.phone.clone(), s.address.is_empty())
    });
    kiosk.with_window(|w| {
        let a = w.global::<PickupAdapter>();
        a.set_phone(phone.into());
        a.set_phone_invalid(false);
        a.set_post_error(if no_address { "no-address" } else { "" }.into());
    });
}

/// The post page: the recipient (masked) from the card in the session, and the card's address (masked; "修改地址"
/// shows it in full to edit).
fn show(kiosk: &Kiosk) {
    let Some(holder) = kiosk.session().identity.as_ref().map(|id| id.masked_name()) else {
        kiosk.home();
        return;
    };
    let address = super::address::card_address(kiosk);
    let no_address = address.is_empty();
    with_session(|s| {
        s.phone.clear();
        s.address = address;
        s.address_edited = false;
    });
    super::address::show(kiosk);
    kiosk.with_window(|w| {
        let a = w.global::<PickupAdapter>();
        a.set_recipient(holder.into());
        a.set_post_error(if no_address { "no-address" } else { "" }.into());
        a.set_phone("".into());
        a.set_phone_invalid(false);
    });
    kiosk.go(POST);
}

/// "确认邮寄".
fn confirm(kiosk: &Kiosk, tapped_at: Instant) {
    let phone = with_session(|s| s.phone.clone());
    if !is_mobile(&phone) {
        kiosk.with_window(|w| w.global::<PickupAdapter>().set_phone_invalid(true));
        return;
    }
    let Some(doc) = with_session(|s| s.chosen.clone()) else {
        kiosk.home();
        return;
    };
    // The address the citizen confirmed on this page: the card's, or the one they edited (checked when typed).
    let address = with_session(|s| s.address.clone());
    let Some((name, masked_name, citizen_ref)) = kiosk
        .session()
        .identity
        .as_ref()
        .filter(|_| !address.is_empty())
        .map(|id| {
            (
                id.full().name().to_string(),
                id.masked_name(),
                id.citizen_ref.clone(),
            )
        })
    else {
        kiosk.with_window(|w| {
            w.global::<PickupAdapter>()
                .set_post_error("no-address".into())
        });
        return;
    };
    let request_id = uuid::Uuid::now_v7();
    let hex = request_id.simple().to_string().to_uppercase();
    // The request's random tail: short enough to read out on the phone.
    let request_no = format!("YJ-{}", &hex[hex.len() - 10..]);
    let lang = kiosk.session().lang;
    let services = kiosk.services();
    let place = super::place_of(&services.config.devices, doc.door, lang);
    let line = DocumentLine {
        document: if lang == crate::lang::Lang::En && !doc.document_en.is_empty() {
            &doc.document_en
        } else {
            &doc.document
        },
        door: doc.door,
        place: &place,
        holder: &masked_name,
    };
    let ctx = super::door::context(kiosk, lang, &request_no);
    let bytes = slips::post_receipt(
        &line,
        &PostLine {
            request_no: &request_no,
            name_masked: &masked_name,
            phone_masked: &mask_phone(&phone),
            address_masked: &mask_address(&address),
        },
        &ctx,
    );
    let stored = services.store().request_post(
        sanban_wire::PostalRequested {
            request_id,
            pickup_id: doc.pickup_id.clone(),
            locker_door: doc.door.into(),
            citizen_ref,
            recipient: PostalAddress {
                name,
                phone,
                address,
            },
        },
        services.clock.now(),
        services.tz,
        Some(PrintJob {
            subject: Subject::PostReceipt,
            subject_id: request_id.to_string(),
            bytes: bytes.clone(),
        }),
    );
    match stored {
        Ok(c) => {
            tracing::info!(door = doc.door, pickup = %doc.pickup_id, seq = c.outbox_seq, "free post requested");
            services.poke_sync();
            kiosk.complete_errand(crate::app::CompletedErrand {
                errand: "pickup",
                id: request_no.clone(),
                service: None,
            });
            kiosk.with_window(|w| {
                let a = w.global::<PickupAdapter>();
                a.set_request_no(request_no.into());
                a.set_post_error("".into());
            });
            kiosk.go(POSTED);
            if let Some(job) = c.print_job {
                crate::app::printing::print(kiosk, job, bytes, tapped_at);
            }
        }
        Err(StoreError::AlreadyDone(_)) => {
            kiosk.with_window(|w| w.global::<PickupAdapter>().set_post_error("taken".into()));
        }
        Err(e) => {
            tracing::error!(pickup = %doc.pickup_id, "free post not recorded: {e}");
            kiosk.with_window(|w| w.global::<PickupAdapter>().set_post_error("failed".into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mobile_number_is_eleven_digits_from_13_to_19() {
        assert!(is_mobile("13812345678") && is_mobile("19912345678"));
        assert!(!is_mobile("12812345678") && !is_mobile("1381234567") && !is_mobile("1381234567a"));
    }
}
