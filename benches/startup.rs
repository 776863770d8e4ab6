//! Process start → first frame rendered (software renderer, 1080×1920; budget < 150 ms) and resident memory idle
//! on the home page (budget < 60 MB), each beside the same measure of an equivalent web kiosk page
//! (benches/web/home.html) in headless Chromium when /usr/bin/chromium is installed.

#[path = "common.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 7;

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn kiosk() -> (Vec<Duration>, Vec<u64>) {
    let exe = env!("CARGO_BIN_EXE_sanban-kiosk");
    let mut starts = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..RUNS {
        let dir = tempfile::tempdir().unwrap();
        let t = Instant::now();
        let mut child = Command::new(exe)
            .args([
                "--data-dir",
                dir.path().to_str().unwrap(),
                "run",
                "--headless",
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        loop {
            match lines.next() {
                Some(Ok(l)) if l == "first frame rendered" => break,
                Some(_) => continue,
                None => panic!("kiosk exited before its first frame"),
            }
        }
        starts.push(t.elapsed());
        std::thread::sleep(Duration::from_secs(3)); // idle on the home page
        rss.push(rss_kib(child.id()).unwrap_or(0));
        let _ = child.kill();
        let _ = child.wait();
    }
    (starts, rss)
}

fn chromium_flags(profile: &std::path::Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1080,1920",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

fn chromium() -> Option<(Vec<Duration>, Vec<u64>)> {
    let bin = "/usr/bin/chromium";
    if !std::path::Path::new(bin).exists() {
        return None;
    }
    let page = format!(
        "file://{}/benches/web/home.html",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut starts = Vec::new();
    let mut largest = Vec::new();
    for _ in 0..RUNS {
        // Start → screenshot written (the first frame a citizen would see), process exit included.
        let profile = tempfile::tempdir().unwrap();
        let shot = profile.path().join("shot.png");
        let t = Instant::now();
        let status = Command::new(bin)
            .args(chromium_flags(profile.path()))
            .arg(format!("--screenshot={}", shot.display()))
            .arg(&page)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        if status.success() && shot.exists() {
            starts.push(t.elapsed());
        }
        // Idle memory: keep the page open, then read every Chromium process's RSS; report the largest.
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(bin)
            .args(chromium_flags(profile.path()))
            .arg("--remote-debugging-port=0")
            .arg(&page)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        std::thread::sleep(Duration::from_secs(3));
        let mut max = 0;
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&profile.path().display().to_string()) {
                max = max.max(rss_kib(pid).unwrap_or(0));
            }
        }
        largest.push(max);
        let _ = child.kill();
        let _ = child.wait();
    }
    Some((starts, largest))
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let (mut starts, rss) = kiosk();
    common::report(
        "kiosk: process start → first frame",
        &mut starts,
        Some(Duration::from_millis(150)),
    );
    println!(
        "{:<44} median {:.1} MB (budget 60 MB)",
        "kiosk: RSS idle on home page",
        median(rss) as f64 / 1024.0
    );
    match chromium() {
        Some((mut starts, rss)) if !starts.is_empty() => {
            common::report(
                "chromium: start → screenshot of home.html",
                &mut starts,
                None,
            );
            println!(
                "{:<44} median {:.1} MB",
                "chromium: largest process RSS, idle",
                median(rss) as f64 / 1024.0
            );
        }
        _ => println!("chromium: not installed (apt-get install chromium) — comparison skipped"),
    }
}
