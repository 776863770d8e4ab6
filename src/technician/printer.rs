//! The receipt printer, as data: its decoded status, and the test page. `sanban-kiosk device printer-status` /
//! `print-test` print them; the maintenance page's printer card shows them.

use std::time::Duration;

use sanban_hardware::printer::{Align, PaperLevel, Printer, PrinterSim, PrinterStatus, Receipt};
use sanban_hardware::transport::SerialTransport;
use serde::Serialize;

use super::Port;
use crate::config::Config;

/// The printer's real-time status (DLE EOT 1–4), decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrinterReport {
    pub online: bool,
    pub cover_open: bool,
    /// "ok", "near_end" or "out".
    pub paper: &'static str,
    pub cutter_error: bool,
    pub unrecoverable_error: bool,
    pub recoverable_error: bool,
    /// Why it cannot print, if it cannot.
    pub problem: Option<&'static str>,
    /// What to fix soon (paper near end).
    pub warning: Option<&'static str>,
    pub ready: bool,
}

impl PrinterReport {
    pub fn of(status: &PrinterStatus) -> PrinterReport {
        PrinterReport {
            online: status.online,
            cover_open: status.cover_open,
            paper: match status.paper {
                PaperLevel::Ok => "ok",
                PaperLevel::NearEnd => "near_end",
                PaperLevel::Out => "out",
            },
            cutter_error: status.cutter_error,
            unrecoverable_error: status.unrecoverable_error,
            recoverable_error: status.recoverable_error,
            problem: status.problem(),
            warning: status.warning(),
            ready: status.can_print(),
        }
    }
}

/// The test page: Chinese text, sizes, bold, alignment, columns, a QR code and a cut. `when` is printed as its
/// time (local time of the kiosk).
pub fn test_page(when: &str) -> Vec<u8> {
    let mut r = Receipt::new();
    r.align(Align::Center)
        .size(2, 2)
        .bold(true)
        .line("打印测试页")
        .bold(false)
        .size(1, 1);
    r.line("Sanban kiosk printer test").rule();
    r.align(Align::Left)
        .line("中文：政务服务 马上办 网上办 一次办");
    r.bold(true).line("粗体 Bold").bold(false);
    r.size(2, 1)
        .line("倍宽 Wide")
        .size(1, 2)
        .line("倍高 Tall")
        .size(1, 1);
    r.two_columns("左列 left", "右列 right");
    r.two_columns("时间", when);
    r.align(Align::Right)
        .line("右对齐 right")
        .align(Align::Center);
    r.qr("SANBAN:TEST", 6).feed(1).line("扫码测试 QR test");
    r.feed(2).partial_cut(3);
    r.into_bytes()
}

/// A test page sent straight to a port (the CLI).
#[derive(Debug, Clone, Serialize)]
pub struct PrintTestReport {
    pub bytes: usize,
    pub after: PrinterReport,
    /// Jobs a built-in simulator received (`--port sim`).
    pub simulator_jobs: Option<usize>,
}

fn open(config: &Config, port: &str) -> anyhow::Result<(Port, Printer<SerialTransport>)> {
    let port = if port == "sim" {
        Port::PrinterSim(PrinterSim::spawn()?)
    } else {
        Port::Path(port.into())
    };
    let t = SerialTransport::open(&port.path(), config.devices.printer_baud)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", port.path()))?;
    Ok((port, Printer::new(t)))
}

/// `device printer-status`: ask the printer on `port`.
pub fn status_over_port(config: &Config, port: &str) -> anyhow::Result<PrinterReport> {
    let (_port, mut printer) = open(config, port)?;
    Ok(PrinterReport::of(&printer.status()?))
}

/// `device print-test`: the test page on `port`.
pub fn print_test_over_port(config: &Config, port: &str) -> anyhow::Result<PrintTestReport> {
    let (port, mut printer) = open(config, port)?;
    let when = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let report = printer.print(&test_page(&when))?;
    let simulator_jobs = match &port {
        Port::PrinterSim(sim) => Some(sim.wait_for_jobs(1, Duration::from_secs(2)).len()),
        _ => None,
    };
    Ok(PrintTestReport {
        bytes: report.bytes,
        after: PrinterReport::of(&report.after),
        simulator_jobs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_says_why_a_printer_cannot_print_and_warns_of_paper_near_end() {
        let ok = PrinterReport::of(&PrinterStatus::default());
        assert!(ok.ready && ok.problem.is_none() && ok.paper == "ok");
        let low = PrinterReport::of(&PrinterStatus {
            paper: PaperLevel::NearEnd,
            ..PrinterStatus::default()
        });
        assert!(low.ready);
        assert_eq!(low.paper, "near_end");
        assert!(low.warning.unwrap().contains("nearly used up"));
        let out = PrinterReport::of(&PrinterStatus::from_dle_eot([0x1A, 0x32, 0x12, 0x7E]));
        assert!(!out.ready);
        assert_eq!(out.paper, "out");
        assert!(out.problem.unwrap().contains("out of paper"));
    }

    #[test]
    fn the_test_page_carries_its_time_and_ends_with_a_cut() {
        let page = test_page("2026-11-30 09:41:00");
        assert!(page.windows(19).any(|w| w == b"2026-11-30 09:41:00"));
        assert!(page.windows(3).any(|w| w == [0x1D, 0x56, 66]));
    }
}
