//! The staff's reports on pickups and ratings (`sanban-platform pickups`, `sanban-platform ratings`): plain
//! aggregation of what the store holds, the same on every store.
//!
//! Personal data (call-back numbers, postal recipients) is sealed in the store. A report opens it only with the
//! data key, and shows it masked (138****0000, 张*) unless the staff ask for it with `reveal` — a 回访 call or a
//! parcel to post needs the real number or address, nothing else does.

use std::collections::BTreeMap;

use sanban_wire::{PostalAddress, RatingLevel, BAD_RATING_REASONS};
use serde::Serialize;

use crate::privacy::DataKey;
use crate::store::model::{CodeRejectionCount, StoredPickup, StoredRating};

/// How many ratings of each level one service or kiosk got, best level first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelShares {
    pub key: String,
    pub total: u64,
    /// (level name, count, share in percent to one decimal), in [`RatingLevel::ALL`] order.
    pub levels: Vec<LevelShare>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelShare {
    pub level: &'static str,
    pub label_zh: &'static str,
    pub count: u64,
    pub percent: f64,
}

/// A bad rating (不满意 / 非常不满意) to follow up (回访).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BadRating {
    pub kiosk_id: String,
    pub rated_at: String,
    pub errand: String,
    pub errand_id: Option<String>,
    pub service: Option<String>,
    pub level: &'static str,
    pub label_zh: &'static str,
    pub reasons: Vec<String>,
    pub text: Option<String>,
    /// Masked unless revealed; a note when it cannot be opened.
    pub callback_phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingsReport {
    pub total: u64,
    pub by_service: Vec<LevelShares>,
    pub by_kiosk: Vec<LevelShares>,
    pub bad: Vec<BadRating>,
}

/// What a rating's service is called in the report when it rated no service.
pub const NO_SERVICE: &str = "(no service)";

pub fn ratings_report(
    ratings: &[StoredRating],
    key: Option<&DataKey>,
    reveal: bool,
) -> RatingsReport {
    let mut by_service: BTreeMap<String, [u64; 5]> = BTreeMap::new();
    let mut by_kiosk: BTreeMap<String, [u64; 5]> = BTreeMap::new();
    let mut bad = Vec::new();
    for r in ratings {
        let Some(level) =
            RatingLevel::from_code(r.level_code, sanban_wire::LevelNumbering::FiveIsBest)
        else {
            continue;
        };
        let i = RatingLevel::ALL
            .iter()
            .position(|l| *l == level)
            .unwrap_or(0);
        let service = r.service.clone().unwrap_or_else(|| NO_SERVICE.to_string());
        by_service.entry(service).or_default()[i] += 1;
        by_kiosk.entry(r.kiosk_id.clone()).or_default()[i] += 1;
        if level.is_bad() {
            bad.push(BadRating {
                kiosk_id: r.kiosk_id.clone(),
                rated_at: r.occurred_at.clone(),
                errand: r.errand.clone(),
                errand_id: r.errand_id.clone(),
                service: r.service.clone(),
                level: level.name(),
                label_zh: level.label_zh(),
                reasons: r.reasons.iter().map(|c| reason_label(c)).collect(),
                text: r.text.clone(),
                callback_phone: r.callback_phone_sealed.as_deref().map(|sealed| {
                    open_for_report(
                        key,
                        &format!("rating:{}", r.rating_id),
                        sealed,
                        reveal,
                        (str::to_string, mask_phone),
                    )
                }),
            });
        }
    }
    let shares = |m: BTreeMap<String, [u64; 5]>| -> Vec<LevelShares> {
        m.into_iter()
            .map(|(key, counts)| level_shares(key, counts))
            .collect()
    };
    let mut by_service: Vec<LevelShares> = shares(by_service);
    // Errands of no particular service (tickets, pickups) after the services.
    by_service.sort_by_key(|s| s.key == NO_SERVICE);
    RatingsReport {
        total: ratings.len() as u64,
        by_service,
        by_kiosk: shares(by_kiosk),
        bad,
    }
}

fn level_shares(key: String, counts: [u64; 5]) -> LevelShares {
    let total: u64 = counts.iter().sum();
    LevelShares {
        key,
        total,
        levels: RatingLevel::ALL
            .iter()
            .zip(counts)
            .map(|(l, count)| LevelShare {
                level: l.name(),
                label_zh: l.label_zh(),
                count,
                percent: if total == 0 {
                    0.0
                } else {
                    (count as f64 * 1000.0 / total as f64).round() / 10.0
                },
            })
            .collect(),
    }
}

/// "等候时间长 (long_wait)" for a known reason code, the code itself otherwise.
fn reason_label(code: &str) -> String {
    BAD_RATING_REASONS
        .iter()
        .find(|(c, ..)| *c == code)
        .map_or_else(|| code.to_string(), |(c, zh, _)| format!("{zh} ({c})"))
}

/// How an opened value is written in a report: (revealed, masked).
type Shown = (fn(&str) -> String, fn(&str) -> String);

/// A sealed value for a report: shown by `show` when revealed, else by `mask`, or a note saying why it cannot be
/// shown.
fn open_for_report(
    key: Option<&DataKey>,
    context: &str,
    sealed: &str,
    reveal: bool,
    (show, mask): Shown,
) -> String {
    let Some(key) = key else {
        return "(sealed: no data key given)".into();
    };
    match key.open(context, sealed) {
        Ok(plain) if reveal => show(&plain),
        Ok(plain) => mask(&plain),
        Err(_) => "(sealed: does not open with this data key)".into(),
    }
}

/// 13800000000 → 138****0000; shorter numbers keep their last 4 digits only.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() >= 11 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}****{tail}")
    } else {
        let keep = chars.len().min(4);
        let tail: String = chars[chars.len() - keep..].iter().collect();
        format!("{}{tail}", "*".repeat(chars.len() - keep))
    }
}

/// One kiosk's documents by state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KioskPickups {
    pub kiosk_id: String,
    /// In their door waiting for the citizen.
    pub waiting: u64,
    pub collected: u64,
    /// Asked to be posted (免费邮寄): in their door until the staff post them.
    pub posted: u64,
    /// Held for the staff (jammed door, an interrupted opening).
    pub held: u64,
    /// Waiting longer than the overdue limit (counted in `waiting` too).
    pub overdue: u64,
    /// Taken out of their door by the staff.
    pub taken_out: u64,
    pub wrong_codes: u64,
    pub lockouts: u64,
}

/// A document the staff must act on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PickupItem {
    pub kiosk_id: String,
    pub locker_door: u32,
    pub pickup_id: String,
    pub document: String,
    pub document_no: Option<String>,
    pub since: String,
    /// Why it is held (held documents), or the recipient (posted ones: masked unless revealed).
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PickupsReport {
    pub overdue_days: u32,
    pub kiosks: Vec<KioskPickups>,
    pub overdue: Vec<PickupItem>,
    pub held: Vec<PickupItem>,
    /// Postal requests whose document is still in its door.
    pub to_post: Vec<PickupItem>,
}

pub fn pickups_report(
    pickups: &[StoredPickup],
    wrong_codes: &[CodeRejectionCount],
    overdue_days: u32,
    now: chrono::DateTime<chrono::Utc>,
    key: Option<&DataKey>,
    reveal: bool,
) -> PickupsReport {
    let limit = now - chrono::Duration::days(i64::from(overdue_days));
    let mut kiosks: BTreeMap<String, KioskPickups> = BTreeMap::new();
    let mut report = PickupsReport {
        overdue_days,
        kiosks: Vec::new(),
        overdue: Vec::new(),
        held: Vec::new(),
        to_post: Vec::new(),
    };
    let item = |p: &StoredPickup, since: &str, detail: Option<String>| PickupItem {
        kiosk_id: p.kiosk_id.clone(),
        locker_door: p.locker_door,
        pickup_id: p.pickup_id.clone(),
        document: p.document.clone(),
        document_no: p.document_no.clone(),
        since: since.to_string(),
        detail,
    };
    for p in pickups {
        let k = kiosks
            .entry(p.kiosk_id.clone())
            .or_insert_with(|| KioskPickups {
                kiosk_id: p.kiosk_id.clone(),
                ..KioskPickups::default()
            });
        if p.collected_at.is_some() {
            k.collected += 1;
        } else if p.cleared_at.is_some() {
            k.taken_out += 1;
        } else if let Some(at) = &p.posted_at {
            k.posted += 1;
            let recipient = p.postal.as_ref().map(|(request, sealed)| {
                open_for_report(
                    key,
                    &format!("postal:{request}"),
                    sealed,
                    reveal,
                    (recipient_line, mask_recipient),
                )
            });
            report.to_post.push(item(p, at, recipient));
        } else if let Some(at) = &p.held_at {
            k.held += 1;
            report.held.push(item(p, at, p.held_reason.clone()));
        } else {
            k.waiting += 1;
            let old = chrono::DateTime::parse_from_rfc3339(&p.created_at)
                .is_ok_and(|t| t.to_utc() < limit);
            if old {
                k.overdue += 1;
                report.overdue.push(item(p, &p.created_at, None));
            }
        }
    }
    for w in wrong_codes {
        let k = kiosks
            .entry(w.kiosk_id.clone())
            .or_insert_with(|| KioskPickups {
                kiosk_id: w.kiosk_id.clone(),
                ..KioskPickups::default()
            });
        k.wrong_codes = w.wrong_codes;
        k.lockouts = w.lockouts;
    }
    report.kiosks = kiosks.into_values().collect();
    report
}

/// A postal recipient as JSON text, shown masked: the name's first character, the phone masked, the address's
/// first 6 characters.
fn mask_recipient(json: &str) -> String {
    match serde_json::from_str::<PostalAddress>(json) {
        Ok(r) => format!(
            "{} {} {}…",
            crate::store::model::mask_name(&r.name),
            mask_phone(&r.phone),
            r.address.chars().take(6).collect::<String>()
        ),
        Err(_) => "(unreadable recipient)".into(),
    }
}

/// The revealed form of a recipient (JSON text) for the staff who post the parcel: "name phone address".
fn recipient_line(json: &str) -> String {
    match serde_json::from_str::<PostalAddress>(json) {
        Ok(r) => format!("{} {} {}", r.name, r.phone, r.address),
        Err(_) => "(unreadable recipient)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(kiosk: &str, service: Option<&str>, code: u8) -> StoredRating {
        StoredRating {
            kiosk_id: kiosk.into(),
            seq: 1,
            rating_id: "r1".into(),
            errand: "ticket".into(),
            errand_id: Some("A001".into()),
            service: service.map(str::to_string),
            channel: Some("self_service_terminal".into()),
            level_code: code,
            reasons: vec!["long_wait".into()],
            text: None,
            callback_phone_sealed: None,
            times_rated: Some(1),
            occurred_at: "2026-11-30T09:00:00Z".into(),
        }
    }

    #[test]
    fn shares_are_per_level_best_first_and_only_bad_ratings_are_listed() {
        let key = DataKey::from_bytes([7; 32]);
        let mut bad = rating("K02", None, 1);
        bad.callback_phone_sealed = Some(key.seal("rating:r1", "13812345678"));
        let all = [
            rating("K01", Some("ECO-01"), 5),
            rating("K01", Some("ECO-01"), 5),
            rating("K01", Some("ECO-01"), 4),
            bad,
        ];
        let report = ratings_report(&all, Some(&key), false);
        assert_eq!(report.total, 4);
        let eco = &report.by_service[0];
        assert_eq!((eco.key.as_str(), eco.total), ("ECO-01", 3));
        let counts: Vec<u64> = eco.levels.iter().map(|l| l.count).collect();
        assert_eq!(counts, [2, 1, 0, 0, 0]);
        assert_eq!(eco.levels[0].percent, 66.7);
        assert_eq!(report.by_service[1].key, NO_SERVICE);
        assert_eq!(report.by_kiosk.len(), 2);
        assert_eq!(report.bad.len(), 1);
        assert_eq!(report.bad[0].label_zh, "非常不满意");
        assert_eq!(report.bad[0].reasons, ["等候时间长 (long_wait)"]);
        assert_eq!(report.bad[0].callback_phone.as_deref(), Some("138****5678"));
        let revealed = ratings_report(&all, Some(&key), true);
        assert_eq!(
            revealed.bad[0].callback_phone.as_deref(),
            Some("13812345678")
        );
        let keyless = ratings_report(&all, None, true);
        assert!(keyless.bad[0]
            .callback_phone
            .as_deref()
            .unwrap()
            .contains("no data key"));
    }

    #[test]
    fn a_document_counts_once_in_its_latest_state_and_old_waiting_ones_are_overdue() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .to_utc();
        let doc = |id: &str, created: &str| StoredPickup {
            pickup_id: id.into(),
            kiosk_id: "K01".into(),
            locker_door: 1,
            document: "营业执照".into(),
            document_no: None,
            created_at: created.into(),
            collected_at: None,
            collected_method: None,
            held_at: None,
            held_reason: None,
            posted_at: None,
            cleared_at: None,
            postable: true,
            postal: None,
        };
        let fresh = doc("fresh", "2026-11-29T12:00:00Z");
        let old = doc("old", "2026-11-20T12:00:00Z");
        let mut collected = doc("collected", "2026-11-01T12:00:00Z");
        collected.collected_at = Some("2026-11-02T12:00:00Z".into());
        let mut held = doc("held", "2026-11-01T12:00:00Z");
        held.held_at = Some("2026-11-03T12:00:00Z".into());
        held.held_reason = Some("jammed".into());
        let mut posted = doc("posted", "2026-11-01T12:00:00Z");
        posted.posted_at = Some("2026-11-04T12:00:00Z".into());
        let report = pickups_report(
            &[fresh, old, collected, held, posted],
            &[CodeRejectionCount {
                kiosk_id: "K01".into(),
                wrong_codes: 6,
                lockouts: 1,
                last_at: None,
            }],
            7,
            now,
            None,
            false,
        );
        let k = &report.kiosks[0];
        assert_eq!(
            (
                k.waiting,
                k.overdue,
                k.collected,
                k.held,
                k.posted,
                k.wrong_codes
            ),
            (2, 1, 1, 1, 1, 6)
        );
        assert_eq!(report.overdue[0].pickup_id, "old");
        assert_eq!(report.held[0].detail.as_deref(), Some("jammed"));
        assert_eq!(report.to_post[0].pickup_id, "posted");
    }

    #[test]
    fn phones_are_masked_to_their_ends() {
        assert_eq!(mask_phone("13800001234"), "138****1234");
        assert_eq!(mask_phone("027-8765432"), "027****5432");
        assert_eq!(mask_phone("5432"), "5432");
        assert_eq!(mask_phone("87654321"), "****4321");
    }
}
