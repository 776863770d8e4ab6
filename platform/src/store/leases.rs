//! Queue number leases: blocks of numbers from one platform-wide counter per (category, business day), so two
//! kiosks never print the same number.

use rusqlite::{params, Connection, OptionalExtension};
use sanban_wire::Lease;

use super::{now_rfc3339, StoreError};

/// Largest block granted at once, whatever the kiosk asks for.
pub const MAX_BLOCK: u32 = 200;
/// Highest queue number of a category on a day (the printed number has four digits at most).
pub const MAX_NUMBER: u32 = 9999;

/// Grants `kiosk` the next block of each category (callers validated day and categories). A category whose numbers
/// for the day are spent gets no lease in the reply.
pub fn grant_leases(
    conn: &Connection,
    kiosk: &str,
    business_day: &str,
    categories: &[String],
    block_size: u32,
) -> Result<Vec<Lease>, StoreError> {
    let block = block_size.clamp(1, MAX_BLOCK);
    let now = now_rfc3339();
    let mut leases = Vec::new();
    for category in categories {
        let last: u32 = conn
            .query_row(
                "SELECT last_number FROM number_counters WHERE category = ?1 AND business_day = ?2",
                params![category, business_day],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        if last >= MAX_NUMBER {
            continue;
        }
        let first = last + 1;
        let end = (last + block).min(MAX_NUMBER);
        conn.execute(
            "INSERT INTO number_counters (category, business_day, last_number) VALUES (?1, ?2, ?3)
             ON CONFLICT (category, business_day) DO UPDATE SET last_number = excluded.last_number",
            params![category, business_day, end],
        )?;
        conn.execute(
            "INSERT INTO leases (kiosk_id, category, business_day, first_number, last_number, granted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![kiosk, category, business_day, first, end, now],
        )?;
        leases.push(Lease {
            category: category.clone(),
            business_day: business_day.into(),
            first,
            last: end,
        });
    }
    Ok(leases)
}
