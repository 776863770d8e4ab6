//! The technician command line's side of the reports: plain text for a person, JSON (`--json`) for a script. No
//! report is computed here; each comes from its module, the same one the maintenance pages use.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::Duration;

use zeroize::Zeroizing;

use super::card::{self, ReadIdReport};
use super::locker::LockerReport;
use super::maintenance::MaintenanceStatus;
use super::outbox::{human_age, OutboxReport};
use super::printer::PrinterReport;
use crate::config::Config;
use crate::maintenance::credentials;

fn json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `device list`
pub fn list_ports() -> anyhow::Result<()> {
    let ports = super::ports::list()?;
    if ports.is_empty() {
        println!("no serial ports found");
    }
    for p in ports {
        match p.usb {
            Some(usb) => println!("{}\tusb {usb}", p.name),
            None => println!("{}\t{}", p.name, p.kind),
        }
    }
    Ok(())
}

/// `device read-id`: every field of the card (masked unless `unmasked`), then the time of each step.
pub fn read_id(
    config: &Config,
    port: &str,
    as_json: bool,
    unmasked: bool,
    wait: Duration,
) -> anyhow::Result<()> {
    let report = card::read_over_port(config, port, !unmasked, wait)?;
    if as_json {
        return json(&read_id_json(&report));
    }
    for f in &report.card.fields {
        println!("{:<22}{}", format!("{}:", card::label(f.key)), f.value);
    }
    println!(
        "{:<22}{} bytes (WLT, not decoded)",
        "photo:", report.photo_bytes
    );
    for s in &report.steps {
        println!("  {:<28} {:8.2} ms", s.step, s.ms);
    }
    println!(
        "total:                {:.2} ms for {} bytes ({:.2} ms on the wire at {} baud)",
        report.total_ms, report.bytes, report.wire_ms, report.baud
    );
    if report.card.masked {
        println!("(masked: add --unmasked to show the full record)");
    }
    Ok(())
}

/// The JSON of `device read-id`: each field by its key at the top level, with the read's numbers.
pub fn read_id_json(report: &ReadIdReport) -> serde_json::Value {
    let mut v = serde_json::json!({
        "kind": report.card.kind,
        "masked": report.card.masked,
        "photo_bytes": report.photo_bytes,
        "steps_ms": report.steps,
        "bytes": report.bytes,
        "wire_ms": report.wire_ms,
        "total_ms": report.total_ms,
    });
    for f in &report.card.fields {
        v[f.key] = serde_json::Value::String(f.value.clone());
    }
    v
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// The printer report as lines (`device printer-status`).
pub fn print_printer(report: &PrinterReport) {
    println!("online:        {}", report.online);
    println!("cover open:    {}", report.cover_open);
    println!("paper:         {}", report.paper);
    println!("cutter error:  {}", report.cutter_error);
    println!("unrecoverable: {}", report.unrecoverable_error);
    println!("recoverable:   {}", report.recoverable_error);
    if let Some(w) = report.warning {
        println!("warning:       {w}");
    }
    println!("ready:         {}", yes(report.ready));
}

/// `device printer-status`: fails (non-zero) with the cause when the printer cannot print.
pub fn printer_status(config: &Config, port: &str, as_json: bool) -> anyhow::Result<()> {
    let report = super::printer::status_over_port(config, port)?;
    if as_json {
        json(&report)?;
    } else {
        print_printer(&report);
    }
    match report.problem {
        Some(p) => anyhow::bail!("printer cannot print: {p}"),
        None => Ok(()),
    }
}

/// `device print-test`
pub fn print_test(config: &Config, port: &str) -> anyhow::Result<()> {
    let report = super::printer::print_test_over_port(config, port)?;
    println!(
        "printed {} bytes; paper after: {}",
        report.bytes, report.after.paper
    );
    if let Some(n) = report.simulator_jobs {
        println!("simulator received {n} job(s)");
    }
    Ok(())
}

/// `device render`
pub fn render(file: &Path, out: &Path) -> anyhow::Result<()> {
    let (w, h) = super::render::render(file, out)?;
    println!("wrote {} ({w}×{h} dots)", out.display());
    Ok(())
}

/// `device locker --port P status | open N`
pub fn locker(config: &Config, port: &str, open: Option<u16>) -> anyhow::Result<()> {
    let LockerReport { opened, doors } = super::locker::over_port(config, port, open)?;
    if let Some(o) = opened {
        println!("door {}: {}", o.door, o.outcome);
    }
    for d in doors {
        println!(
            "door {:>3}: {}",
            d.door,
            if d.open { "open" } else { "shut" }
        );
    }
    Ok(())
}

/// `locker deposit --door N --document NUMBER`: says when the door is open, then how it ended. A door that did
/// not open, or a deposit held for a look, is a failure (non-zero exit) after its report.
pub fn locker_deposit(
    config: &Config,
    door: u16,
    document: &super::deposit::DocumentNo,
    wait: std::time::Duration,
    as_json: bool,
) -> anyhow::Result<()> {
    use super::deposit::{DepositOutcome, Progress};
    struct Say(bool);
    impl Progress for Say {
        fn door_open(&mut self, door: u16) {
            if !self.0 {
                println!("door {door} is open: put the document in and shut the door");
            }
        }
    }
    let report = super::deposit::deposit(config, door, document, wait, &mut Say(as_json))?;
    if as_json {
        json(&report)?;
    } else {
        match report.outcome {
            DepositOutcome::Deposited => println!(
                "deposited {} in door {} (event #{}: the platform sends the citizen a code)",
                report.document_no,
                report.door,
                report.outbox_seq.unwrap_or_default()
            ),
            DepositOutcome::Jammed => println!(
                "door {} did not open: nothing deposited, the door is free again; report the door",
                report.door
            ),
            DepositOutcome::Held => println!(
                "door {} was not shut within {}s: held for the staff to check what is inside",
                report.door,
                wait.as_secs()
            ),
        }
    }
    match report.outcome {
        DepositOutcome::Deposited => Ok(()),
        DepositOutcome::Jammed => anyhow::bail!("door {} jammed", report.door),
        DepositOutcome::Held => anyhow::bail!("door {} held for the staff", report.door),
    }
}

/// `locker status`
pub fn locker_status(config: &Config, as_json: bool) -> anyhow::Result<()> {
    let s = super::deposit::status(config)?;
    if as_json {
        return json(&s);
    }
    if let Some(e) = &s.sensors_error {
        println!("door sensors not read: {e}");
    }
    for d in &s.doors {
        let what = match (d.state, &d.document_no, &d.document) {
            (None, _, _) => "free".to_string(),
            (Some(state), no, name) => {
                let mut line = state.to_string();
                for part in [name, no].into_iter().flatten() {
                    line.push_str(&format!(" · {part}"));
                }
                if let Some(days) = d.days {
                    line.push_str(&format!(" · {days} days"));
                }
                if d.overdue {
                    line.push_str(&format!(" · OVERDUE (> {} days)", s.overdue_days));
                }
                if let Some(reason) = &d.hold_reason {
                    line.push_str(&format!(" · held: {reason}"));
                }
                line
            }
        };
        println!("door {:>3}: {:<5} {what}", d.door, d.sensor.unwrap_or("?"));
    }
    Ok(())
}

/// `outbox status`
pub fn outbox_status(config: &Config, as_json: bool) -> anyhow::Result<()> {
    let store = crate::store::Store::open(&config.database_path())?;
    let report = OutboxReport::gather(&store, config.platform.url.as_deref(), chrono::Utc::now())?;
    let retention_days = config.data.personal_retention_days;
    if as_json {
        let mut value = serde_json::to_value(&report)?;
        value["personal_data"]["retention_days"] = retention_days.into();
        return json(&value);
    }
    println!(
        "platform:        {}",
        report
            .platform
            .as_deref()
            .unwrap_or("(none: stand-alone, events stay queued)")
    );
    println!("pending events:  {}", report.pending);
    println!("applied events:  {}", report.applied);
    println!("rejected events: {}", report.rejected);
    println!("last sequence:   {}", report.last_seq);
    match (&report.oldest_pending_at, report.oldest_pending_age_secs) {
        (Some(at), Some(age)) => println!("oldest pending:  {at} ({})", human_age(age)),
        _ => println!("oldest pending:  -"),
    }
    println!(
        "last error:      {}",
        report.last_error.as_deref().unwrap_or("-")
    );
    for r in &report.rejections {
        println!("  rejected #{} {}: {}", r.seq, r.kind, r.reason);
    }
    // Personal data at rest: how much, how old; erased this long after the platform acknowledged it.
    let personal = &report.personal_data;
    match (&personal.oldest_at, personal.oldest_age_secs) {
        (Some(at), Some(age)) => println!(
            "personal data:   {} event(s), sealed; oldest {at} ({}); erased {retention_days} day(s) after acknowledgement",
            personal.events,
            human_age(age),
        ),
        _ => println!(
            "personal data:   none held; erased {retention_days} day(s) after acknowledgement"
        ),
    }
    println!(
        "erased:          {} event(s) kept as tombstones",
        personal.erased
    );
    // Receipts that never reached paper (the errand itself is valid and queued for the platform).
    println!("unprinted jobs:  {}", report.unprinted_jobs.len());
    for job in &report.unprinted_jobs {
        println!(
            "  job {} ({}) {} at {}: {}",
            job.id,
            job.subject,
            job.status,
            job.created_at,
            job.detail.as_deref().unwrap_or("never sent")
        );
    }
    Ok(())
}

/// `sync --once`
pub fn sync_once(config: &Config) -> anyhow::Result<()> {
    let r = super::outbox::sync_once(config)?;
    if r.erased > 0 {
        println!(
            "erased the personal data of {} acknowledged event(s)",
            r.erased
        );
    }
    println!(
        "sent {} events in {} batches; {} rejected by the platform; {} still pending",
        r.sent, r.batches, r.rejected, r.still_pending
    );
    Ok(())
}

/// `maintenance status`
pub fn maintenance_status(config: &Config, as_json: bool) -> anyhow::Result<()> {
    let s: MaintenanceStatus = super::maintenance::status(config, chrono::Utc::now())?;
    if as_json {
        return json(&s);
    }
    println!(
        "credentials:     {}{}",
        s.credentials,
        if s.from_systemd {
            " (from systemd's $CREDENTIALS_DIRECTORY)"
        } else {
            ""
        }
    );
    if let Some(p) = &s.problem {
        println!("problem:         {p}");
    }
    println!(
        "technicians:     {}",
        if s.technicians.is_empty() {
            "none (no PIN: run `sanban-kiosk maintenance set-pin` as root)".to_string()
        } else {
            s.technicians.join(", ")
        }
    );
    println!(
        "one-time codes:  {}",
        if s.one_time_codes {
            "yes"
        } else {
            "no (`sanban-platform maintenance-secret ID`, then `sanban-kiosk maintenance set-code-secret`)"
        }
    );
    println!("wrong tries:     {}", s.failures);
    println!(
        "locked until:    {}",
        s.locked_until.as_deref().unwrap_or("-")
    );
    for row in &s.settings {
        println!("setting {:<18} {:<6} ({})", row.key, row.value, row.source);
    }
    Ok(())
}

/// The file the provisioning commands write: `--file`, else the configured path (never systemd's read-only copy).
fn credentials_file(config: &Config, file: Option<PathBuf>) -> PathBuf {
    file.unwrap_or_else(|| config.maintenance.credentials.clone())
}

/// Read a secret line: from the terminal without echo, or a line of stdin when it is not a terminal (scripts).
fn read_secret(
    prompt: &str,
    stdin_lines: &mut impl Iterator<Item = std::io::Result<String>>,
) -> anyhow::Result<Zeroizing<String>> {
    if std::io::stdin().is_terminal() {
        Ok(Zeroizing::new(rpassword::prompt_password(prompt)?))
    } else {
        let line = stdin_lines
            .next()
            .ok_or_else(|| anyhow::anyhow!("no input on stdin"))??;
        Ok(Zeroizing::new(line.trim().to_string()))
    }
}

/// `maintenance set-pin`: asks for the PIN twice and stores its Argon2id hash.
pub fn set_pin(config: &Config, technician: &str, file: Option<PathBuf>) -> anyhow::Result<()> {
    let path = credentials_file(config, file);
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let pin = read_secret(
        &format!("new PIN for {technician} (6-12 digits): "),
        &mut lines,
    )?;
    let again = read_secret("the same PIN again: ", &mut lines)?;
    anyhow::ensure!(*pin == *again, "the two PINs differ; nothing was changed");
    credentials::set_pin(&path, technician, &pin)?;
    println!(
        "PIN of technician {technician} stored (Argon2id hash) in {}",
        path.display()
    );
    println!("a running kiosk under systemd reads it after `systemctl restart sanban-kiosk`");
    Ok(())
}

/// `maintenance remove-technician NAME`
pub fn remove_technician(config: &Config, name: &str, file: Option<PathBuf>) -> anyhow::Result<()> {
    let path = credentials_file(config, file);
    if credentials::remove_technician(&path, name)? {
        println!("technician {name} removed from {}", path.display());
        Ok(())
    } else {
        anyhow::bail!("no technician {name:?} in {}", path.display())
    }
}

/// `maintenance set-code-secret`: the platform's per-kiosk secret of one-time codes, read from stdin.
pub fn set_code_secret(config: &Config, file: Option<PathBuf>) -> anyhow::Result<()> {
    let path = credentials_file(config, file);
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let secret = read_secret(
        "one-time code secret (64 hex digits, from `sanban-platform maintenance-secret`): ",
        &mut lines,
    )?;
    credentials::set_code_secret(&path, &secret)?;
    println!("one-time code secret stored in {}", path.display());
    println!("a running kiosk under systemd reads it after `systemctl restart sanban-kiosk`");
    Ok(())
}
