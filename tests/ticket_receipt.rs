//! Golden bytes of the ticket slip, and the ESC/POS details it must get right whatever the layout.
//! Regenerate the golden file after an intended layout change with `UPDATE_GOLDEN=1 cargo test --test ticket_receipt`.

use chrono::{NaiveDate, TimeZone, Utc};
use sanban_kiosk::lang::Lang;
use sanban_kiosk::receipts::ticket::{qr_payload, render, TicketContext};
use sanban_kiosk::store::IssuedTicket;

fn ticket() -> IssuedTicket {
    IssuedTicket {
        id: uuid::Uuid::parse_str("0193a3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b").unwrap(),
        category: "police".into(),
        business_day: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        serial: 12,
        number: "E012".into(),
        priority: false,
        offline: false,
        issued_at: Utc.with_ymd_and_hms(2026, 11, 26, 1, 2, 3).unwrap(),
        ahead: 3,
        outbox_seq: 7,
        print_job: None,
    }
}

fn ctx(lang: Lang) -> TicketContext<'static> {
    TicketContext {
        hall: "汉南区政务服务中心",
        kiosk_name: "1号自助终端",
        tz: "Asia/Shanghai".parse().unwrap(),
        lang,
        test: false,
        rating_url: "https://zwfw.hubei.gov.cn/hcp?bjbh={id}",
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn gb(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

#[test]
fn ticket_slip_matches_the_golden_bytes() {
    let bytes = render(&ticket(), &ctx(Lang::Zh));
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/ticket-zh.escpos");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    let golden = std::fs::read(&path).expect("golden file (UPDATE_GOLDEN=1 writes it)");
    assert_eq!(
        bytes, golden,
        "ticket bytes changed; inspect with `sanban-kiosk device render`"
    );
}

#[test]
fn ticket_slip_speaks_correct_escpos() {
    let bytes = render(&ticket(), &ctx(Lang::Zh));
    assert_eq!(&bytes[..2], &[0x1B, 0x40], "starts with ESC @");
    assert!(
        contains(&bytes, &[0x1B, 0x33]),
        "explicit line spacing ESC 3 n"
    );
    assert!(contains(&bytes, &[0x1C, 0x26]), "enters Chinese mode FS &");
    assert!(
        contains(&bytes, &gb("汉南区政务服务中心")),
        "hall in GB18030"
    );
    assert!(contains(&bytes, &gb("公安事务类")), "category in GB18030");
    assert!(contains(&bytes, &gb("前面还有 3 人等候")), "people ahead");
    assert!(
        contains(&bytes, &gb("2026-11-26 09:02:03")),
        "issue time in the kiosk's time zone"
    );
    assert!(
        contains(&bytes, &[0x1D, 0x21, 0x33]),
        "the number at 4x4 size (GS ! 0x33)"
    );
    assert!(contains(&bytes, b"E012"));
    assert!(
        contains(
            &bytes,
            &[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]
        ),
        "QR model 2"
    );
    let payload = qr_payload(&ticket());
    assert_eq!(payload, "SANBAN:T:0193a3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b");
    let len = payload.len() + 3;
    let mut store = vec![
        0x1D,
        0x28,
        0x6B,
        (len & 0xFF) as u8,
        (len >> 8) as u8,
        0x31,
        0x50,
        0x30,
    ];
    store.extend_from_slice(payload.as_bytes());
    assert!(
        contains(&bytes, &store),
        "QR store command carries the ticket id"
    );
    assert!(
        contains(&bytes, &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]),
        "QR print"
    );
    assert_eq!(
        &bytes[bytes.len() - 4..],
        &[0x1D, 0x56, 66, 3],
        "ends with a partial cut GS V 66 n"
    );
    assert!(!contains(&bytes, &[0x1D, 0x56, 65]), "no full cut");
}

#[test]
fn english_slip_and_offline_priority_marks() {
    let mut t = ticket();
    t.priority = true;
    t.offline = true;
    t.number = "K01-E003".into();
    let bytes = render(&t, &ctx(Lang::En));
    assert!(contains(&bytes, b"Public security"));
    assert!(contains(&bytes, b"3 waiting ahead of you"));
    assert!(contains(&bytes, b"network was down"));
    assert!(
        contains(&bytes, b"Please rate this service"),
        "every slip invites a rating"
    );
    assert!(contains(&bytes, b"Priority lane"));
    assert!(contains(&bytes, b"K01-E003"));
}
