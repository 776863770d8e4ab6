//! 最近日志: the running app's last log lines (the ring of `crate::logbook`, through the report of
//! `crate::technician::logs`), newest first, filtered by level. Reading the log is not an action on the kiosk, so
//! it is not audited.

use slint::{ComponentHandle, ModelRc, VecModel};

use super::pages::open;
use super::LOG;
use crate::app::Kiosk;
use crate::technician::logs::{LevelChoice, LogReport};
use crate::ui::{AppWindow, MaintLogLine, MaintenanceAdapter};

/// Lines on the page at most (the ring keeps more; the journal keeps all).
const SHOWN: usize = 100;

pub(super) fn wire(kiosk: &Kiosk, w: &AppWindow) {
    let k = kiosk.clone();
    w.global::<MaintenanceAdapter>()
        .on_show_log(move |level| show(&k, LevelChoice::parse(&level).unwrap_or(LevelChoice::All)));
}

pub(super) fn open_log(kiosk: &Kiosk) {
    open(kiosk, LOG);
    show(kiosk, LevelChoice::All);
}

fn level_name(choice: LevelChoice) -> &'static str {
    match choice {
        LevelChoice::All => "all",
        LevelChoice::Warnings => "warn",
        LevelChoice::Errors => "error",
    }
}

fn show(kiosk: &Kiosk, choice: LevelChoice) {
    let report = LogReport::of(crate::logbook::ring(), choice, SHOWN);
    let tz = kiosk.services().tz;
    let lines: Vec<MaintLogLine> = report
        .lines
        .iter()
        .map(|l| MaintLogLine {
            time: l
                .at
                .with_timezone(&tz)
                .format("%H:%M:%S")
                .to_string()
                .into(),
            level: l.level.into(),
            text: format!(
                "{}: {}",
                l.target.strip_prefix("sanban_kiosk::").unwrap_or(&l.target),
                l.message
            )
            .into(),
        })
        .collect();
    kiosk.with_window(|w| {
        let a = w.global::<MaintenanceAdapter>();
        a.set_log_lines(ModelRc::new(VecModel::from(lines)));
        a.set_log_level(level_name(choice).into());
        a.set_log_kept(report.kept as i32);
    });
}
