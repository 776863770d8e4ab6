//! Opening the embedded dictionary, and the memory it costs.
//!
//! The kiosk must start in well under 150 ms and stay under 60 MB resident. The dictionary is read in place:
//! opening it checks a header, so "at start" and "lazily at the first keystroke" cost the same microseconds; what
//! grows is the resident set, page by page, as lookups touch the embedded bytes. This measures the open, the first
//! keystroke after it, and the resident memory after opening, after typing, and with every page touched (the
//! ceiling: the file's size).

#[path = "common.rs"]
mod common;

use std::hint::black_box;
use std::time::Duration;

use sanban_ime::{Composer, Dictionary};

static EMBEDDED: &[u8] = include_bytes!("../data/dictionary.bin");

const OPEN_BUDGET: Duration = Duration::from_millis(1);
const RSS_CEILING_KIB: u64 = 8 * 1024;

fn main() {
    let rss_start = common::rss_kib();

    // The kiosk's path: the first call opens it.
    let mut first = common::Samples::default();
    let dictionary = first.time(Dictionary::embedded);
    let rss_opened = common::rss_kib();

    let mut first_word = common::Samples::default();
    first_word.time(|| {
        let mut composer = Composer::new(dictionary);
        for key in "hannan".chars() {
            composer.push(key);
        }
        black_box(composer.candidates(0, 9));
    });

    for input in [
        "zhongguorenminyinhang",
        "ylbx",
        "qiyeshelidengji",
        "s",
        "x",
        "y",
        "z",
        "shenfenzheng",
        "jingyingfanwei",
    ] {
        let mut composer = Composer::new(dictionary);
        for key in input.chars() {
            composer.push(key);
            black_box(composer.candidates(0, 9));
        }
    }
    black_box(dictionary.search_keys("城乡居民基本医疗保险参保登记"));
    let rss_typed = common::rss_kib();

    let mut opens = common::Samples::default();
    for _ in 0..2_000 {
        opens.time(|| black_box(Dictionary::from_bytes(black_box(EMBEDDED)).expect("opens")));
    }

    let mut verify = common::Samples::default();
    verify.time(|| dictionary.verify().expect("valid"));
    let rss_all = common::rss_kib();

    println!(
        "dictionary: {} bytes, {} entries, {} syllables ({})",
        EMBEDDED.len(),
        dictionary.entry_count(),
        dictionary.syllable_count(),
        common::machine_load()
    );
    println!(
        "first Dictionary::embedded() (opens on first use): cpu {:.3} ms, wall {:.3} ms",
        common::ms(first.cpu[0]),
        common::ms(first.wall[0])
    );
    let ok = opens.report("Dictionary::from_bytes (open: header check)", OPEN_BUDGET);
    println!(
        "first word typed after opening (hannan, 6 keys): cpu {:.3} ms, wall {:.3} ms",
        common::ms(first_word.cpu[0]),
        common::ms(first_word.wall[0])
    );
    println!(
        "full check of every entry (verify; tests only, not at start): cpu {:.1} ms",
        common::ms(verify.cpu[0])
    );
    let opened = rss_opened.saturating_sub(rss_start);
    let typed = rss_typed.saturating_sub(rss_start);
    let all = rss_all.saturating_sub(rss_start);
    println!("resident memory: +{opened} KiB opened, +{typed} KiB after typing 10 inputs, +{all} KiB with every page touched");
    println!(
        "budget: start-up ≪ 150 ms and resident ≪ 60 MB: open cpu {:.3} ms, resident ceiling {all} KiB (limit {RSS_CEILING_KIB} KiB): {}",
        common::ms(first.cpu[0]),
        if ok && first.cpu[0] < OPEN_BUDGET && all < RSS_CEILING_KIB { "OK" } else { "OVER" }
    );
}
