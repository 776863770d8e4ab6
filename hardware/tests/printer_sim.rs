//! The printer driver against the printer simulator over a real pseudo-terminal.

use std::time::{Duration, Instant};

use sanban_hardware::printer::{
    paper_dots, PaperLevel, PrintTiming, Printer, PrinterError, PrinterFont, PrinterSim, Receipt,
    DOTS_PER_MM,
};
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

// ---- print completion: the job's end on paper, not the last byte on the wire ----

/// `lines` text lines, then a cut: a job of known paper length.
fn lines_job(lines: usize) -> Vec<u8> {
    let mut r = Receipt::new();
    for i in 0..lines {
        r.line(&format!("第{i}行 line {i}"));
    }
    r.partial_cut(0);
    r.into_bytes()
}

/// Seconds the simulator needs for `job` at `mm_per_s`.
fn print_seconds(job: &[u8], mm_per_s: f32) -> f64 {
    f64::from(paper_dots(job)) / f64::from(mm_per_s * DOTS_PER_MM as f32)
}

const QUICK: PrintTiming = PrintTiming {
    slowest_mm_per_s: 100.0,
    margin: Duration::from_millis(500),
    poll: Duration::from_millis(25),
};

#[test]
fn completion_is_confirmed_only_after_the_simulated_print_time() {
    let sim = PrinterSim::spawn().unwrap();
    sim.set_print_speed(200.0);
    let mut p = connect(&sim).with_timing(QUICK);
    let job = lines_job(20); // 20 × 32 dots + the cut: about 100 mm, half a second at 200 mm/s
    let expected = print_seconds(&job, 200.0);
    assert!(expected > 0.4, "{expected}");

    let r = p.print(&job).unwrap();
    assert!(r.completion.confirmed(), "the simulator answers GS r 1");
    let took = (r.completion.at() - r.last_byte_written_at).as_secs_f64();
    assert!(
        took >= expected * 0.95,
        "confirmed after {took:.3} s, printing takes {expected:.3} s"
    );
    assert!(took < expected + 0.5, "confirmed promptly: {took:.3} s");
    assert_eq!(
        sim.jobs(),
        vec![job],
        "the whole job is on paper when print returns"
    );
}

#[test]
fn the_bytes_leave_long_before_the_paper_does() {
    let sim = PrinterSim::spawn().unwrap();
    sim.set_print_speed(100.0);
    let job = lines_job(10);
    let path = sim.path().to_str().unwrap().to_string();
    let printing = std::thread::spawn(move || {
        let mut p = Printer::new(SerialTransport::open(&path, 115_200).unwrap()).with_timing(QUICK);
        p.print(&job)
            .map(|r| (r.last_byte_written_at, r.completion))
    });
    // while the driver waits, the simulator is still working through its buffer
    std::thread::sleep(Duration::from_millis(150));
    assert!(sim.jobs().is_empty(), "not on paper 150 ms in");
    let (last_byte, completion) = printing.join().unwrap().unwrap();
    assert!(completion.confirmed());
    assert!(completion.at() - last_byte > Duration::from_millis(300));
    assert_eq!(sim.jobs().len(), 1);
}

#[test]
fn paper_running_out_mid_job_is_reported_as_not_printed() {
    let sim = PrinterSim::spawn().unwrap();
    sim.set_print_speed(400.0);
    sim.run_out_of_paper_after_mm(20); // the job needs about 60 mm
    let mut p = connect(&sim).with_timing(QUICK);
    let job = lines_job(12);
    let e = p.print(&job).unwrap_err();
    assert!(e.paper_out_mid_job(), "{e:?}");
    let PrinterError::StoppedMidJob {
        status,
        last_byte_written_at,
        stopped_at,
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!(status.paper, PaperLevel::Out);
    assert!(stopped_at > last_byte_written_at);
    assert!(sim.jobs().is_empty(), "no complete job on paper");
    let partial = sim.unfinished_job();
    assert!(
        !partial.is_empty() && job.starts_with(&partial),
        "a partial receipt"
    );
    assert!(partial.len() < job.len());

    // a fresh roll: the printer finishes what it had, then takes new jobs, each confirmed by its own answer
    sim.set_paper(PaperLevel::Ok);
    assert_eq!(sim.wait_for_jobs(1, Duration::from_secs(3)).len(), 1);
    let next = lines_job(2);
    let r = p.print(&next).unwrap();
    assert!(r.completion.confirmed());
    assert_eq!(sim.jobs(), vec![job, next]);
}

#[test]
fn an_answer_owed_by_an_interrupted_job_does_not_confirm_the_next_one() {
    let sim = PrinterSim::spawn().unwrap();
    sim.set_print_speed(200.0);
    sim.run_out_of_paper_after_mm(10);
    let mut p = connect(&sim).with_timing(QUICK);
    let first = lines_job(12);
    assert!(p.print(&first).unwrap_err().paper_out_mid_job());
    // reloaded at once: the rest of the first job prints (and its GS r is answered) while the next is sent
    sim.set_paper(PaperLevel::Ok);
    let second = lines_job(12);
    let r = p.print(&second).unwrap();
    assert!(r.completion.confirmed());
    let took = (r.completion.at() - r.last_byte_written_at).as_secs_f64();
    assert!(
        took >= print_seconds(&second, 200.0) * 0.95,
        "confirmed after {took:.3} s: by the second job's own answer"
    );
    assert_eq!(sim.jobs(), vec![first, second]);
}

#[test]
fn cover_opened_mid_job_stops_the_job() {
    let sim = PrinterSim::spawn().unwrap();
    sim.set_print_speed(100.0);
    let mut p = connect(&sim).with_timing(QUICK);
    let job = lines_job(20);
    let sim = std::sync::Arc::new(sim);
    let s2 = sim.clone();
    let cover = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        s2.set_cover_open(true);
    });
    let e = p.print(&job).unwrap_err();
    cover.join().unwrap();
    match e {
        PrinterError::StoppedMidJob { status, .. } => assert!(status.cover_open),
        other => panic!("{other:?}"),
    }
    assert!(sim.jobs().is_empty());
}

#[test]
fn legacy_firmware_falls_back_to_the_print_time_bound() {
    let sim = PrinterSim::spawn().unwrap();
    sim.set_print_speed(400.0);
    sim.set_legacy_firmware(true);
    let mut p = connect(&sim).with_timing(QUICK);
    let job = lines_job(8);
    let bound = QUICK.completion_timeout(&job);
    let r = p.print(&job).unwrap();
    assert!(
        !r.completion.confirmed(),
        "legacy firmware never answers GS r 1"
    );
    assert!(r.completion.at() - r.last_byte_written_at >= bound);
    assert_eq!(sim.jobs(), vec![job], "printed well within the bound");
}

#[test]
fn legacy_firmware_still_reports_paper_out_mid_job() {
    let sim = PrinterSim::spawn().unwrap();
    sim.set_print_speed(400.0);
    sim.set_legacy_firmware(true);
    sim.run_out_of_paper_after_mm(5);
    let mut p = connect(&sim).with_timing(QUICK);
    assert!(p.print(&lines_job(8)).unwrap_err().paper_out_mid_job());
}

#[test]
fn the_font_comes_from_gs_i_or_from_configuration() {
    let sim = PrinterSim::spawn().unwrap();
    let mut p = connect(&sim);
    assert_eq!(p.printer_font(PrinterFont::Gb2312), PrinterFont::Gb18030);
    sim.set_font(PrinterFont::Gb2312);
    assert_eq!(p.font_id().unwrap(), "CHINA GB2312");
    assert_eq!(p.printer_font(PrinterFont::Gb18030), PrinterFont::Gb2312);
    sim.set_silent(true);
    let mut p = p.with_timeout(Duration::from_millis(50));
    assert_eq!(
        p.printer_font(PrinterFont::Gb18030),
        PrinterFont::Gb18030,
        "no answer: configured"
    );
}

#[test]
fn a_late_answer_to_an_earlier_connections_job_does_not_confirm_the_next_one() {
    let sim = PrinterSim::spawn().unwrap();
    sim.set_print_speed(200.0);
    let first = lines_job(20); // about half a second of printing
    let second = ticket();
    {
        // A kiosk that sent its job and its GS r 1, then died before the answer.
        use sanban_hardware::transport::Transport;
        let path = sim.path().to_str().unwrap();
        let mut t = SerialTransport::open(path, 115_200).unwrap();
        t.send(&first).unwrap();
        t.send(&[0x1D, 0x72, 0x01]).unwrap();
    }
    // The restarted kiosk opens the port while the first job still prints.
    let mut p = connect(&sim).with_timing(QUICK);
    assert!(
        p.settle(Duration::from_secs(5)).unwrap(),
        "GS I 69 answered"
    );
    assert_eq!(
        sim.jobs(),
        vec![first.clone()],
        "settling waited for the earlier job's answer to pass"
    );
    let r = p.print(&second).unwrap();
    assert!(r.completion.confirmed());
    assert_eq!(
        sim.jobs(),
        vec![first, second],
        "confirmed only once its own job is on paper"
    );
}
