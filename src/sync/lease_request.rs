//! The id of a lease request. The platform stores its first reply per (kiosk, `request_id`) and replays it, so a
//! request whose reply was lost (timeout, reset, 5xx after the commit) is sent again with the same id and gets the
//! same blocks instead of new ones: numbers a kiosk never learnt of would count against its unused allowance.

use sanban_wire::LeaseRequest;
use uuid::Uuid;

/// The request sent last and not yet settled, with its id.
#[derive(Debug, Default)]
pub struct LeaseRequestIds {
    unsettled: Option<LeaseRequest>,
}

impl LeaseRequestIds {
    /// `ask` with its `request_id`: the unsettled request's id when `ask` asks the same (same day, categories and
    /// block size), else a fresh one. A different ask under an old id would be refused (409).
    pub fn stamp(&mut self, mut ask: LeaseRequest) -> LeaseRequest {
        ask.request_id = None;
        let id = match &self.unsettled {
            Some(prev) if same_ask(prev, &ask) => prev.request_id,
            _ => None,
        }
        .unwrap_or_else(Uuid::now_v7);
        ask.request_id = Some(id);
        self.unsettled = Some(ask.clone());
        ask
    }

    /// The request got its reply and its blocks are stored, or it was refused for good: the next ask gets a new id.
    pub fn settled(&mut self) {
        self.unsettled = None;
    }
}

fn same_ask(a: &LeaseRequest, b: &LeaseRequest) -> bool {
    a.business_day == b.business_day && a.categories == b.categories && a.block_size == b.block_size
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(day: &str, categories: &[&str]) -> LeaseRequest {
        LeaseRequest {
            business_day: day.into(),
            categories: categories.iter().map(|c| c.to_string()).collect(),
            block_size: 50,
            request_id: None,
        }
    }

    #[test]
    fn a_retry_of_an_unsettled_request_carries_the_same_id() {
        let mut ids = LeaseRequestIds::default();
        let first = ids.stamp(ask("2026-11-30", &["police", "tax"]));
        let retry = ids.stamp(ask("2026-11-30", &["police", "tax"]));
        assert!(first.request_id.is_some());
        assert_eq!(first.request_id, retry.request_id);
        assert_eq!(first, retry);
    }

    #[test]
    fn a_settled_request_or_a_different_ask_gets_a_fresh_id() {
        let mut ids = LeaseRequestIds::default();
        let first = ids.stamp(ask("2026-11-30", &["police"]));
        let other_categories = ids.stamp(ask("2026-11-30", &["police", "tax"]));
        assert_ne!(first.request_id, other_categories.request_id);
        let other_day = ids.stamp(ask("2026-12-01", &["police", "tax"]));
        assert_ne!(other_categories.request_id, other_day.request_id);
        ids.settled();
        let after = ids.stamp(ask("2026-12-01", &["police", "tax"]));
        assert_ne!(other_day.request_id, after.request_id);
    }
}
