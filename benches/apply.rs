//! 申办 with the platform unreachable. (a) "提交申请" tapped → last receipt byte at the printer (budget: the bytes'
//! wire time at 115200 baud + 20 ms): the callback, the errand transaction (row, sealed event, receipt, fsync),
//! the receipt's encoding and the write to the printer simulator's pseudo-terminal (no baud pacing, so the measured
//! time is the host's whole overhead). (c) Sealing the personal fields of one submission (< 1 ms): the
//! applicant and the form's answers taken out of the event, serialised and sealed with XChaCha20-Poly1305, the way
//! the outbox stores them; opening them again for sending is shown beside it.

#[path = "common.rs"]
mod common;

use std::time::{Duration, Instant};

use sanban_hardware::transport::wire_time;
use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::wait_until;
use sanban_kiosk::headless::script::{self, Options};
use sanban_kiosk::privacy::{self, DataKey};
use sanban_kiosk::ui::{ApplyAdapter, PrintAdapter, PrintState};
use sanban_wire::{
    Applicant, ApplicationSubmitted, CardType, DeferredMaterial, Delivery, EventPayload, Sex,
};
use slint::ComponentHandle;

const SUBMISSIONS: usize = 40;
const SEALS: usize = 2_000;

fn main() {
    submit_to_last_byte();
    sealing();
}

fn submit_to_last_byte() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.data.dir = dir.path().to_owned();
    config.devices.locker = "none".into();
    config.devices.sim_card = "resident".into();
    config.session.idle_seconds = 3600;
    // A platform that does not answer: the tap path must not notice.
    config.platform.url = Some("http://127.0.0.1:9".into());
    config.platform.token = Some("unreachable".into());
    sanban_kiosk::headless::init_headless().unwrap();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    sanban_kiosk::headless::set_size(&app.window, 1080, 1920);
    slint::spawn_local(async move {
        let w = &app.window;
        // The card read through the real flow; the form and materials from the flow's own sample answers.
        let steps = script::parse(
            "tap 申办\ntype qysl\ntap 企业设立登记\ntap 我已阅读\ncard 20\nwait apply.applicant\n",
        )
        .unwrap();
        let reports = script::run(&app, &steps, &Options { shots: None, print: false }).await;
        assert!(reports.iter().all(|r| r.ok), "{reports:?}");
        let sim = app.services.devices.printer_sim.clone().unwrap();
        let mut submission_bytes = 0;
        for _ in 0..SUBMISSIONS {
            sanban_kiosk::app::flows::preview(&app.kiosk, "apply.review")
                .await
                .unwrap();
            w.global::<PrintAdapter>().set_state(PrintState::Idle);
            let before: usize = sim.jobs().iter().map(Vec::len).sum();
            w.global::<ApplyAdapter>().invoke_submit();
            wait_until(w, "printed", Duration::from_secs(10), |w| {
                w.global::<PrintAdapter>().get_state() == PrintState::Printed
            })
            .await
            .unwrap();
            // Receipt and commitment are one job with two cuts: the simulator sees two.
            let after: usize = sim.jobs().iter().map(Vec::len).sum();
            submission_bytes = submission_bytes.max(after - before);
        }
        assert_eq!(
            app.services.store().all_applications().unwrap().len(),
            SUBMISSIONS
        );
        let mut samples = app.services.metrics.lock().unwrap().tap_to_last_byte.clone();
        assert_eq!(samples.len(), SUBMISSIONS);
        let wire = wire_time(submission_bytes, 115_200);
        println!(
            "application receipt + 承诺书: {submission_bytes} bytes = {:.1} ms on the wire at 115200 baud",
            common::ms(wire)
        );
        common::report(
            "申办 submit → last receipt byte (platform down)",
            &mut samples,
            Some(wire + Duration::from_millis(20)),
        );
        slint::quit_event_loop().unwrap();
    })
    .unwrap();
    slint::run_event_loop().unwrap();
}

/// A submission as the 申办 flow makes it (fictional applicant, the sample form of 企业设立登记).
fn event() -> EventPayload {
    let fields = [
        ("company_name", "汉南热干面餐饮管理有限公司"),
        ("company_type", "llc_natural_sole"),
        ("registered_capital", "50"),
        (
            "business_scope",
            "餐饮服务；食品销售；餐饮管理；外卖递送服务",
        ),
        ("established_on", "2026-12-15"),
        ("contact_mobile", "13912345678"),
        ("free_seal", "yes"),
    ];
    EventPayload::ApplicationSubmitted(ApplicationSubmitted {
        application_id: uuid::Uuid::now_v7(),
        application_no: "K01-20261201-0001".into(),
        service: "ECO-01".into(),
        citizen_ref: "9f2c41d0a7e5b3c8".into(),
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        materials_provided: vec!["公司章程".into(), "公司登记(备案)申请书".into()],
        delivery: Delivery::Pickup,
        applicant: Some(Box::new(Applicant {
            name: "欧阳秀英".into(),
            english_name: None,
            id_number: "420111195203071248".into(),
            sex: Sex::Female,
            birth_date: "1952-03-07".into(),
            address: Some("湖北省武汉市汉南区纱帽街示例路1号3栋2单元501室".into()),
            card_type: CardType::Resident,
            nationality: None,
        })),
        materials_deferred: vec![DeferredMaterial {
            name: "住所使用相关文件(房屋租赁合同或产权证明)".into(),
            due: "2026-12-08".into(),
        }],
    })
}

fn sealing() {
    let key = DataKey::from_bytes(rand::random());
    let event = event();
    let mut seal_samples = Vec::with_capacity(SEALS);
    let mut open_samples = Vec::with_capacity(SEALS);
    let mut sealed_len = 0;
    for i in 0..SEALS {
        let context = format!("sanban outbox {i}").into_bytes();
        let t = Instant::now();
        let (_, mut payload) = event.to_parts();
        let object = payload.as_object_mut().unwrap();
        let personal: serde_json::Map<String, serde_json::Value> = event
            .personal_keys()
            .iter()
            .filter_map(|k| object.remove(*k).map(|v| (k.to_string(), v)))
            .collect();
        let plain = serde_json::to_vec(&personal).unwrap();
        let sealed = privacy::seal(&key, &context, &plain);
        seal_samples.push(t.elapsed());
        sealed_len = sealed.len();
        let t = Instant::now();
        let opened = privacy::open(&key, &context, &sealed).unwrap();
        open_samples.push(t.elapsed());
        assert_eq!(opened.as_slice(), plain.as_slice());
    }
    println!("personal fields of one submission: {sealed_len} bytes sealed");
    common::report(
        "seal one submission's personal fields",
        &mut seal_samples,
        Some(Duration::from_millis(1)),
    );
    common::report("open them again (to send)", &mut open_samples, None);
}
