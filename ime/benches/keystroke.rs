//! A pinyin keystroke → the first page of candidates (and the preedit), as the on-screen keyboard does it.
//!
//! Budget: < 16 ms from keystroke to candidates on screen, UI included; the engine's share should be ≪, so this
//! checks its CPU-time p99 against 1 ms (wall time shown beside it). Typing, deleting and picking over inputs a
//! citizen types at the kiosk: names, addresses, business scopes, abbreviations, single letters.

#[path = "common.rs"]
mod common;

use std::hint::black_box;
use std::time::Duration;

use sanban_ime::{Composer, Dictionary};

const PER_PAGE: usize = 9;
const ROUNDS: usize = 30;
const ENGINE_TARGET: Duration = Duration::from_millis(1);
const KEYSTROKE_BUDGET: Duration = Duration::from_millis(16);

const INPUTS: &[&str] = &[
    "hannanqu",
    "hannanqujiedao",
    "shamaojiedao",
    "wuhanjingjijishukaifaqu",
    "zhongguorenminyinhang",
    "qiyeshelidengji",
    "yingyezhizhao",
    "jingyingfanwei",
    "jishukaifajishuzixun",
    "shenfenzhenghao",
    "zhangsan",
    "liuyan",
    "wangkun",
    "xian",
    "xi'an",
    "fangan",
    "zhongg",
    "ylbx",
    "zgrmyh",
    "hn",
    "s",
    "zh",
    "a",
    "womenquchifanba",
    "zhonghuarenmingongheguo",
    "shishishishishishishishi",
];

fn show(composer: &Composer<'_>) -> usize {
    let page = composer.candidates(0, PER_PAGE);
    black_box(composer.preedit());
    page.candidates
        .iter()
        .map(|c| black_box(c.text).len())
        .sum::<usize>()
        + usize::from(page.has_more)
}

fn main() {
    // The very first keystroke of the process: the dictionary opened and its pages touched for the first time.
    let mut cold = common::Samples::default();
    cold.time(|| {
        let mut composer = Composer::new(Dictionary::embedded());
        composer.push('z');
        black_box(show(&composer));
    });

    let dictionary = Dictionary::embedded();
    let mut typing = common::Samples::default();
    let mut deleting = common::Samples::default();
    let mut picking = common::Samples::default();
    let mut paging = common::Samples::default();
    for _ in 0..ROUNDS {
        for input in INPUTS {
            let mut composer = Composer::new(dictionary);
            for key in input.chars() {
                typing.time(|| {
                    composer.push(key);
                    black_box(show(&composer));
                });
            }
            let pages = composer.candidate_count().div_ceil(PER_PAGE).min(5);
            paging.time(|| {
                for page in 1..pages {
                    black_box(composer.candidates(page, PER_PAGE));
                }
            });
            let mut picker = Composer::new(dictionary);
            for key in input.chars() {
                picker.push(key);
            }
            while picker.is_composing() {
                picking.time(|| {
                    if picker.pick(0).is_none() {
                        picker.clear();
                    }
                    black_box(show(&picker));
                });
            }
            while composer.is_composing() {
                deleting.time(|| {
                    composer.backspace();
                    black_box(show(&composer));
                });
            }
        }
    }
    println!(
        "pinyin keystroke → first page of {PER_PAGE} candidates and the preedit ({} inputs × {ROUNDS} rounds; {})",
        INPUTS.len(),
        common::machine_load()
    );
    println!(
        "first keystroke of the process (dictionary cold): cpu {:.3} ms, wall {:.3} ms",
        common::ms(cold.cpu[0]),
        common::ms(cold.wall[0])
    );
    let mut ok = typing.report("letter typed → candidates", ENGINE_TARGET);
    ok &= deleting.report("backspace → candidates", ENGINE_TARGET);
    ok &= picking.report("pick → the leftover's candidates", ENGINE_TARGET);
    ok &= paging.report("next 4 pages", ENGINE_TARGET);
    let cpu_p99 = [&typing, &deleting, &picking]
        .iter()
        .map(|s| s.cpu_p99())
        .max()
        .unwrap_or_default();
    let wall_p99 = [&typing, &deleting, &picking]
        .iter()
        .map(|s| s.wall_p99())
        .max()
        .unwrap_or_default();
    println!(
        "budget: keystroke → candidates on screen < {:.0} ms including UI; engine cpu p99 {:.3} ms (wall p99 {:.3} ms): {}",
        common::ms(KEYSTROKE_BUDGET),
        common::ms(cpu_p99),
        common::ms(wall_p99),
        if ok && cpu_p99 < KEYSTROKE_BUDGET { "OK" } else { "OVER" }
    );
}
