//! Shared helpers of the IME benchmarks (plain `harness = false` programs that print their numbers).
//!
//! Each sample is taken twice: wall time (what a citizen waits) and the thread's CPU time (what the engine
//! costs). On a dedicated kiosk the two agree; on a shared build machine wall time also counts every time the
//! scheduler runs someone else, so the engine's verdict is read on CPU time and wall time is shown beside it
//! together with the machine's load.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// The calling thread's CPU time.
pub fn thread_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer; CLOCK_THREAD_CPUTIME_ID is always there
    // on Linux.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Wall and CPU samples of one measured operation.
#[derive(Default)]
pub struct Samples {
    pub wall: Vec<Duration>,
    pub cpu: Vec<Duration>,
}

impl Samples {
    /// Runs `f` once, recording its wall and CPU time.
    pub fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let (wall, cpu) = (Instant::now(), thread_cpu());
        let out = f();
        self.cpu.push(thread_cpu().saturating_sub(cpu));
        self.wall.push(wall.elapsed());
        out
    }

    /// Prints p50 / p99 / max of both clocks; returns whether the CPU p99 is within `target`.
    pub fn report(&mut self, name: &str, target: Duration) -> bool {
        self.wall.sort();
        self.cpu.sort();
        let line = |clock: &str, samples: &[Duration]| {
            format!(
                "{clock} p50 {:>7.3}  p99 {:>7.3}  max {:>7.3} ms",
                ms(percentile(samples, 0.5)),
                ms(percentile(samples, 0.99)),
                ms(*samples.last().expect("samples"))
            )
        };
        let cpu_p99 = percentile(&self.cpu, 0.99);
        let ok = cpu_p99 <= target;
        println!("{name} (n={})", self.cpu.len());
        println!(
            "    {}  (target {:.3} ms: {})",
            line("cpu ", &self.cpu),
            ms(target),
            if ok { "OK" } else { "OVER" }
        );
        println!("    {}", line("wall", &self.wall));
        ok
    }

    pub fn cpu_p99(&self) -> Duration {
        let mut sorted = self.cpu.clone();
        sorted.sort();
        percentile(&sorted, 0.99)
    }

    pub fn wall_p99(&self) -> Duration {
        let mut sorted = self.wall.clone();
        sorted.sort();
        percentile(&sorted, 0.99)
    }
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The machine's 1-minute load average and core count, for reading wall times.
pub fn machine_load() -> String {
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("load average {load} on {cores} cores")
}

/// Resident memory of this process, in KiB.
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
