//! What the printer simulator received, read back as ticket ids: every ticket receipt carries a QR code whose
//! payload is `SANBAN:T:<ticket uuid>`, and ESC/POS stores QR data as plain bytes (`GS ( k … 1 P 0 data`).

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

const MARK: &[u8] = b"SANBAN:T:";

/// Every ticket id found in `job`, in order (a job that merged with a half-sent one before it can hold two).
pub fn ticket_ids_in(job: &[u8]) -> Vec<Uuid> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(pos) = find(&job[i..], MARK) {
        let start = i + pos + MARK.len();
        if let Some(raw) = job.get(start..start + 36) {
            if let Some(id) = std::str::from_utf8(raw)
                .ok()
                .and_then(|s| Uuid::try_parse(s).ok())
            {
                out.push(id);
            }
        }
        i = start;
    }
    out
}

/// How many times each ticket's receipt was received, over all jobs.
pub fn printed_counts(jobs: &[Vec<u8>]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for job in jobs {
        for id in ticket_ids_in(job) {
            *counts.entry(id.to_string()).or_insert(0) += 1;
        }
    }
    counts
}

/// The set of tickets whose receipt the printer received.
pub fn printed_ticket_ids(jobs: &[Vec<u8>]) -> BTreeSet<String> {
    printed_counts(jobs).into_keys().collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn finds_ids_and_skips_truncated_ones() {
    let a = "0190f1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b";
    let b = "0190f1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5c";
    let mut job = b"\x1b@head".to_vec();
    job.extend_from_slice(format!("SANBAN:T:{}", &a[..20]).as_bytes()); // cut off by a kill
    job.extend_from_slice(format!("\x1d(k\x19\x001P0SANBAN:T:{b}\x1dVA\x00").as_bytes());
    assert_eq!(ticket_ids_in(&job), vec![Uuid::parse_str(b).unwrap()]);
    let jobs = vec![job.clone(), job];
    assert_eq!(printed_counts(&jobs)[b], 2);
}
