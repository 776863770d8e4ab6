//! The printer driver against the printer simulator over a real pseudo-terminal.

use std::time::{Duration, Instant};

use sanban_hardware::printer::{PaperLevel, Printer, PrinterError, PrinterSim, Receipt};
use sanban_hardware::transport::SerialTransport;

fn connect(sim: &PrinterSim) -> Printer<SerialTransport> {
    let path = sim.path().to_str().expect("utf-8 pty path");
    Printer::new(SerialTransport::open(path, 115_200).expect("open the simulator's pty"))
}

fn ticket() -> Vec<u8> {
    let mut r = Receipt::new();
    r.line("取号凭条 A012")
        .qr("https://example.org/t/A012", 6)
        .partial_cut(3);
    r.into_bytes()
}

#[test]
fn healthy_printer_reports_ready_and_prints_the_exact_bytes() {
    let sim = PrinterSim::spawn().unwrap();
    let mut p = connect(&sim);
    let s = p.status().unwrap();
    assert!(s.online && s.can_print() && s.paper == PaperLevel::Ok);
    assert_eq!(p.font_id().unwrap(), "CHINA GB18030");

    let job = ticket();
    let report = p.print(&job).unwrap();
    assert_eq!(report.bytes, job.len());
    assert!(report.after.can_print());
    assert!(report.last_byte_written_at <= Instant::now());
    assert_eq!(
        sim.wait_for_jobs(1, Duration::from_secs(2)),
        vec![job.clone()],
        "status queries are not in the job"
    );

    // a second job, larger than one write chunk, with a raster image whose data holds DLE EOT and cut bytes
    let mut r = Receipt::new();
    let bits: Vec<u8> = (0..72 * 200)
        .map(|i| [0x10, 0x04, 0x01, 0x1D, 0x56, 0x42][i % 6])
        .collect();
    r.raster(576, 200, &bits).full_cut(0);
    let big = r.into_bytes();
    p.print(&big).unwrap();
    assert_eq!(sim.wait_for_jobs(2, Duration::from_secs(2)), vec![job, big]);
}

#[test]
fn paper_near_end_prints_with_a_warning() {
    let sim = PrinterSim::spawn().unwrap();
    sim.set_paper(PaperLevel::NearEnd);
    let mut p = connect(&sim);
    let job = ticket();
    let report = p.print(&job).unwrap();
    assert_eq!(report.before.paper, PaperLevel::NearEnd);
    assert_eq!(report.after.warning(), Some("paper roll is nearly used up"));
    assert_eq!(sim.wait_for_jobs(1, Duration::from_secs(2)), vec![job]);
}

#[test]
fn paper_out_and_cover_open_refuse_the_job_and_send_nothing() {
    let sim = PrinterSim::spawn().unwrap();
    let mut p = connect(&sim);
    let job = ticket();

    sim.set_paper(PaperLevel::Out);
    match p.print(&job) {
        Err(PrinterError::NotReady(s)) => {
            assert_eq!(s.paper, PaperLevel::Out);
            assert!(!s.online);
        }
        other => panic!("expected NotReady, got {other:?}"),
    }
    sim.set_paper(PaperLevel::Ok);
    sim.set_cover_open(true);
    let e = p.print(&job).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the printer is not ready: printer cover is open"
    );
    sim.set_cover_open(false);
    sim.set_cutter_error(true);
    assert!(matches!(p.print(&job), Err(PrinterError::NotReady(s)) if s.cutter_error));
    sim.set_cutter_error(false);

    assert!(
        sim.wait_for_jobs(1, Duration::from_millis(200)).is_empty(),
        "nothing reached the paper"
    );
    // the caller still holds the job: once the fault clears it prints whole
    p.print(&job).unwrap();
    assert_eq!(sim.wait_for_jobs(1, Duration::from_secs(2)), vec![job]);
}

#[test]
fn silent_printer_is_no_answer_and_recovers() {
    let sim = PrinterSim::spawn().unwrap();
    let mut p = connect(&sim).with_timeout(Duration::from_millis(100));
    sim.set_silent(true);
    let t = Instant::now();
    assert!(matches!(p.status(), Err(PrinterError::NoAnswer)));
    assert!(t.elapsed() < Duration::from_secs(1));
    assert!(matches!(p.print(&ticket()), Err(PrinterError::NoAnswer)));
    sim.set_silent(false);
    assert!(p.status().unwrap().can_print());
}

#[test]
fn slow_printer_within_the_timeout_answers_beyond_it_does_not() {
    let sim = PrinterSim::spawn().unwrap();
    let mut p = connect(&sim).with_timeout(Duration::from_millis(150));
    sim.set_delay(Duration::from_millis(30));
    assert!(p.status().unwrap().can_print());
    sim.set_delay(Duration::from_millis(400));
    assert!(matches!(p.status(), Err(PrinterError::NoAnswer)));
    sim.set_delay(Duration::ZERO);
    std::thread::sleep(Duration::from_millis(500)); // the late reply arrives; the next query must discard it
    assert!(p.status().unwrap().can_print());
}
