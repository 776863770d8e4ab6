//! Queue-number leases through a lossy network: the platform grants a lease, its reply is lost on the way (the
//! connection is reset mid-response by a proxy on loopback), and the kiosk's retry — the same request under the same
//! `request_id` — gets the very blocks granted first, not a second set the kiosk would never hear of.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use sanban_kiosk::sync::{LeaseRequestIds, PlatformClient};
use sanban_wire::LeaseRequest;
use support::platform::Platform;
use support::proxy::{Mode, Outcome, Proxy};

fn ask(day: &str) -> LeaseRequest {
    LeaseRequest {
        business_day: day.into(),
        categories: vec!["police".into(), "tax".into()],
        block_size: 50,
        request_id: None,
    }
}

/// (leases held, first number, last number) of `kiosk` on the platform.
fn granted(platform: &Platform, kiosk: &str) -> (u64, u32, u32) {
    platform
        .read()
        .connection()
        .query_row(
            "SELECT COUNT(*), MIN(first_number), MAX(last_number) FROM leases WHERE kiosk_id = ?1",
            [kiosk],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

#[test]
fn a_lease_whose_reply_was_lost_is_asked_again_under_its_id_and_gets_the_same_blocks() {
    let _serial = support::serial();
    let tmp = tempfile::tempdir().unwrap();
    let mut platform = Platform::new(tmp.path(), support::free_port());
    let token = platform.add_kiosk("K01");
    platform.start_in_process();
    let proxy = Proxy::start(platform.addr(), Mode::ResetMidResponse);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = PlatformClient::new(&proxy.url(), "K01", &token, Duration::from_secs(10)).unwrap();
    let day = sanban_kiosk::clock::business_day(chrono::Utc::now(), chrono_tz::Asia::Shanghai)
        .to_string();
    let mut ids = LeaseRequestIds::default();

    // The platform grants two blocks; the kiosk never sees the reply.
    let first = ids.stamp(ask(&day));
    let lost = runtime.block_on(client.lease(&first)).unwrap_err();
    assert!(lost.is_retryable(), "{lost}");
    assert!(
        matches!(
            proxy.records().last().map(|r| &r.outcome),
            Some(Outcome::Reset { status: 200, .. })
        ),
        "{:?}",
        proxy.records()
    );
    assert_eq!(granted(&platform, "K01"), (2, 1, 50));

    // The retry carries the same id: the platform replays its first reply and grants nothing more.
    proxy.set_mode(Mode::Pass);
    let retry = ids.stamp(ask(&day));
    assert_eq!(retry.request_id, first.request_id);
    let reply = runtime.block_on(client.lease(&retry)).unwrap();
    ids.settled();
    let blocks: Vec<(String, u32, u32)> = reply
        .leases
        .iter()
        .map(|l| (l.category.clone(), l.first, l.last))
        .collect();
    assert_eq!(
        blocks,
        [("police".into(), 1, 50), ("tax".into(), 1, 50)],
        "{reply:?}"
    );
    assert_eq!(granted(&platform, "K01"), (2, 1, 50));

    // Settled: the next top-up is a new request and gets the next blocks.
    let next = ids.stamp(ask(&day));
    assert_ne!(next.request_id, first.request_id);
    let reply = runtime.block_on(client.lease(&next)).unwrap();
    assert_eq!(reply.leases[0].first, 51, "{reply:?}");
    assert_eq!(granted(&platform, "K01"), (4, 1, 100));
    platform.stop();
}
