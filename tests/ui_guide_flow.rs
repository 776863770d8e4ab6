//! The service guide through the real UI, as SCENARIOS.md plays it: browse by window and by department, search by
//! pinyin initials, by full pinyin and by a Chinese keyword chip, open a service, print its one-time notice — the
//! printer simulator's bytes decoded and checked for every material — and a catalog update arriving while a citizen
//! reads a guide. One #[test]: the Slint event loop can be started once per process.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::{exists, visible_texts, wait_until};
use sanban_kiosk::ui::{GuideAdapter, Nav};
use slint::{ComponentHandle, Model};
use support::ui::play;

fn results(app: &KioskApp) -> Vec<String> {
    app.window
        .global::<GuideAdapter>()
        .get_results()
        .iter()
        .map(|s| s.name.to_string())
        .collect()
}

/// The text of a GB18030 ESC/POS job (printer commands dropped, Chinese decoded).
fn job_text(job: &[u8]) -> String {
    let (text, _, _) = encoding_rs::GB18030.decode(job);
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect()
}

async fn scenario(app: &KioskApp) -> anyhow::Result<()> {
    let w = &app.window;
    let sim = app
        .services
        .devices
        .printer_sim
        .clone()
        .expect("printer simulator");
    let catalog = sanban_wire::parse_catalog_file(sanban_kiosk::store::catalog::BUILT_IN).unwrap();
    let service = catalog
        .iter()
        .find(|s| s.name_zh == "城乡居民基本医疗保险参保登记")
        .expect("the scenario's service is in the built-in catalog");

    // Search by pinyin initials: ylbx ← 医疗保险.
    play(app, "tap 办事指南\ntype ylbx\n").await?;
    assert!(
        results(app).contains(&service.name_zh),
        "{:?}",
        results(app)
    );
    // Full pinyin.
    play(app, "tap 清空\ntype yiliao\n").await?;
    assert!(
        results(app).contains(&service.name_zh),
        "{:?}",
        results(app)
    );
    assert!(
        results(app)
            .iter()
            .all(|n| n.contains("医疗") || n.contains("医")),
        "only medical services for yiliao: {:?}",
        results(app)
    );
    // A Chinese keyword chip: every result carries it somewhere (name, keyword, material, department).
    play(app, "tap 清空\n").await?;
    let chip = w
        .global::<GuideAdapter>()
        .get_chips()
        .row_data(0)
        .unwrap()
        .to_string();
    play(app, &format!("tap {chip}\n")).await?;
    assert!(!results(app).is_empty(), "chip {chip} finds services");
    // Nothing found says so and offers browsing.
    play(app, "tap 清空\ntype qqqq\nsee 没有找到\n").await?;

    // Browse by window, then by department.
    play(
        app,
        "tap 按分类或部门查找\ntap 公安事务类\nwait guide.list\n",
    )
    .await?;
    let listed = w.global::<GuideAdapter>().get_listed().row_count();
    assert_eq!(
        listed,
        catalog.iter().filter(|s| s.category == "police").count()
    );
    play(
        app,
        &format!(
            "tap 返回\nwait guide.browse\ntap {}\nwait guide.list\n",
            service.department
        ),
    )
    .await?;
    assert!(exists(w, &service.name_zh));

    // The scenario: open the service, read the guide, print the notice.
    play(
        app,
        &format!(
            "tap 首页\ntap 办事指南\ntype ylbx\ntap {}\nsee 申请材料\ntap 打印一次性告知书\nsee 已打印\n",
            service.name_zh
        ),
    )
    .await?;
    let shown: Vec<String> = w
        .global::<GuideAdapter>()
        .get_materials()
        .iter()
        .map(|m| m.name.to_string())
        .collect();
    let names: Vec<String> = service.materials.iter().map(|m| m.name.clone()).collect();
    assert_eq!(shown, names, "the guide lists every material, in order");
    assert!(
        visible_texts(w).iter().any(|t| t.contains(&names[0])),
        "the first is on screen"
    );
    let jobs = sim.wait_for_jobs(1, Duration::from_secs(5));
    let notice = job_text(jobs.last().unwrap());
    assert!(notice.contains("一次性告知书"));
    assert!(notice.contains(&service.name_zh));
    for m in &service.materials {
        // Wrapped lines may split a long name: compare with line breaks removed.
        let flat: String = notice.split('\n').map(str::trim).collect();
        assert!(flat.contains(&m.name), "the notice lists {}", m.name);
    }
    for field in [
        "实施编码",
        "事项类型",
        "办件类型",
        "实施机构",
        "法定办结时限",
        "承诺办结时限",
        "受理条件",
        "办理流程",
        "设定依据",
        "收费",
        "办理地点",
        "办理时间",
        "咨询电话",
        "监督电话",
        "到现场次数",
        "是否网办",
        "是否可预约",
        "是否可快递",
        "目录版本",
        "打印时间",
    ] {
        assert!(notice.contains(field), "the notice has {field}");
    }
    assert!(notice.contains('□'), "materials as a checklist");
    {
        let store = app.services.store();
        let events = store.pending_events(10)?;
        let last = events.last().unwrap();
        assert_eq!(last.kind, "guide.printed");
        assert_eq!(last.payload["service"], service.id.as_str());
        assert!(store.failed_print_jobs(10)?.is_empty());
    }

    // A catalog update while a citizen reads a guide: the page says so; the next notice follows the new version.
    // 完成 leads to the rating step (好差评), which the citizen may skip.
    play(
        app,
        "tap 完成\nsee 非常满意\ntap 跳过\ntap 办事指南\ntype ylbx\n",
    )
    .await?;
    play(app, &format!("tap {}\nsee 申请材料\n", service.name_zh)).await?;
    let mut updated = catalog.clone();
    let s = updated.iter_mut().find(|s| s.id == service.id).unwrap();
    s.phone = "027-84899999".into();
    app.services.store().apply_catalog(2, &updated)?;
    wait_until(w, "the outdated notice", Duration::from_secs(5), |w| {
        w.global::<GuideAdapter>().get_outdated()
    })
    .await?;
    play(
        app,
        "see 办事指南刚刚更新\ntap 打印一次性告知书\nsee 已打印\n",
    )
    .await?;
    let jobs = sim.wait_for_jobs(2, Duration::from_secs(5));
    let notice = job_text(jobs.last().unwrap());
    assert!(
        notice.contains("027-84899999"),
        "the notice follows the new catalog"
    );
    assert_eq!(w.global::<Nav>().get_page().as_str(), "guide.detail");
    Ok(())
}

#[test]
fn guide_flow_through_the_ui() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.data.dir = dir.path().to_owned();
    config.devices.locker = "none".into();
    config.session.idle_seconds = 600;
    sanban_kiosk::headless::init_headless().unwrap();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    support::ui::run_portrait(app, move |app| async move { scenario(&app).await });
}
