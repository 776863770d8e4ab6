//! The pinyin of Chinese text, for search keys: 医疗保险 → `ylbx` / `yiliaobaoxian`.
//!
//! A character with several readings is read as the word around it: the text is cut into dictionary words the
//! way the word list makes most likely (each word's frequency against the total, as a segmenter does), and each
//! word brings its own reading (银行 → yin-hang, 重庆 → chong-qing, 行政许可 → xing-zheng-xu-ke).

use std::collections::HashMap;
use std::ops::Range;

use crate::dictionary::Dictionary;

/// The longest word looked up, in characters.
const MAX_WORD_CHARS: usize = 8;

/// One unit of text as search sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading<'t> {
    /// A Chinese character (`text` is the character) and its syllable in context.
    Han {
        text: &'t str,
        syllable: &'static str,
    },
    /// A run of ASCII letters and digits, kept as typed.
    Ascii(&'t str),
}

/// The search keys of a text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchKeys {
    /// The first letter of each syllable, and ASCII letters and digits as they are, lowercased: `ylbx`.
    pub initials: String,
    /// The syllables run together, and ASCII letters and digits, lowercased: `yiliaobaoxian`.
    pub full: String,
}

impl Dictionary {
    /// The text's readable units in order: Chinese characters with their reading in context and ASCII
    /// letter-and-digit runs. Punctuation, spaces and characters with no known reading are left out.
    pub fn readings<'t>(&self, text: &'t str) -> Vec<Reading<'t>> {
        Reader::new(self).readings(text)
    }

    /// The initials and full pinyin of a text (see [`SearchKeys`]).
    pub fn search_keys(&self, text: &str) -> SearchKeys {
        let mut keys = SearchKeys::default();
        for reading in self.readings(text) {
            match reading {
                Reading::Han { syllable, .. } => {
                    keys.initials.extend(syllable.chars().next());
                    keys.full.push_str(syllable);
                }
                Reading::Ascii(run) => {
                    keys.initials
                        .extend(run.chars().map(|c| c.to_ascii_lowercase()));
                    keys.full
                        .extend(run.chars().map(|c| c.to_ascii_lowercase()));
                }
            }
        }
        keys
    }
}

/// Reads texts into pinyin; keeps where each character's words lie in the dictionary's text order, so that
/// reading many texts (a catalog) searches the whole dictionary once per distinct character.
pub(crate) struct Reader<'d> {
    dictionary: &'d Dictionary,
    first_chars: HashMap<char, Range<usize>>,
}

impl<'d> Reader<'d> {
    pub(crate) fn new(dictionary: &'d Dictionary) -> Self {
        Reader {
            dictionary,
            first_chars: HashMap::new(),
        }
    }

    /// See [`Dictionary::readings`].
    pub(crate) fn readings<'t>(&mut self, text: &'t str) -> Vec<Reading<'t>> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(ch) = rest.chars().next() {
            if ch.is_ascii_alphanumeric() {
                let run = rest
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .unwrap_or(rest.len());
                out.push(Reading::Ascii(&rest[..run]));
                rest = &rest[run..];
            } else if is_han(ch) {
                let run = rest.find(|c: char| !is_han(c)).unwrap_or(rest.len());
                self.read_han_run(&rest[..run], &mut out);
                rest = &rest[run..];
            } else {
                rest = &rest[ch.len_utf8()..];
            }
        }
        out
    }

    /// The text-order positions of the entries that start with `ch` (given as its text).
    fn first_char_range(&mut self, ch: &str) -> Range<usize> {
        let dictionary = self.dictionary;
        let key = ch.chars().next().unwrap_or_default();
        self.first_chars
            .entry(key)
            .or_insert_with(|| {
                dictionary.text_prefix_range(0..dictionary.entry_count(), ch.as_bytes())
            })
            .clone()
    }

    /// Reads a run of Chinese characters word by word: the most likely cut into dictionary words (dynamic
    /// programming from the end, as jieba does), each word read as the dictionary reads it.
    fn read_han_run<'t>(&mut self, run: &'t str, out: &mut Vec<Reading<'t>>) {
        let starts: Vec<usize> = run
            .char_indices()
            .map(|(i, _)| i)
            .chain([run.len()])
            .collect();
        let chars = starts.len() - 1;
        // best[i]: log-likelihood of the best cut of chars i.., and the entry and length of its first word.
        let mut best: Vec<(i64, Option<(usize, usize)>)> = vec![(0, None); chars + 1];
        let dictionary = self.dictionary;
        let log_total = i64::from(dictionary.log_total());
        // A character with no entry (only a reading-only one, or none) costs as much as the rarest word.
        let unknown = -log_total;
        for i in (0..chars).rev() {
            best[i] = (unknown + best[i + 1].0, None);
            let mut range = 0..0;
            for len in 1..=MAX_WORD_CHARS.min(chars - i) {
                let word = &run.as_bytes()[starts[i]..starts[i + len]];
                range = if len == 1 {
                    self.first_char_range(&run[starts[i]..starts[i + 1]])
                } else {
                    dictionary.text_prefix_range(range, word)
                };
                if range.is_empty() {
                    break;
                }
                let Some(entry) = dictionary.text_entry(range.start) else {
                    break;
                };
                if entry.text().map(str::as_bytes) != Some(word) {
                    continue;
                }
                let likelihood = i64::from(entry.score()) - log_total + best[i + len].0;
                if best[i].1.is_none() || likelihood > best[i].0 {
                    best[i] = (likelihood, Some((range.start, len)));
                }
            }
        }
        let mut i = 0;
        while i < chars {
            match best[i].1 {
                Some((position, len)) => {
                    let entry = dictionary.text_entry(position);
                    for offset in 0..len {
                        let text = &run[starts[i + offset]..starts[i + offset + 1]];
                        if let Some(id) = entry.and_then(|e| e.syllable(offset)) {
                            out.push(Reading::Han {
                                text,
                                syllable: dictionary.syllable_text(id),
                            });
                        }
                    }
                    i += len;
                }
                None => {
                    let text = &run[starts[i]..starts[i + 1]];
                    let reading = text
                        .chars()
                        .next()
                        .and_then(|ch| dictionary.reading_only(ch));
                    if let Some(id) = reading {
                        out.push(Reading::Han {
                            text,
                            syllable: dictionary.syllable_text(id),
                        });
                    }
                    i += 1;
                }
            }
        }
    }
}

/// Whether `ch` is a CJK ideograph (unified, extensions A to H, compatibility).
pub(crate) fn is_han(ch: char) -> bool {
    matches!(ch as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x323AF)
}
