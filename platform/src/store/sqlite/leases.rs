//! Queue number leases on SQLite. The single writer serializes every grant, so plain reads then writes are safe.

use rusqlite::{params, Connection, OptionalExtension};
use sanban_wire::Lease;

use super::CachedExt;
use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;
use crate::store::lease_policy::{in_request_order, next_block, LeaseAsk, LeaseOutcome};

pub fn grant_leases(
    conn: &Connection,
    kiosk: &str,
    ask: &LeaseAsk,
) -> Result<LeaseOutcome, StoreError> {
    let fingerprint = ask.fingerprint();
    if let Some(request_id) = &ask.request_id {
        let earlier: Option<(String, String)> = conn
            .query_row(
                "SELECT fingerprint, reply FROM lease_requests WHERE kiosk_id = ?1 AND request_id = ?2",
                params![kiosk, request_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((earlier_fingerprint, reply)) = earlier {
            return Ok(if earlier_fingerprint == fingerprint {
                LeaseOutcome::Granted(serde_json::from_str(&reply)?)
            } else {
                LeaseOutcome::RequestIdReused
            });
        }
    }
    let now = now_rfc3339();
    let mut categories = ask.categories.clone();
    categories.sort();
    let mut leases = Vec::new();
    for category in &categories {
        let day = &ask.business_day;
        let leased: i64 = conn.query_row_cached(
            "SELECT COALESCE(SUM(last_number - first_number + 1), 0) FROM leases
             WHERE kiosk_id = ?1 AND business_day = ?2 AND category = ?3",
            params![kiosk, day, category],
            |r| r.get(0),
        )?;
        let used: i64 = conn.query_row_cached(
            "SELECT COUNT(*) FROM tickets
             WHERE business_day = ?2 AND category = ?3 AND kiosk_id = ?1 AND offline = 0",
            params![kiosk, day, category],
            |r| r.get(0),
        )?;
        let last: u32 = conn
            .query_row_cached(
                "SELECT last_number FROM number_counters WHERE category = ?1 AND business_day = ?2",
                params![category, day],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        let unused = (leased - used).max(0) as u64;
        let Some((first, end)) = next_block(ask.block_size, unused, last) else {
            continue;
        };
        conn.execute_cached(
            "INSERT INTO number_counters (category, business_day, last_number) VALUES (?1, ?2, ?3)
             ON CONFLICT (category, business_day) DO UPDATE SET last_number = excluded.last_number",
            params![category, day, end],
        )?;
        conn.execute_cached(
            "INSERT INTO leases (kiosk_id, category, business_day, first_number, last_number, granted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![kiosk, category, day, first, end, now],
        )?;
        leases.push(Lease {
            category: category.clone(),
            business_day: day.clone(),
            first,
            last: end,
        });
    }
    let leases = in_request_order(ask, leases);
    if let Some(request_id) = &ask.request_id {
        conn.execute(
            "INSERT INTO lease_requests (kiosk_id, request_id, fingerprint, reply, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                kiosk,
                request_id,
                fingerprint,
                serde_json::to_string(&leases)?,
                now
            ],
        )?;
    }
    Ok(LeaseOutcome::Granted(leases))
}
