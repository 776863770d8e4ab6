//! `sanban-kiosk device …`: list ports, run a simulator, read a test card, query and test the printer, render a
//! saved print job, drive the locker board. `--port sim` starts the matching simulator in-process.

use std::io::BufRead;
use std::path::Path;
use std::time::{Duration, Instant};

use sanban_hardware::idcard::{CardKind, Fault, IdCardError, IdCardSim, IdReader, SimCard};
use sanban_hardware::locker::LockerSim;
use sanban_hardware::printer::{Align, PaperLevel, Printer, PrinterSim, Receipt};
use sanban_hardware::transport::{wire_time, SerialTransport};

use crate::config::Config;

/// The CJK font receipts are previewed with (the one the UI ships).
pub const RECEIPT_FONT: &[u8] = include_bytes!("../../ui/fonts/NotoSansSC-Regular-GB2312.otf");

/// `device list`: every serial port with its USB ids.
pub fn list() -> anyhow::Result<()> {
    let ports = serialport::available_ports()
        .map_err(|e| anyhow::anyhow!("cannot list serial ports: {e}"))?;
    if ports.is_empty() {
        println!("no serial ports found");
    }
    for p in ports {
        match p.port_type {
            serialport::SerialPortType::UsbPort(u) => println!(
                "{}\tusb {:04x}:{:04x}\t{} {}{}",
                p.port_name,
                u.vid,
                u.pid,
                u.manufacturer.unwrap_or_default(),
                u.product.unwrap_or_default(),
                u.serial_number
                    .map(|s| format!(" (serial {s})"))
                    .unwrap_or_default()
            ),
            serialport::SerialPortType::PciPort => println!("{}\tpci", p.port_name),
            serialport::SerialPortType::BluetoothPort => println!("{}\tbluetooth", p.port_name),
            serialport::SerialPortType::Unknown => println!("{}\tunknown", p.port_name),
        }
    }
    Ok(())
}

/// A simulator a technician (or a test, or the demo) can connect to. Reads commands from stdin until EOF.
pub fn sim(config: &Config, kind: &str, card: &str, jobs_dir: Option<&Path>) -> anyhow::Result<()> {
    match kind {
        "idcard" => {
            let sim = IdCardSim::spawn()?;
            sim.place(sample_card(card)?);
            println!("{}", sim.path().display());
            eprintln!("ID card simulator ready. Commands: place <card> | remove | fault <no-card|select|read|checksum|slow|half|silent> | clear");
            for line in std::io::stdin().lock().lines() {
                let line = line?;
                let words: Vec<&str> = line.split_whitespace().collect();
                let result = match words.as_slice() {
                    ["place", card] => sample_card(card).map(|c| sim.place(c)),
                    ["remove"] => {
                        let _: () = sim.remove();
                        Ok(())
                    }
                    ["fault", f] => fault(f).map(|f| sim.inject(f)),
                    ["clear"] => {
                        let _: () = sim.clear_faults();
                        Ok(())
                    }
                    [] => Ok(()),
                    _ => Err(anyhow::anyhow!("unknown command {line:?}")),
                };
                if let Err(e) = result {
                    eprintln!("{e}");
                }
            }
        }
        "printer" => {
            let sim = PrinterSim::spawn()?;
            println!("{}", sim.path().display());
            eprintln!("printer simulator ready. Commands: paper <ok|low|out> | cover <open|closed> | silent <on|off> | jobs");
            let mut saved = 0;
            for line in std::io::stdin().lock().lines() {
                let line = line?;
                match line.split_whitespace().collect::<Vec<_>>().as_slice() {
                    ["paper", "ok"] => sim.set_paper(PaperLevel::Ok),
                    ["paper", "low"] => sim.set_paper(PaperLevel::NearEnd),
                    ["paper", "out"] => sim.set_paper(PaperLevel::Out),
                    ["cover", "open"] => sim.set_cover_open(true),
                    ["cover", "closed"] => sim.set_cover_open(false),
                    ["silent", on] => sim.set_silent(*on == "on"),
                    ["jobs"] => eprintln!("{} jobs received", sim.jobs().len()),
                    [] => {}
                    _ => eprintln!("unknown command {line:?}"),
                }
                if let Some(dir) = jobs_dir {
                    saved = save_jobs(&sim.jobs(), saved, dir)?;
                }
            }
            if let Some(dir) = jobs_dir {
                save_jobs(&sim.jobs(), saved, dir)?;
            }
        }
        "locker" => {
            // The boards of the configuration, so doors are numbered as on this kiosk's locker.
            let boards = config.devices.locker_boards();
            let sim = LockerSim::spawn_bus(&boards)?;
            println!("{}", sim.path().display());
            let described: Vec<String> = boards
                .iter()
                .map(|(a, d)| format!("board {a}: {d} doors"))
                .collect();
            eprintln!(
                "locker simulator ready ({}). {}",
                described.join(", "),
                LockerSim::help()
            );
            for line in std::io::stdin().lock().lines() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                match sim.run(&line) {
                    Ok(text) => eprintln!("{text}"),
                    Err(e) => eprintln!("{e}"),
                }
            }
        }
        other => anyhow::bail!("unknown device {other:?}: idcard, printer or locker"),
    }
    Ok(())
}

fn save_jobs(jobs: &[Vec<u8>], already: usize, dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir)?;
    for (i, job) in jobs.iter().enumerate().skip(already) {
        let path = dir.join(format!("job-{:03}.escpos", i + 1));
        std::fs::write(&path, job)?;
        let preview = sanban_hardware::printer::render(job, RECEIPT_FONT)?;
        preview.write_png(path.with_extension("png"))?;
        eprintln!("saved {} (+ .png preview)", path.display());
    }
    Ok(jobs.len())
}

fn sample_card(name: &str) -> anyhow::Result<SimCard> {
    Ok(match name {
        "resident" => SimCard::resident(),
        "long-term" => SimCard::resident_long_term(),
        "elderly" => SimCard::elderly(),
        "hk-macao-taiwan" => SimCard::hk_macao_taiwan(),
        "pr-2017" => SimCard::pr_2017(),
        "pr-2023" => SimCard::pr_2023(),
        other => anyhow::bail!(
            "unknown sample card {other:?}: resident, long-term, elderly, hk-macao-taiwan, pr-2017, pr-2023"
        ),
    })
}

fn fault(name: &str) -> anyhow::Result<Fault> {
    Ok(match name {
        "no-card" => Fault::NoCard,
        "select" => Fault::SelectFails,
        "read" => Fault::ReadFails,
        "checksum" => Fault::ChecksumError,
        "slow" => Fault::Slow(Duration::from_millis(300)),
        "half" => Fault::HalfFrame,
        "silent" => Fault::Silent,
        other => anyhow::bail!("unknown fault {other:?}"),
    })
}

/// Keep a simulator alive while a command uses it (`--port sim`).
enum Port {
    Path(String),
    IdSim(IdCardSim),
    PrinterSim(PrinterSim),
    LockerSim(LockerSim),
}

impl Port {
    fn path(&self) -> String {
        match self {
            Port::Path(p) => p.clone(),
            Port::IdSim(s) => s.path().display().to_string(),
            Port::PrinterSim(s) => s.path().display().to_string(),
            Port::LockerSim(s) => s.path().display().to_string(),
        }
    }
}

/// `device read-id`: wait for a card, read it, print the record (masked unless `unmasked`) and step timings.
pub fn read_id(
    config: &Config,
    port: &str,
    json: bool,
    unmasked: bool,
    wait: Duration,
) -> anyhow::Result<()> {
    let port = if port == "sim" {
        let sim = IdCardSim::spawn()?;
        sim.place(SimCard::resident());
        Port::IdSim(sim)
    } else {
        Port::Path(port.into())
    };
    let baud = config.devices.idcard_baud;
    let transport = SerialTransport::open(&port.path(), baud)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", port.path()))?;
    let mut reader = IdReader::new(transport);
    let started = Instant::now();
    eprintln!("waiting for a card on {} ({} baud)…", port.path(), baud);
    let read = loop {
        match reader.read_card() {
            Ok(read) => break read,
            Err(IdCardError::NoCard) if started.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(200))
            }
            Err(e) => anyhow::bail!("{e}"),
        }
    };
    let r = &read.record;
    let tz = config.time_zone()?;
    let wire = wire_time(read.bytes.total(), baud);
    let steps: Vec<(String, f64)> = read
        .timings
        .iter()
        .map(|(step, d)| (format!("{step}"), d.as_secs_f64() * 1000.0))
        .collect();
    let (name, id) = if unmasked {
        (r.name().to_string(), r.id_number().to_string())
    } else {
        (r.masked_name(), r.masked_id())
    };
    if json {
        let value = serde_json::json!({
            "card_type": kind_name(r.kind()),
            "name": name,
            "id_number": id,
            "masked": !unmasked,
            "age": r.age_on(crate::clock::card_today(tz)),
            "expired": r.is_expired_on(crate::clock::card_today(tz)),
            "photo_bytes": read.photo.len(),
            "steps_ms": steps.iter().map(|(s, ms)| serde_json::json!({"step": s, "ms": ms})).collect::<Vec<_>>(),
            "bytes": read.bytes.total(),
            "wire_ms": wire.as_secs_f64() * 1000.0,
            "total_ms": read.total_time().as_secs_f64() * 1000.0,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("card type:   {}", kind_name(r.kind()));
        println!("name:        {name}");
        println!("id number:   {id}");
        println!("age:         {}", r.age_on(crate::clock::card_today(tz)));
        println!(
            "expired:     {}",
            if r.is_expired_on(crate::clock::card_today(tz)) {
                "yes"
            } else {
                "no"
            }
        );
        println!("photo:       {} bytes (WLT, not decoded)", read.photo.len());
        for (step, ms) in &steps {
            println!("  {step:<28} {ms:8.2} ms");
        }
        println!(
            "total:       {:.2} ms for {} bytes ({:.2} ms on the wire at {baud} baud)",
            read.total_time().as_secs_f64() * 1000.0,
            read.bytes.total(),
            wire.as_secs_f64() * 1000.0
        );
        if !unmasked {
            println!("(masked: add --unmasked to show the full record)");
        }
    }
    Ok(())
}

fn kind_name(kind: CardKind) -> &'static str {
    match kind {
        CardKind::Resident => "resident ID card (居民身份证)",
        CardKind::HkMacaoTaiwan => "Hong Kong/Macao/Taiwan residence permit (港澳台居民居住证)",
        CardKind::PermanentResident2017 => {
            "foreign permanent resident ID, 2017 (外国人永久居留身份证)"
        }
        CardKind::PermanentResident2023 => {
            "foreign permanent resident ID, 2023 (外国人永久居留身份证)"
        }
    }
}

fn open_printer(config: &Config, port: &str) -> anyhow::Result<(Port, Printer<SerialTransport>)> {
    let port = if port == "sim" {
        Port::PrinterSim(PrinterSim::spawn()?)
    } else {
        Port::Path(port.into())
    };
    let t = SerialTransport::open(&port.path(), config.devices.printer_baud)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", port.path()))?;
    Ok((port, Printer::new(t)))
}

/// `device printer-status`
pub fn printer_status(config: &Config, port: &str) -> anyhow::Result<()> {
    let (_port, mut printer) = open_printer(config, port)?;
    let status = printer.status()?;
    println!("online:        {}", status.online);
    println!("cover open:    {}", status.cover_open);
    println!("paper:         {:?}", status.paper);
    println!("cutter error:  {}", status.cutter_error);
    println!("unrecoverable: {}", status.unrecoverable_error);
    match status.problem() {
        Some(p) => anyhow::bail!("printer cannot print: {p}"),
        None => println!("ready:         yes"),
    }
    Ok(())
}

/// The test page: Chinese text, sizes, bold, alignment, columns, a QR code and a cut.
pub fn test_page() -> Vec<u8> {
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
    r.two_columns(
        "时间",
        &chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string(),
    );
    r.align(Align::Right)
        .line("右对齐 right")
        .align(Align::Center);
    r.qr("SANBAN:TEST", 6).feed(1).line("扫码测试 QR test");
    r.feed(2).partial_cut(3);
    r.into_bytes()
}

/// `device print-test`
pub fn print_test(config: &Config, port: &str) -> anyhow::Result<()> {
    let (port, mut printer) = open_printer(config, port)?;
    let report = printer.print(&test_page())?;
    println!(
        "printed {} bytes; status after: {:?}",
        report.bytes, report.after.paper
    );
    if let Port::PrinterSim(sim) = &port {
        let jobs = sim.wait_for_jobs(1, Duration::from_secs(2));
        println!("simulator received {} job(s)", jobs.len());
    }
    Ok(())
}

/// `device render FILE.escpos --out FILE.png`
pub fn render(file: &Path, out: &Path) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let preview = sanban_hardware::printer::render(&bytes, RECEIPT_FONT)?;
    preview.write_png(out)?;
    println!(
        "wrote {} ({}×{} dots)",
        out.display(),
        preview.width,
        preview.height
    );
    Ok(())
}

/// `device locker --port P status | open N`: every door's sensor, after opening door N (with its proof).
pub fn locker(config: &Config, port: &str, open: Option<u16>) -> anyhow::Result<()> {
    let boards = config.devices.locker_boards();
    let port = if port == "sim" {
        Port::LockerSim(LockerSim::spawn_bus(&boards)?)
    } else {
        Port::Path(port.into())
    };
    let setup = crate::devices::locker_setup(&config.devices, port.path());
    let t = SerialTransport::open(&setup.path, setup.baud)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", setup.path))?;
    let mut bus = setup
        .family
        .connect(t, &setup.boards, setup.polarity, setup.options.clone())?;
    if let Some(door) = open {
        let report = bus.open(door)?;
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        println!(
            "door {door} (board {} lock {}): {:?}; fire command after {}, sensor {}",
            report.addr.board,
            report.addr.lock,
            report.outcome,
            ms(report.pulse_latency()),
            report
                .confirm_latency()
                .map(|d| format!("read open {} after the pulse", ms(d)))
                .unwrap_or_else(|| "never read open".into())
        );
    }
    for state in bus.query()? {
        println!(
            "door {:>3}: {}",
            state.door,
            if state.is_open { "open" } else { "shut" }
        );
    }
    let line = bus.line_status();
    println!(
        "line: echo {:?} ({:?}), {} echo bytes, {} noise bytes, {} stray frames",
        line.echo, line.echo_mode, line.echo_bytes, line.noise_bytes, line.stray_frames
    );
    Ok(())
}
