//! Shared helpers of the benchmarks (each bench is a plain `harness = false` program that prints its numbers).
#![allow(dead_code)]

use std::time::Duration;

pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let idx = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[idx.min(samples.len() - 1)]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn report(name: &str, samples: &mut [Duration], budget: Option<Duration>) {
    let p50 = percentile(samples, 0.5);
    let p95 = percentile(samples, 0.95);
    let max = *samples.iter().max().unwrap();
    let verdict = match budget {
        Some(b) if p95 <= b => format!("  (budget {:.1} ms: OK)", ms(b)),
        Some(b) => format!("  (budget {:.1} ms: OVER)", ms(b)),
        None => String::new(),
    };
    println!(
        "{name:<44} n={:<4} p50 {:>8.2} ms  p95 {:>8.2} ms  max {:>8.2} ms{verdict}",
        samples.len(),
        ms(p50),
        ms(p95),
        ms(max)
    );
}
