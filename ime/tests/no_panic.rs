//! No input panics the engine: any keys in any order, any text, any query, even a damaged dictionary.

use proptest::prelude::*;
use sanban_ime::{Composer, Dictionary, SearchIndex, SearchItem, MAX_INPUT};

#[derive(Debug, Clone)]
enum Action {
    Push(char),
    Backspace,
    Pick(usize),
    Page(usize, usize),
    TakeLetters,
    Clear,
}

fn action() -> impl Strategy<Value = Action> {
    let pinyin_key =
        prop::sample::select(b"abcdefghijklmnopqrstuvwxyz'".to_vec()).prop_map(|b| b as char);
    prop_oneof![
        6 => pinyin_key.prop_map(Action::Push),
        1 => any::<char>().prop_map(Action::Push),
        2 => Just(Action::Backspace),
        1 => (0usize..40).prop_map(Action::Pick),
        1 => (0usize..50, 0usize..12).prop_map(|(page, per_page)| Action::Page(page, per_page)),
        1 => Just(Action::TakeLetters),
        1 => Just(Action::Clear),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_keys_in_any_order_keep_the_session_consistent(actions in prop::collection::vec(action(), 0..60)) {
        let mut composer = Composer::new(Dictionary::embedded());
        for action in actions {
            let before = composer.input().to_string();
            match action {
                Action::Push(key) => {
                    let accepted = composer.push(key);
                    prop_assert_eq!(accepted, composer.input().len() == before.len() + 1);
                }
                Action::Backspace => {
                    prop_assert_eq!(composer.backspace(), !before.is_empty());
                }
                Action::Pick(index) => {
                    let count = composer.candidate_count();
                    let picked = composer.pick(index);
                    prop_assert_eq!(picked.is_some(), index < count);
                    if picked.is_some() {
                        prop_assert!(before.ends_with(composer.input()));
                        prop_assert!(composer.input().len() < before.len());
                    }
                }
                Action::Page(page, per_page) => {
                    let shown = composer.candidates(page, per_page);
                    for (offset, candidate) in shown.candidates.iter().enumerate() {
                        prop_assert_eq!(candidate.index, page * per_page + offset);
                        prop_assert!(candidate.consumed <= composer.input().len());
                        prop_assert!(!candidate.text.is_empty());
                    }
                }
                Action::TakeLetters => {
                    prop_assert_eq!(composer.take_letters(), before);
                }
                Action::Clear => composer.clear(),
            }
            let input = composer.input();
            prop_assert!(input.len() <= MAX_INPUT);
            prop_assert!(input.bytes().all(|b| b.is_ascii_lowercase() || b == b'\''));
            prop_assert!(!input.starts_with('\'') && !input.contains("''"));
            let letters = composer.preedit().replace('\'', "");
            prop_assert_eq!(letters, input.replace('\'', ""));
        }
    }

    #[test]
    fn any_text_has_search_keys_of_lowercase_ascii(text in any::<String>()) {
        let keys = Dictionary::embedded().search_keys(&text);
        prop_assert!(keys.initials.len() <= keys.full.len());
        prop_assert!(keys.full.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    }

    #[test]
    fn any_chinese_text_has_one_initial_per_readable_character(text in "[\u{4e00}-\u{9fa5}a-z0-9，。 ]{0,40}") {
        let dictionary = Dictionary::embedded();
        let keys = dictionary.search_keys(&text);
        // A few code points of the block (兙, 瓼: abbreviations of measures) have no reading in the data.
        let readable = text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || !dictionary.readings_of(*c).is_empty())
            .count();
        prop_assert_eq!(keys.initials.len(), readable);
    }

    #[test]
    fn any_query_returns_ranked_hits_within_the_limit(query in any::<String>(), limit in 0usize..20) {
        let index = small_catalog();
        let hits = index.search(&query, limit);
        prop_assert!(hits.len() <= limit);
        prop_assert!(hits.windows(2).all(|pair| pair[0].tier <= pair[1].tier));
    }

    #[test]
    fn any_pinyin_or_chinese_query_returns_ranked_hits(query in "[a-z\u{4e00}-\u{9fa5}]{1,70}") {
        let index = small_catalog();
        let hits = index.search(&query, 50);
        prop_assert!(hits.windows(2).all(|pair| pair[0].tier <= pair[1].tier));
    }
}

fn small_catalog() -> SearchIndex<usize> {
    let names = [
        "城乡居民基本医疗保险参保登记",
        "企业设立登记",
        "ICU病房2号",
        "重大项目审批代办",
        "",
        "，。",
    ];
    SearchIndex::build(
        Dictionary::embedded(),
        names.iter().enumerate().map(|(id, name)| SearchItem {
            id,
            name: name.to_string(),
            keywords: vec![name.chars().rev().collect()],
            extra: name.repeat(3),
        }),
    )
}

static EMBEDDED: &[u8] = include_bytes!("../data/dictionary.bin");

proptest! {
    // Each case leaks a damaged copy of the 3 MB file (the dictionary borrows it for the program's life).
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn a_damaged_dictionary_is_refused_or_misses_but_never_panics(
        damage in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..200),
        input in "[a-z']{1,12}",
        text in "[\u{4e00}-\u{9fa5}]{0,12}",
    ) {
        let mut bytes = EMBEDDED.to_vec();
        for (at, value) in damage {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        if let Ok(dictionary) = Dictionary::from_bytes(bytes) {
            let _ = dictionary.verify();
            let mut composer = Composer::new(&dictionary);
            for key in input.chars() {
                composer.push(key);
            }
            let _ = composer.candidates(0, 9);
            let _ = composer.pick(0);
            let _ = dictionary.search_keys(&text);
            let index = SearchIndex::build(&dictionary, [SearchItem { id: 0, name: text.clone(), keywords: vec![], extra: String::new() }]);
            let _ = index.search(&input, 5);
        }
    }

    #[test]
    fn a_truncated_dictionary_is_refused(len in 0usize..4096) {
        let cut = &EMBEDDED[..len.min(EMBEDDED.len())];
        prop_assert!(Dictionary::from_bytes(cut).is_err());
    }
}
