//! 免费邮寄 and the staff's deposit through the real UI, with the kiosk's locker, card reader and printer simulators
//! on pseudo-terminals, played as scripts by the script runner:
//! - a document that allows post: the code finds it, the card gives the address (masked on the post page); 修改地址
//!   shows it in full on the pinyin keyboard, a fragment typed in its place is refused next to it, a flat typed
//!   after the card's street (pinyin and digits) is kept, 使用身份证地址 goes back to the card's; a wrong mobile
//!   number is refused, a right one confirms → a `pickup.post_requested` event is queued with the edited address
//!   (sealed in the outbox, read back through the store), no door is fired (the document stays in its door for the
//!   staff), a post receipt with the recipient and address masked is printed, the rating follows; the same code
//!   afterwards says the document is being posted;
//! - the staff's deposit from the maintenance menu ("存放待取文件"): documents held for the staff and overdue are
//!   listed; a free door is chosen (taken doors are not offered), the document number typed on the on-screen
//!   keyboard, the door opens, is shut → a `locker.deposited` event; a jammed door gives its door back with an
//!   alert; "结束" returns to the staff page and "返回" to the maintenance menu, with the technician still in.
//!
//! One #[test]: the Slint event loop can be started once per process.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use chrono::Utc;
use sanban_kiosk::app::{KioskApp, Services, HOME};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::{exists, visible_texts};
use sanban_kiosk::maintenance::credentials;
use sanban_kiosk::store::pickups::PickupState;
use sanban_kiosk::ui::{AppWindow, Nav, PickupAdapter};
use sanban_wire::{pickup_code_hash, HoldReason, Pickup};
use slint::ComponentHandle;
use support::ui::play;

const PIN: &str = "482913";

fn page(w: &AppWindow) -> String {
    w.global::<Nav>().get_page().to_string()
}

/// A document waiting behind `door` since `days` ago, as the platform lists it: the code only as a salted hash.
fn waiting(id: &str, door: u32, code: &str, document: &str, postable: bool, days: i64) -> Pickup {
    let salt = format!("{:032x}", door as u128 * 0x5851_f42d_4c95_7f2d);
    Pickup {
        pickup_id: id.into(),
        code_hash: pickup_code_hash(&salt, code).unwrap(),
        code_salt: salt,
        locker_door: door,
        document: document.into(),
        document_en: String::new(),
        citizen_ref: None,
        holder: "王*".into(),
        postable,
        deposited_at: (Utc::now() - chrono::Duration::days(days)).to_rfc3339(),
    }
}

/// The outbox events of `kind`, oldest first.
fn events(app: &KioskApp, kind: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    Ok(app
        .services
        .store()
        .pending_events(500)?
        .into_iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.payload)
        .collect())
}

fn state_of(app: &KioskApp, id: &str) -> anyhow::Result<PickupState> {
    Ok(app
        .services
        .store()
        .locker_document(id)?
        .expect("document known")
        .state)
}

/// What the store knows of door `door`, if a document occupies it.
fn in_door(app: &KioskApp, door: u16) -> anyhow::Result<Option<(String, PickupState, String)>> {
    Ok(app
        .services
        .store()
        .locker_documents()?
        .into_iter()
        .find(|d| d.door == door && d.state.occupies_door())
        .map(|d| (d.pickup_id, d.state, d.document_no.unwrap_or_default())))
}

/// Some text on the page contains `text`.
fn shows(w: &AppWindow, text: &str) -> bool {
    visible_texts(w).iter().any(|t| t.contains(text))
}

/// Some file under `dir` (the store, its WAL) holds `text` in clear (UTF-8).
fn on_disk(dir: &std::path::Path, text: &str) -> bool {
    let needle = text.as_bytes();
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            let path = e.path();
            if path.is_dir() {
                return on_disk(&path, text);
            }
            std::fs::read(&path).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle))
        })
}

fn contains(haystack: &[u8], text: &str) -> bool {
    let (gb, _, _) = encoding_rs::GB18030.encode(text);
    haystack.windows(gb.len()).any(|w| w == &gb[..])
}

fn maintenance_actions(app: &KioskApp) -> anyhow::Result<Vec<String>> {
    Ok(events(app, "maintenance.action")?
        .iter()
        .map(|p| p["action"].as_str().unwrap_or_default().to_string())
        .collect())
}

async fn free_post(app: &KioskApp) -> anyhow::Result<()> {
    let w = &app.window;
    let locker = app.services.devices.locker_sim.clone().expect("locker");
    let printer = app.services.devices.printer_sim.clone().expect("printer");

    // The code finds a document that may be posted: its page offers 免费邮寄 besides opening the door.
    play(
        app,
        "tap 取件\ntap 输入取件码\ntype 135790\ntap 确定\nwait pickup.document 5\nsee 营业执照\n",
    )
    .await?;
    assert!(exists(w, "开柜取件") && exists(w, "免费邮寄"));
    // The citizen came with a code: the card is read now, for the recipient and the address — masked on this page.
    const CARD_ADDRESS: &str = "示例省示例市测试区老年路3号";
    play(
        app,
        "tap 免费邮寄\ncard 20\nwait pickup.post 5\nsee 示例省示例市****（身份证上的地址）\n",
    )
    .await?;
    assert!(
        !shows(w, "老年路"),
        "the address is masked on the post page"
    );

    // 修改地址: the address in full on the pinyin keyboard's page. A fragment typed in its place is refused next
    // to it; "返回" keeps the card's.
    let flat = "type 3\ntype dong\ntap 下一页\ntap 栋\ntype 2\ntype danyuan\ntap 单元\ntype 501\n";
    play(
        app,
        &format!(
            "tap 修改地址\nwait pickup.address 5\nsee {CARD_ADDRESS}\n\
             tap 清空\n{flat}see 3栋2单元501\ntap 确定\nsee 地址太短\n"
        ),
    )
    .await?;
    assert_eq!(page(w), "pickup.address", "a fragment is not taken");
    play(
        app,
        "tap 返回\nwait pickup.post 5\nsee 示例省示例市****（身份证上的地址）\n",
    )
    .await?;
    // Edited for real: the flat typed after the card's street, by pinyin and digits.
    let edit = format!(
        "tap 修改地址\nwait pickup.address 5\nsee {CARD_ADDRESS}\n{flat}\
         see {CARD_ADDRESS}3栋2单元501\ntap 确定\nwait pickup.post 5\nsee 示例省示例市****（您修改的地址）\n"
    );
    play(app, &edit).await?;
    // 使用身份证地址 goes back to the card's (the keyboard starts from it again); then edited once more.
    play(
        app,
        "tap 使用身份证地址\nsee 示例省示例市****（身份证上的地址）\n",
    )
    .await?;
    play(app, &edit).await?;
    assert!(!shows(w, "老年路") && !shows(w, "单元"), "masked again");
    // A number that is not a mobile number is refused with a clear message, and nothing is queued.
    play(
        app,
        "type 12345678901\ntap 确认邮寄\nsee 手机号是以 1 开头的 11 位数字\n",
    )
    .await?;
    assert!(events(app, "pickup.post_requested")?.is_empty());
    assert_eq!(page(w), "pickup.post");
    play(
        app,
        "tap 清空\ntype 13812345678\ntap 确认邮寄\nwait pickup.posted 5\nsee 已申请免费邮寄\n",
    )
    .await?;
    let request_no = w.global::<PickupAdapter>().get_request_no().to_string();
    assert!(request_no.starts_with("YJ-"), "{request_no}");

    // The request is queued for the platform; the document stays in its door for the staff.
    let posted = events(app, "pickup.post_requested")?;
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0]["pickup_id"], "P-POST");
    assert_eq!(posted[0]["locker_door"], 4);
    // The edited address goes out exactly as the card's would: in the recipient, with the card's name.
    assert_eq!(
        posted[0]["recipient"]["address"],
        format!("{CARD_ADDRESS}3栋2单元501").as_str()
    );
    assert_eq!(posted[0]["recipient"]["phone"], "13812345678");
    let card_name = posted[0]["recipient"]["name"].as_str().unwrap_or_default();
    assert!(
        !card_name.is_empty() && !card_name.contains('*'),
        "the card's name, whole: {card_name:?}"
    );
    // At rest it is sealed: no file of the kiosk's data holds the edited address in clear.
    assert!(!on_disk(&app.services.config.data.dir, "3栋2单元501"));
    assert_eq!(state_of(app, "P-POST")?, PickupState::Posted);
    assert!(locker.opened_log().is_empty(), "no door fired for a post");
    assert!(
        events(app, "pickup.collected")?.is_empty(),
        "posted, not collected"
    );

    // The post receipt: the request number, the recipient masked, never the full number or address.
    let jobs = printer.wait_for_jobs(1, Duration::from_secs(5));
    assert_eq!(jobs.len(), 1, "the post receipt");
    let receipt = &jobs[0];
    assert!(contains(receipt, "邮寄回执"));
    assert!(contains(receipt, &request_no));
    assert!(contains(receipt, "营业执照"));
    assert!(contains(receipt, "138****5678"), "the phone, masked");
    assert!(!contains(receipt, "13812345678"), "never the full phone");
    assert!(!contains(receipt, "老年路3号"), "never the full address");
    assert!(!contains(receipt, "单元501"), "nor the part edited");
    assert!(contains(receipt, "示例省示例市****"), "the address, masked");
    play(app, "see 已打印，请取走邮寄回执\n").await?;

    // The rating of the errand follows, then home.
    play(
        app,
        "tap 完成\nsee 非常满意\ntap 满意\nsee 感谢您的评价\ntap 完成\nwait home.main 2\n",
    )
    .await?;
    let rated = events(app, "rating.submitted")?;
    assert_eq!(rated.len(), 1);
    assert_eq!(rated[0]["errand"], "pickup");
    assert_eq!(rated[0]["errand_id"], request_no.as_str());

    // The same code again: told the document is being posted; no door, no second request, not a wrong code.
    play(
        app,
        "tap 取件\ntap 输入取件码\ntype 135790\ntap 确定\nsee 该文件已申请邮寄\ntap 首页\nwait home.main 2\n",
    )
    .await?;
    assert!(locker.opened_log().is_empty());
    assert_eq!(events(app, "pickup.post_requested")?.len(), 1);
    assert!(events(app, "pickup.code_rejected")?.is_empty());
    Ok(())
}

async fn staff_deposit(app: &KioskApp, secrets: &std::path::Path) -> anyhow::Result<()> {
    let w = &app.window;
    let locker = app.services.devices.locker_sim.clone().expect("locker");
    credentials::set_pin(secrets, "T07", PIN)?;

    play(
        app,
        &format!("hold 维护入口 3.5\nwait maintenance.pad 2\ntype {PIN}\ntap 确认\nwait maintenance.menu 20\n"),
    )
    .await?;
    // The staff page: the document held after a jammed door, and the one waiting longer than 7 days.
    play(
        app,
        "tap 存放待取文件\nwait pickup.staff 5\nsee 需要处理（1 件）\nsee 6 号柜门 · 结婚证\n\
         see 超过 7 天未取（1 件）\nsee 9 号柜门 · 身份证\n",
    )
    .await?;

    // A free door: doors with a document in them (waiting, posted, held) are not offered.
    play(app, "tap 存入文件\nwait pickup.deposit-door 5\n").await?;
    for taken in [4, 6, 9] {
        assert!(!exists(w, &format!("{taken}号柜")), "door {taken} offered");
    }
    play(
        app,
        "tap 5号柜\nwait pickup.deposit-number 5\nsee 存入 5 号柜门\ntype hn20261128\n",
    )
    .await?;
    // The entry shows what the keyboard typed, in capitals (its text is the field's value).
    assert_eq!(
        w.global::<PickupAdapter>().get_deposit_number(),
        "HN20261128"
    );
    play(app, "tap 开柜存件\nsee 5 号柜门已打开\n").await?;
    assert_eq!(locker.opened_log(), vec![5], "door 5 fired once");
    let (id, state, number) = in_door(app, 5)?.expect("a deposit in door 5");
    assert_eq!(state, PickupState::Depositing, "journalled before the shut");
    assert_eq!(number, "HN20261128");
    assert!(
        events(app, "locker.deposited")?.is_empty(),
        "not before the door is shut"
    );

    // The staff shut the door: the document is in, the platform is told.
    locker.close_door(5);
    play(app, "see 已存入 5 号柜门\nsee 平台会把取件码发给市民\n").await?;
    let deposited = events(app, "locker.deposited")?;
    assert_eq!(deposited.len(), 1);
    assert_eq!(deposited[0]["locker_door"], 5);
    assert_eq!(deposited[0]["document_no"], "HN20261128");
    assert_eq!(deposited[0]["pickup_id"], id.as_str());
    assert_eq!(state_of(app, &id)?, PickupState::Deposited);

    // The next one: door 5 is taken now; door 7 is jammed — nothing is deposited, the door is free again and the
    // technicians see the fault.
    locker.set_jammed(7, true);
    play(app, "tap 存入下一件\nwait pickup.deposit-door 5\n").await?;
    assert!(!exists(w, "5号柜"), "door 5 is taken now");
    play(
        app,
        "tap 7号柜\nwait pickup.deposit-number 5\ntype hn20261129\ntap 开柜存件\nsee 7 号柜门未能打开\n",
    )
    .await?;
    assert_eq!(locker.opened_log(), vec![5, 7]);
    assert!(in_door(app, 7)?.is_none(), "door 7 is free again");
    let alerts = events(app, "locker.alert")?;
    assert!(
        alerts
            .iter()
            .any(|a| a["locker_door"] == 7 && a["alert"] == "jammed"),
        "{alerts:?}"
    );
    assert_eq!(events(app, "locker.deposited")?.len(), 1);
    locker.set_jammed(7, false);

    // "结束" goes back to the staff page (the technician is still in), "返回" to the maintenance menu.
    play(app, "tap 结束\nwait pickup.staff 5\nsee 需要处理（1 件）\n").await?;
    play(
        app,
        "tap 返回\nwait maintenance.menu 5\ntap 退出维护\nwait home.main 2\n",
    )
    .await?;
    assert_eq!(
        maintenance_actions(app)?,
        ["staff_deposit", "leave"],
        "no timed-out session in between"
    );
    assert_eq!(page(w), HOME);
    Ok(())
}

async fn scenario(app: &KioskApp, secrets: &std::path::Path) -> anyhow::Result<()> {
    let locker = app.services.devices.locker_sim.clone().expect("locker");
    {
        let mut store = app.services.store();
        store.apply_pickup_list(
            &[
                waiting("P-POST", 4, "135790", "营业执照", true, 1),
                waiting("P-STUCK", 6, "111111", "结婚证", false, 2),
                waiting("P-OLD", 9, "246810", "身份证", false, 9),
            ],
            locker.doors(),
        )?;
        // Door 6 jammed at an earlier pickup: its document is held for the staff.
        let now = Utc::now();
        let opening = store.begin_opening("P-STUCK", "code", now)?;
        store.hold_pickup(&opening, HoldReason::Jammed, now, app.services.tz, None)?;
    }
    assert_eq!(page(&app.window), HOME);
    play(app, "see 取件柜 正常\n").await?;
    free_post(app).await?;
    staff_deposit(app, secrets).await?;
    Ok(())
}

#[test]
fn free_post_and_staff_deposit_through_the_ui() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets/maintenance.toml");
    let mut config = Config::default();
    config.data.dir = dir.path().to_owned();
    config.maintenance.credentials = secrets.clone();
    config.devices.locker = "sim".into();
    config.devices.poll_ms = 200;
    config.session.idle_seconds = 600;
    sanban_kiosk::headless::init_headless().unwrap();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    support::ui::run_portrait(
        app,
        move |app| async move { scenario(&app, &secrets).await },
    );
}
