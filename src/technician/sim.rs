//! `sanban-kiosk device sim idcard|printer|locker`: a device simulator on a pseudo-terminal, driven by commands on
//! stdin (interactive by nature, so it prints as it goes).

use std::io::BufRead;
use std::path::Path;
use std::time::Duration;

use sanban_hardware::idcard::{Fault, IdCardSim, SimCard};
use sanban_hardware::locker::LockerSim;
use sanban_hardware::printer::{PaperLevel, PrinterSim};

use super::render::RECEIPT_FONT;

/// A simulator a technician (or a test, or the demo) can connect to. Reads commands from stdin until EOF.
pub fn sim(
    config: &crate::config::Config,
    kind: &str,
    card: &str,
    jobs_dir: Option<&Path>,
) -> anyhow::Result<()> {
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
