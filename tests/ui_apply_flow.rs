//! 申办 through the real UI, as SCENARIOS.md plays it: the service by pinyin initials, its notice, the ID card, the
//! applicant pre-filled from each of the four card types (减证便民), a form with every field type and its errors in
//! plain words, Chinese typed on the pinyin keyboard, a core material missing (stopped, notice offered), a non-core
//! material owed (容缺), submission offline, the printed receipt with its number and the 承诺书 — and afterwards no ID
//! number in clear in the database file or its WAL. One #[test]: the Slint event loop can be started once per
//! process.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use sanban_hardware::idcard::SimCard;
use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::ui::{ApplyAdapter, Nav, PinyinAdapter};
use slint::{ComponentHandle, Model};
use support::ui::play;

fn job_text(job: &[u8]) -> String {
    let (text, _, _) = encoding_rs::GB18030.decode(job);
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect()
}

fn applicant(app: &KioskApp) -> Vec<(String, String)> {
    app.window
        .global::<ApplyAdapter>()
        .get_applicant()
        .iter()
        .map(|l| (l.label.to_string(), l.value.to_string()))
        .collect()
}

fn field_error(app: &KioskApp, key: &str) -> String {
    app.window
        .global::<ApplyAdapter>()
        .get_fields()
        .iter()
        .find(|f| f.key == key)
        .map(|f| f.error.to_string())
        .unwrap_or_else(|| panic!("no field {key}"))
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

const START: &str =
    "tap 申办\ntype qysl\ntap 企业设立登记\ntap 我已阅读\ncard 20\nwait apply.applicant\n";

async fn scenario(app: &KioskApp, dir: &std::path::Path) -> anyhow::Result<()> {
    let w = &app.window;
    let reader = app
        .services
        .devices
        .idcard_sim
        .clone()
        .expect("reader simulator");
    let printer = app
        .services
        .devices
        .printer_sim
        .clone()
        .expect("printer simulator");

    // The 申办 tile is offered once the reader has reported ready (tiles refresh every second).
    sanban_kiosk::headless::driver::wait_until(
        w,
        "the 申办 tile",
        Duration::from_secs(10),
        |w| {
            w.global::<sanban_kiosk::ui::HomeAdapter>()
                .get_tiles()
                .iter()
                .any(|t| t.code == "apply" && t.available)
        },
    )
    .await?;

    // Prefill from each of the four card types: the card's own fields, the number masked, nothing typed.
    for (card, kind, has_address) in [
        (SimCard::hk_macao_taiwan(), "港澳台居民居住证", true),
        (SimCard::pr_2017(), "外国人永久居留身份证", false),
        (SimCard::pr_2023(), "外国人永久居留身份证", false),
        (SimCard::resident(), "居民身份证", true),
    ] {
        reader.place(card);
        play(app, START).await?;
        let lines = applicant(app);
        let value = |label: &str| {
            lines
                .iter()
                .find(|(l, _)| l == label)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(value("证件类型").as_deref(), Some(kind), "{lines:?}");
        assert!(value("姓名").is_some_and(|n| !n.is_empty()), "{lines:?}");
        assert!(
            value("证件号码").is_some_and(|n| n.contains('*')),
            "masked: {lines:?}"
        );
        assert!(
            value("出生日期").is_some_and(|d| d.len() == 10),
            "{lines:?}"
        );
        assert_eq!(value("住址").is_some(), has_address, "{lines:?}");
        if !has_address {
            assert!(
                value("国籍").is_some(),
                "PR cards give the nationality: {lines:?}"
            );
        }
        play(app, "tap 首页\nwait home.main\n").await?;
    }

    // The scenario, with the resident card on the reader.
    play(app, START).await?;
    play(app, "tap 信息无误\nwait apply.form\ntap 拟设立企业名称\nwait apply.field\ntype hannan\ntap 汉南\n").await?;
    assert_eq!(w.global::<PinyinAdapter>().get_text().as_str(), "汉南");
    // Too short (at least 4 characters): the error sits next to the field.
    play(app, "tap 确定\nsee 太短\n").await?;
    play(app, "type gongsi\ntap 空格\n").await?;
    let name = w.global::<PinyinAdapter>().get_text().to_string();
    assert!(
        name.starts_with("汉南") && name.chars().count() >= 4,
        "{name}"
    );
    play(app, "tap 确定\nwait apply.form\n").await?;

    // Every other required field is missing: each says so.
    play(app, "tap 下一步\nsee 此项必填\n").await?;
    assert_eq!(w.global::<Nav>().get_page().as_str(), "apply.form");
    for key in [
        "company_type",
        "registered_capital",
        "business_scope",
        "contact_mobile",
        "free_seal",
    ] {
        assert!(!field_error(app, key).is_empty(), "{key} is required");
    }
    assert_eq!(field_error(app, "company_name"), "");
    assert_eq!(field_error(app, "established_on"), "", "optional");
    // Choice; number with its range; Chinese text; date; phone; yes/no.
    play(
        app,
        "tap 企业类型\ntap 有限责任公司(自然人独资)\nwait apply.form\n",
    )
    .await?;
    play(app, "tap 注册资本(万元)\ntype 0\ntap 确定\nsee 须在 1 到 1000000 之间\ntap 清空\ntype 50\ntap 确定\nwait apply.form\n").await?;
    play(
        app,
        "tap 经营范围\ntype canyin\ntap 空格\ntap 确定\nwait apply.form\n",
    )
    .await?;
    play(app, "tap 拟成立日期\ntype 2026\ntap 确定\nsee 请输入 8 位日期\ntype 1215\ntap 确定\nwait apply.form\n").await?;
    play(app, "tap 联系人手机号码\ntype 1391234\ntap 确定\nsee 11 位手机号码\ntap 清空\ntype 13912345678\ntap 确定\nwait apply.form\n").await?;
    play(
        app,
        "tap 是否申请免费刻制印章\ntap 是\nwait apply.form\ntap 下一步\nwait apply.materials\n",
    )
    .await?;

    // Materials: a core one missing stops the application and offers the notice.
    let service = app
        .services
        .store()
        .catalog_service("ECO-01")?
        .expect("ECO-01");
    let mut taps = String::new();
    for m in &service.materials {
        if m.deferrable {
            continue;
        }
        taps.push_str(&format!("tap 在手:{}\n", m.name));
    }
    play(app, &taps).await?;
    play(
        app,
        "tap 缺少:公司章程\ntap 下一步\nsee 缺少核心材料\ntap 打印一次性告知书\nsee 已打印\n",
    )
    .await?;
    let notice = job_text(
        printer
            .wait_for_jobs(1, Duration::from_secs(5))
            .last()
            .unwrap(),
    );
    assert!(notice.contains("一次性告知书") && notice.contains("企业设立登记"));
    // 容缺 of the non-core material, then on.
    play(
        app,
        "tap 在手:公司章程\ntap 容缺:住所使用相关文件(房屋租赁合同或产权证明)\ntap 下一步\nwait apply.review\n",
    )
    .await?;
    let review: Vec<String> = w
        .global::<ApplyAdapter>()
        .get_review()
        .iter()
        .map(|l| format!("{}: {}", l.label, l.value))
        .collect();
    assert!(
        review
            .iter()
            .any(|l| l.starts_with("容缺材料: 住所使用相关文件")),
        "the review names what is owed and by when: {review:?}"
    );
    play(
        app,
        "tap 提交申请\nwait apply.receipt\nsee 申办编号\nsee 已打印\n",
    )
    .await?;
    let number = w.global::<ApplyAdapter>().get_number().to_string();
    assert!(number.starts_with("K01-"), "{number}");
    // The receipt, then the commitment on its own cut (the simulator counts a job per cut).
    let jobs = printer.wait_for_jobs(3, Duration::from_secs(5));
    let printed: Vec<u8> = jobs[1..].concat();
    let receipt = job_text(&printed);
    std::fs::write(dir.join("application-receipt.escpos"), &printed)?;
    for part in [
        "申办回执",
        number.as_str(),
        "企业设立登记",
        "张*",
        "承诺办结",
        "容缺材料",
        "住所使用相关文件",
        "容缺受理承诺书",
        "签字",
    ] {
        assert!(receipt.contains(part), "the receipt has {part}:\n{receipt}");
    }
    let id_number = {
        let sim = SimCard::resident();
        sim.record.id_number().to_string()
    };
    assert!(
        !receipt.contains(&id_number),
        "the receipt masks the ID number"
    );

    // The application and its sealed event are in the store; nothing names the citizen in clear.
    {
        let store = app.services.store();
        let apps = store.all_applications()?;
        assert_eq!(apps.len(), 1);
        assert_eq!(apps[0].number, number);
        assert_eq!(apps[0].materials_deferred.len(), 1);
        let events = store.pending_events(50)?;
        let ev = events
            .iter()
            .find(|e| e.kind == "application.submitted")
            .expect("event");
        assert_eq!(
            ev.payload["applicant"]["id_number"],
            id_number.as_str(),
            "opened with the key"
        );
        assert_eq!(ev.payload["fields"]["contact_mobile"], "13912345678");
    }
    play(app, "tap 完成\n").await?;
    let db = app.services.config.database_path();
    for file in [
        db.clone(),
        db.with_extension("sqlite3-wal"),
        std::path::PathBuf::from(format!("{}-wal", db.display())),
    ] {
        if let Ok(bytes) = std::fs::read(&file) {
            assert!(
                !contains(&bytes, &id_number),
                "{} holds the ID number in clear",
                file.display()
            );
            assert!(
                !contains(&bytes, "13912345678"),
                "{} holds the phone in clear",
                file.display()
            );
        }
    }
    Ok(())
}

#[test]
fn apply_flow_through_the_ui() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.data.dir = dir.path().to_owned();
    config.devices.locker = "none".into();
    config.devices.sim_card = "resident".into();
    config.session.idle_seconds = 600;
    sanban_kiosk::headless::init_headless().unwrap();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    let out = std::env::var_os("APPLY_RECEIPT_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().to_owned());
    support::ui::run_portrait(app, move |app| async move { scenario(&app, &out).await });
}
