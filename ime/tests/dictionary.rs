//! The embedded dictionary: readable, complete where the kiosk needs it, and refused clearly when broken.

use sanban_ime::{Dictionary, FormatError};

static EMBEDDED: &[u8] = include_bytes!("../data/dictionary.bin");

#[test]
fn the_embedded_dictionary_passes_the_full_structural_check() {
    let dictionary = Dictionary::embedded();
    assert_eq!(dictionary.verify(), Ok(()));
    assert!(
        dictionary.entry_count() > 100_000,
        "{} entries",
        dictionary.entry_count()
    );
    assert!(
        (400..=420).contains(&dictionary.syllable_count()),
        "{} syllables",
        dictionary.syllable_count()
    );
}

#[test]
fn every_gb2312_character_is_a_candidate() {
    let dictionary = Dictionary::embedded();
    let mut checked = 0;
    let mut missing = Vec::new();
    // Rows 16-87 hold the 6,763 hanzi; row 55 ends at 0xF9.
    for high in 0xB0u8..=0xF7 {
        for low in 0xA1u8..=0xFE {
            if high == 0xD7 && low >= 0xFA {
                continue;
            }
            let bytes = [high, low];
            let (text, _, malformed) = encoding_rs::GBK.decode(&bytes);
            assert!(!malformed, "{high:02X}{low:02X}");
            let ch = text.chars().next().expect("one character");
            checked += 1;
            if !dictionary.is_candidate_character(ch) {
                missing.push(ch);
            }
        }
    }
    assert_eq!(checked, 6763);
    assert!(missing.is_empty(), "not candidates: {missing:?}");
}

#[test]
fn rare_name_characters_outside_gb2312_are_candidates_with_their_readings() {
    let dictionary = Dictionary::embedded();
    for (ch, reading) in [
        ('堃', "kun"),
        ('喆', "zhe"),
        ('赟', "yun"),
        ('昇', "sheng"),
        ('䶮', "yan"),
        ('珺', "jun"),
    ] {
        assert!(dictionary.is_candidate_character(ch), "{ch}");
        assert!(
            dictionary.readings_of(ch).contains(&reading),
            "{ch}: {:?}",
            dictionary.readings_of(ch)
        );
    }
}

#[test]
fn a_polyphone_has_each_of_its_readings_most_frequent_first() {
    let dictionary = Dictionary::embedded();
    let hang = dictionary.readings_of('行');
    assert_eq!(hang.first(), Some(&"xing"));
    assert!(hang.contains(&"hang"));
    let chong = dictionary.readings_of('重');
    assert_eq!(chong.first(), Some(&"zhong"));
    assert!(chong.contains(&"chong"));
    // 嗯 is typed "en": bare-nasal readings are not syllables here.
    assert_eq!(dictionary.readings_of('嗯'), ["en"]);
}

#[test]
fn a_character_outside_the_candidates_still_has_a_reading_for_search() {
    let dictionary = Dictionary::embedded();
    // 㐀 (U+3400, qiu) and 𠀀 (U+20000, he) are in the pinyin data, far outside what the keyboard offers.
    for (rare, reading) in [('\u{3400}', "qiu"), ('\u{20000}', "he")] {
        assert!(!dictionary.is_candidate_character(rare));
        assert_eq!(dictionary.readings_of(rare), [reading]);
    }
    assert!(dictionary.readings_of('a').is_empty());
}

#[test]
fn the_provenance_credits_every_source() {
    let provenance = Dictionary::embedded().provenance();
    for source in [
        "jieba 0.42.1",
        "pypinyin 0.55.0",
        "pinyin-data",
        "phrase-pinyin-data",
        "MIT",
    ] {
        assert!(
            provenance.contains(source),
            "{source} missing from: {provenance}"
        );
    }
}

#[test]
fn bytes_that_are_not_a_dictionary_are_refused_with_the_reason() {
    assert_eq!(
        Dictionary::from_bytes(b"").unwrap_err(),
        FormatError::BadMagic
    );
    assert_eq!(
        Dictionary::from_bytes(b"PK\x03\x04 a zip file").unwrap_err(),
        FormatError::BadMagic
    );
    assert!(matches!(
        Dictionary::from_bytes(&EMBEDDED[..40]),
        Err(FormatError::Truncated { .. })
    ));
    assert!(matches!(
        Dictionary::from_bytes(&EMBEDDED[..EMBEDDED.len() - 1]),
        Err(FormatError::Truncated { .. })
    ));
    let mut newer = EMBEDDED.to_vec();
    newer[8] = 2;
    let newer: &'static [u8] = Box::leak(newer.into_boxed_slice());
    let error = Dictionary::from_bytes(newer).unwrap_err();
    assert_eq!(
        error,
        FormatError::UnsupportedVersion {
            found: 2,
            expected: 1
        }
    );
    assert!(error.to_string().contains("version 2"));
}

#[test]
fn an_entry_index_out_of_order_fails_the_full_check() {
    let mut bytes = EMBEDDED.to_vec();
    // Section 4 (text order): swap its first two indices.
    let table = 8 + 4 * 6;
    let offset = u32::from_le_bytes(bytes[table + 32..table + 36].try_into().unwrap()) as usize;
    let (first, second) = (
        bytes[offset..offset + 4].to_vec(),
        bytes[offset + 4..offset + 8].to_vec(),
    );
    bytes[offset..offset + 4].copy_from_slice(&second);
    bytes[offset + 4..offset + 8].copy_from_slice(&first);
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    let dictionary = Dictionary::from_bytes(bytes).expect("the header is intact");
    assert!(matches!(
        dictionary.verify(),
        Err(FormatError::Unsorted {
            what: "text order",
            ..
        })
    ));
}

#[test]
fn every_local_word_is_offered_for_its_pinyin() {
    let dictionary = Dictionary::embedded();
    let list = include_str!("../data/local-words.txt");
    let mut checked = 0;
    for line in list
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
    {
        let mut fields = line.split_whitespace();
        let word = fields.next().expect("a word");
        let given = fields
            .find(|f| !f.chars().all(|c| c.is_ascii_digit()))
            .map(|p| p.replace('\'', ""));
        let pinyin = given.unwrap_or_else(|| dictionary.search_keys(word).full);
        assert_eq!(
            dictionary.search_keys(word).full,
            pinyin,
            "{word} reads as its listed pinyin"
        );
        let mut composer = sanban_ime::Composer::new(dictionary);
        for key in pinyin.chars() {
            assert!(composer.push(key));
        }
        let all = composer
            .candidates(0, composer.candidate_count())
            .candidates;
        let offered = all.iter().position(|c| c.text == word);
        assert!(
            offered.is_some_and(|at| at < 9),
            "{word} on the first page for {pinyin}: {offered:?}"
        );
        checked += 1;
    }
    assert!(checked > 40, "{checked} local words");
}

#[test]
fn the_font_list_holds_exactly_the_candidates_beyond_gb2312() {
    let dictionary = Dictionary::embedded();
    let list = include_str!("../data/characters-beyond-gb2312.txt");
    let listed: Vec<char> = list
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(str::chars)
        .collect();
    assert!(listed.len() > 1000);
    for ch in &listed {
        assert!(
            dictionary.is_candidate_character(*ch),
            "{ch} listed but not a candidate"
        );
        let mut buffer = [0u8; 4];
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(ch.encode_utf8(&mut buffer));
        let in_gb2312 = !unmappable
            && bytes.len() == 2
            && (0xB0..=0xF7).contains(&bytes[0])
            && bytes[1] >= 0xA1;
        assert!(!in_gb2312, "{ch} is in GB2312");
    }
    for name_character in ['堃', '喆', '赟', '昇', '䶮'] {
        assert!(listed.contains(&name_character));
    }
}
