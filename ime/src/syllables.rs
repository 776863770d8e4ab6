//! The syllable inventory of a dictionary: spelling ↔ id, and which ids a typed prefix can stand for.
//!
//! Syllables are stored in increasing byte order, so every set of syllables sharing a spelled prefix (`g`, `zh`,
//! `xia`) is one contiguous range of ids: a keystroke never has to enumerate syllables one by one.

use crate::format::Sections;

/// Syllable ids `first..=last`; empty when `first > last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyllableRange {
    pub(crate) first: u16,
    pub(crate) last: u16,
}

impl SyllableRange {
    pub(crate) const EMPTY: SyllableRange = SyllableRange { first: 1, last: 0 };

    pub(crate) fn single(id: u16) -> Self {
        SyllableRange {
            first: id,
            last: id,
        }
    }
}

/// Spellings that people type for a syllable stored otherwise: üe after l and n is written `ue` as often as `ve`.
const ALIASES: [(&[u8], &[u8]); 2] = [(b"lue", b"lve"), (b"nue", b"nve")];

/// The initials that can stand for a whole syllable in an abbreviation (`zg` for 中国); the vowels a, e, o are
/// syllables of their own, and i, u, v begin none.
pub(crate) fn initial_at(letters: &[u8]) -> Option<usize> {
    match letters {
        [b'z' | b'c' | b's', b'h', ..] => Some(2),
        [b'b' | b'p' | b'm' | b'f' | b'd' | b't' | b'n' | b'l' | b'g' | b'k' | b'h' | b'j'
        | b'q' | b'x', ..] => Some(1),
        [b'r' | b'z' | b'c' | b's' | b'y' | b'w', ..] => Some(1),
        _ => None,
    }
}

impl Sections<'_> {
    /// The id of a complete syllable, accepting the usual alternative spellings.
    pub(crate) fn syllable_id(&self, spelled: &[u8]) -> Option<u16> {
        let canonical = ALIASES
            .iter()
            .find(|(alias, _)| *alias == spelled)
            .map_or(spelled, |(_, canonical)| *canonical);
        let count = self.syllable_count;
        let at = Sections::partition(0..count, |i| {
            self.syllable(i as u16).is_none_or(|s| s >= canonical)
        });
        (at < count && self.syllable(at as u16) == Some(canonical)).then_some(at as u16)
    }

    /// The ids of every syllable that starts with `prefix` (the syllable itself included).
    pub(crate) fn syllables_with_prefix(&self, prefix: &[u8]) -> SyllableRange {
        let count = self.syllable_count;
        let first = Sections::partition(0..count, |i| {
            self.syllable(i as u16).is_none_or(|s| s >= prefix)
        });
        let end = Sections::partition(first..count, |i| {
            self.syllable(i as u16)
                .is_none_or(|s| !s.starts_with(prefix))
        });
        if first == end {
            SyllableRange::EMPTY
        } else {
            SyllableRange {
                first: first as u16,
                last: (end - 1) as u16,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dictionary;

    fn spelled(sections: &Sections<'_>, range: SyllableRange) -> Vec<String> {
        (range.first..=range.last)
            .filter_map(|id| sections.syllable(id))
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect()
    }

    #[test]
    fn a_prefix_stands_for_the_contiguous_run_of_syllables_it_begins() {
        let sections = Dictionary::embedded().sections();
        assert_eq!(
            spelled(sections, sections.syllables_with_prefix(b"xia")),
            ["xia", "xian", "xiang", "xiao"]
        );
        let zh = spelled(sections, sections.syllables_with_prefix(b"zh"));
        assert!(zh.iter().all(|s| s.starts_with("zh")) && zh.contains(&"zhuang".to_string()));
        let z = spelled(sections, sections.syllables_with_prefix(b"z"));
        assert!(
            z.len() > zh.len()
                && z.contains(&"zuo".to_string())
                && z.contains(&"zhong".to_string())
        );
        assert_eq!(sections.syllables_with_prefix(b"zhx"), SyllableRange::EMPTY);
        assert_eq!(sections.syllables_with_prefix(b"v"), SyllableRange::EMPTY);
    }

    #[test]
    fn complete_syllables_have_ids_and_ue_is_accepted_for_ve() {
        let sections = Dictionary::embedded().sections();
        let id = sections
            .syllable_id(b"zhuang")
            .expect("zhuang is a syllable");
        assert_eq!(sections.syllable(id), Some(&b"zhuang"[..]));
        assert_eq!(sections.syllable_id(b"lue"), sections.syllable_id(b"lve"));
        assert!(sections.syllable_id(b"nue").is_some());
        for not_a_syllable in [&b"zh"[..], b"n", b"ng", b"xo", b"", b"zhuangg"] {
            assert_eq!(
                sections.syllable_id(not_a_syllable),
                None,
                "{not_a_syllable:?}"
            );
        }
    }

    #[test]
    fn initials_are_consonants_with_zh_ch_sh_taken_whole() {
        assert_eq!(initial_at(b"zhg"), Some(2));
        assert_eq!(initial_at(b"sh"), Some(2));
        assert_eq!(initial_at(b"zg"), Some(1));
        assert_eq!(initial_at(b"h"), Some(1));
        for vowel in [b"a", b"e", b"o", b"i", b"u", b"v"] {
            assert_eq!(initial_at(vowel), None);
        }
        assert_eq!(initial_at(b""), None);
    }
}
