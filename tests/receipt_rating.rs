//! Every receipt the kiosk prints — queue ticket, one-time guide notice, appointment slip, application receipt (with
//! its 容缺 commitment), pickup proof, the note for a door that did not open, free-post receipt — in Chinese and
//! English: each ends with the invitation to rate
//! the errand (好差评), in the receipt's language; the receipts with room for it carry the rating QR code with the
//! errand's number (the ticket and the appointment slip already carry their own QR code, which the hall's staff
//! scan, so a second one would be scanned by mistake); every QR code prints at least 25 mm wide (a phone reads it
//! from paper); personal data is masked; and each renders to a receipt image.
//!
//! `RECEIPTS_PNG=DIR cargo test --test receipt_rating` also writes each image to DIR for a look.

use chrono::{NaiveDate, TimeZone, Utc};
use sanban_kiosk::lang::Lang;
use sanban_kiosk::receipts::application::{self, ApplicationContext};
use sanban_kiosk::receipts::appointment::{self, Slip, SlipContext};
use sanban_kiosk::receipts::guide_notice::{self, NoticeContext};
use sanban_kiosk::receipts::pickup::{
    self, mask_address, mask_phone, DocumentLine, PickupContext, PostLine,
};
use sanban_kiosk::receipts::ticket::{self, TicketContext};
use sanban_kiosk::receipts::QR_MIN_DOTS;
use sanban_kiosk::store::applications::StoredApplication;
use sanban_kiosk::store::appointments::{Booking, BookingStatus, Origin};
use sanban_kiosk::store::{IssuedTicket, Store};
use sanban_kiosk::technician::render::RECEIPT_FONT;
use sanban_wire::ClockTime;

const RATE: &str = "https://zwfw.hubei.gov.cn/hcp?bjbh=";
const HALL: &str = "汉南区政务服务中心";
const KIOSK: &str = "1号自助终端";

fn tz() -> chrono_tz::Tz {
    "Asia/Shanghai".parse().unwrap()
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 15, 0).unwrap()
}

fn gb(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

fn contains(haystack: &[u8], text: &str) -> bool {
    let needle = gb(text);
    haystack.windows(needle.len()).any(|w| w == &needle[..])
}

/// The data of every QR code in the job (`GS ( k pL pH 49 80 48 data`).
fn qr_codes(job: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 8 <= job.len() {
        if job[i..i + 3] == [0x1d, b'(', b'k'] && job[i + 5..i + 8] == [49, 80, 48] {
            let len = usize::from(job[i + 3]) + usize::from(job[i + 4]) * 256 - 3;
            if let Some(data) = job.get(i + 8..i + 8 + len) {
                out.push(String::from_utf8_lossy(data).into_owned());
            }
            i += 8 + len;
        } else {
            i += 1;
        }
    }
    out
}

/// The module size and the data of every QR code in the job (`GS ( k … 49 67 n`, then the data).
fn qr_sizes(job: &[u8]) -> Vec<(u8, String)> {
    let mut module = 3; // the printer's default
    let mut out = Vec::new();
    let mut data = qr_codes(job).into_iter();
    for i in 0..job.len().saturating_sub(7) {
        if job[i..i + 3] == [0x1d, b'(', b'k'] && job[i + 5..i + 7] == [49, 67] {
            module = job[i + 7];
        } else if job[i..i + 3] == [0x1d, b'(', b'k'] && job[i + 5..i + 8] == [49, 80, 48] {
            out.push((module, data.next().unwrap_or_default()));
        }
    }
    out
}

/// One receipt to check: its name, bytes, language, and the rating QR it must (or must not) carry.
struct Printed {
    name: String,
    bytes: Vec<u8>,
    lang: Lang,
    rating_qr: Option<String>,
    /// Personal data that must not be on it.
    never: Vec<&'static str>,
}

fn ticket_receipts(lang: Lang) -> Vec<Printed> {
    let t = IssuedTicket {
        id: uuid::Uuid::parse_str("0193a3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b").unwrap(),
        category: "police".into(),
        business_day: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        serial: 12,
        number: "E012".into(),
        priority: false,
        offline: true,
        issued_at: at(),
        ahead: 3,
        outbox_seq: 7,
        print_job: None,
    };
    let bytes = ticket::render(
        &t,
        &TicketContext {
            hall: HALL,
            kiosk_name: KIOSK,
            tz: tz(),
            lang,
            test: false,
            rating_url: "https://zwfw.hubei.gov.cn/hcp?bjbh={id}",
        },
    );
    vec![Printed {
        name: "ticket".into(),
        bytes,
        lang,
        rating_qr: None,
        never: vec![],
    }]
}

fn guide_notice(lang: Lang) -> Vec<Printed> {
    let mut store = Store::open_in_memory().unwrap();
    store.ensure_catalog().unwrap();
    let service = store
        .catalog_summaries()
        .unwrap()
        .into_iter()
        .find_map(|s| store.catalog_service(&s.id).unwrap())
        .expect("the built-in catalog has services");
    let rating = format!("{RATE}G-0193A3C4");
    let bytes = guide_notice::render(
        &service,
        &NoticeContext {
            hall: HALL,
            kiosk_name: KIOSK,
            tz: tz(),
            lang,
            catalog_version: 3,
            online_guide: "https://zwfw.hubei.gov.cn/guide".into(),
            printed_at: at(),
            test: false,
            rating_url: rating.clone(),
        },
    );
    vec![Printed {
        name: "guide-notice".into(),
        bytes,
        lang,
        rating_qr: Some(rating),
        never: vec![],
    }]
}

fn appointment_slip(lang: Lang) -> Vec<Printed> {
    let b = Booking {
        code: "7KQ2M9XC".into(),
        service: "SOC-01".into(),
        category: "social".into(),
        date: "2026-12-02".parse().unwrap(),
        slot_id: "0930".into(),
        start: ClockTime::parse("09:30").unwrap(),
        end: ClockTime::parse("10:00").unwrap(),
        status: BookingStatus::Pending,
        reason: None,
        detail: None,
        refusal_seen: false,
        origin: Origin::Here,
    };
    let bytes = appointment::render(
        &Slip {
            booking: &b,
            service_name: lang.pick(
                "城乡居民基本医疗保险参保登记",
                "Basic medical insurance registration for urban and rural residents",
            ),
            location: lang.pick(
                "汉南区政务服务中心 2 楼 社会事务类窗口",
                "Hannan District Government Service Centre, 2nd floor, social affairs windows",
            ),
            masked_name: "张*",
        },
        &SlipContext {
            hall: HALL,
            kiosk_name: KIOSK,
            tz: tz(),
            lang,
            test: false,
            rating_url: format!("{RATE}7KQ2M9XC"),
            checkin_before: 30,
            checkin_after: 15,
            cancel_hours: 2,
            printed_at: at(),
        },
    );
    vec![Printed {
        name: "appointment-slip".into(),
        bytes,
        lang,
        rating_qr: None,
        never: vec![],
    }]
}

fn application_receipt(lang: Lang) -> Vec<Printed> {
    let app = StoredApplication {
        id: uuid::Uuid::parse_str("0193a3c4-5d6e-7f80-9a1b-2c3d4e5f6a7c").unwrap(),
        number: "SB-20261130-0007".into(),
        business_day: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        service: "BIZ-01".into(),
        citizen_ref: "ref".into(),
        submitted_at: at(),
        promised_by: NaiveDate::from_ymd_opt(2026, 12, 7),
        materials_deferred: vec![sanban_wire::DeferredMaterial {
            name: lang
                .pick(
                    "住所使用相关文件(房屋租赁合同或产权证明)",
                    "Proof of the premises (lease or title deed)",
                )
                .into(),
            due: "2026-12-07".into(),
        }],
        status: None,
        status_at: None,
    };
    let rating = format!("{RATE}SB-20261130-0007");
    let bytes = application::render(
        &app,
        &ApplicationContext {
            hall: HALL,
            kiosk_name: KIOSK,
            tz: tz(),
            lang,
            test: false,
            service_name: lang.pick("企业设立登记", "Company registration"),
            where_to_bring: lang.pick(
                "汉南区政务服务中心 · 市场监督管理局",
                "Hannan District Government Service Centre · Market Regulation",
            ),
            applicant_masked: "张*",
            id_masked: "4201**********1234",
            track_url: "https://zwfw.hubei.gov.cn/track?no=SB-20261130-0007".into(),
            rating_url: rating,
        },
    );
    vec![Printed {
        name: "application-receipt".into(),
        bytes,
        lang,
        // Its own QR code tracks the application.
        rating_qr: None,
        never: vec![],
    }]
}

fn pickup_receipts(lang: Lang) -> Vec<Printed> {
    let place = match lang {
        Lang::Zh => "终端右侧柜体 · 第 2 排第 3 列",
        Lang::En => "the cabinet right of the screen, row 2, column 3",
    };
    let doc = DocumentLine {
        document: lang.pick("不动产权证书", "Real estate title certificate"),
        door: 7,
        place,
        holder: "张*",
    };
    let ctx = |id: &str| PickupContext {
        hall: HALL,
        kiosk_name: KIOSK,
        tz: tz(),
        lang,
        test: false,
        rating_url: format!("{RATE}{id}"),
        help_phone: "027-84851234",
        at: at(),
    };
    let address = "湖北省武汉市汉南区纱帽街汉南大道88号";
    let post = PostLine {
        request_no: "YJ-7C4D9E10AB",
        name_masked: "张*",
        phone_masked: &mask_phone("13812345678"),
        address_masked: &mask_address(address),
    };
    vec![
        Printed {
            name: "pickup-proof".into(),
            bytes: pickup::proof(&doc, &ctx("P-DEED")),
            lang,
            rating_qr: Some(format!("{RATE}P-DEED")),
            never: vec![],
        },
        Printed {
            name: "pickup-door-note".into(),
            bytes: pickup::door_note(&doc, &ctx("P-DEED")),
            lang,
            rating_qr: Some(format!("{RATE}P-DEED")),
            never: vec![],
        },
        Printed {
            name: "post-receipt".into(),
            bytes: pickup::post_receipt(&doc, &post, &ctx("YJ-7C4D9E10AB")),
            lang,
            rating_qr: Some(format!("{RATE}YJ-7C4D9E10AB")),
            never: vec!["13812345678", "汉南大道88号", "纱帽街"],
        },
    ]
}

fn all() -> Vec<Printed> {
    [Lang::Zh, Lang::En]
        .into_iter()
        .flat_map(|l| {
            let mut v = ticket_receipts(l);
            v.extend(guide_notice(l));
            v.extend(appointment_slip(l));
            v.extend(application_receipt(l));
            v.extend(pickup_receipts(l));
            v
        })
        .collect()
}

#[test]
fn every_receipt_invites_a_rating_in_its_language() {
    for p in all() {
        let line = p.lang.pick(
            "欢迎对本次服务作出评价（好差评）",
            "Please rate this service (好差评)",
        );
        assert!(contains(&p.bytes, line), "{} ({:?})", p.name, p.lang);
    }
}

#[test]
fn receipts_with_room_carry_the_rating_qr_with_the_errands_number() {
    for p in all() {
        let codes = qr_codes(&p.bytes);
        match &p.rating_qr {
            Some(url) => {
                assert!(codes.contains(url), "{} ({:?}): {codes:?}", p.name, p.lang);
                let hint = p
                    .lang
                    .pick("扫描下方二维码评价", "Scan the code below to rate it");
                assert!(contains(&p.bytes, hint), "{} ({:?})", p.name, p.lang);
            }
            None => assert!(
                !codes.iter().any(|c| c.starts_with(RATE)),
                "{} has its own QR code and no rating QR: {codes:?}",
                p.name
            ),
        }
    }
}

#[test]
fn every_qr_code_prints_at_least_25_mm_wide() {
    for p in all() {
        let sizes = qr_sizes(&p.bytes);
        assert!(!sizes.is_empty() || p.rating_qr.is_none(), "{}", p.name);
        for (module, data) in sizes {
            let modules =
                qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
                    .unwrap()
                    .width() as u32;
            let dots = modules * u32::from(module);
            assert!(
                (QR_MIN_DOTS..=sanban_hardware::printer::PAPER_DOTS).contains(&dots),
                "{} ({:?}): {data:?} is {dots} dots ({:.1} mm)",
                p.name,
                p.lang,
                dots as f64 * 25.4 / 203.0
            );
        }
    }
}

#[test]
fn receipts_show_personal_data_only_masked() {
    for p in all() {
        for secret in &p.never {
            assert!(!contains(&p.bytes, secret), "{} shows {secret}", p.name);
        }
    }
    let post = all()
        .into_iter()
        .find(|p| p.name == "post-receipt")
        .unwrap();
    assert!(contains(&post.bytes, "138****5678"));
    assert!(contains(&post.bytes, "湖北省武汉市****"));
}

#[test]
fn every_receipt_renders_to_a_receipt_image() {
    let out = std::env::var_os("RECEIPTS_PNG").map(std::path::PathBuf::from);
    for p in all() {
        let image = sanban_hardware::printer::render(&p.bytes, RECEIPT_FONT)
            .unwrap_or_else(|e| panic!("{} ({:?}) does not render: {e}", p.name, p.lang));
        assert_eq!(
            image.width,
            sanban_hardware::printer::PAPER_DOTS,
            "{}",
            p.name
        );
        assert!(
            image.height > 200 && image.height < sanban_hardware::printer::MAX_HEIGHT,
            "{}: {} dots",
            p.name,
            image.height
        );
        if let Some(dir) = &out {
            std::fs::create_dir_all(dir).unwrap();
            let lang = match p.lang {
                Lang::Zh => "zh",
                Lang::En => "en",
            };
            image
                .write_png(dir.join(format!("{}-{lang}.png", p.name)))
                .unwrap();
        }
    }
}
