//! The pinyin dictionary: the embedded file opened in place, and the two orders it is searched in (by syllables
//! for the input method, by text for search keys).

use std::ops::Range;
use std::sync::OnceLock;

use crate::format::{FormatError, RawEntry, Sections};
use crate::syllables::SyllableRange;

static EMBEDDED: &[u8] = include_bytes!("../data/dictionary.bin");

/// An open pinyin dictionary: characters and words with their readings and frequencies.
///
/// Opening reads only the header ([`Dictionary::from_bytes`] takes microseconds and allocates nothing); lookups
/// read the file in place. The kiosk uses [`Dictionary::embedded`], the dictionary compiled into the binary.
#[derive(Clone, Copy)]
pub struct Dictionary {
    sections: Sections<'static>,
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dictionary")
            .field("syllables", &self.sections.syllable_count)
            .field("entries", &self.sections.entry_count)
            .finish()
    }
}

/// An entry's position in syllable order.
pub(crate) type EntryIndex = usize;

/// One dictionary entry: a character or word with one reading.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    raw: RawEntry<'static>,
}

impl Entry {
    pub(crate) fn text(&self) -> Option<&'static str> {
        std::str::from_utf8(self.raw.text).ok()
    }

    pub(crate) fn score(&self) -> u16 {
        self.raw.score
    }

    pub(crate) fn syllable_count(&self) -> usize {
        self.raw.syllable_count
    }

    pub(crate) fn syllable(&self, depth: usize) -> Option<u16> {
        if depth < self.raw.syllable_count {
            self.raw.syllables.get(depth)
        } else {
            None
        }
    }
}

impl Dictionary {
    /// The dictionary compiled into the binary, opened on first use (microseconds; see the `dictionary_load`
    /// benchmark).
    ///
    /// # Panics
    /// Only if the build embedded a file this code cannot read, which the crate's tests reject.
    pub fn embedded() -> &'static Dictionary {
        static OPENED: OnceLock<Dictionary> = OnceLock::new();
        OPENED.get_or_init(|| {
            Dictionary::from_bytes(EMBEDDED).expect("the embedded dictionary is readable")
        })
    }

    /// Opens a dictionary file held in memory. Checks the header and section sizes only; see [`Dictionary::verify`].
    pub fn from_bytes(bytes: &'static [u8]) -> Result<Dictionary, FormatError> {
        Ok(Dictionary {
            sections: Sections::parse(bytes)?,
        })
    }

    /// Checks every entry and index of the file (linear; for tests and tools, not for start-up). Lookups on a file
    /// that fails this never panic, they may only miss.
    pub fn verify(&self) -> Result<(), FormatError> {
        self.sections.verify()
    }

    /// Number of entries (a character with two readings counts twice).
    pub fn entry_count(&self) -> usize {
        self.sections.entry_count
    }

    /// Number of distinct syllables.
    pub fn syllable_count(&self) -> usize {
        self.sections.syllable_count
    }

    /// Where the data comes from and under which licences.
    pub fn provenance(&self) -> &'static str {
        self.sections.provenance
    }

    /// Whether `ch` is offered as a candidate by the input method.
    pub fn is_candidate_character(&self, ch: char) -> bool {
        let mut buffer = [0u8; 4];
        let text = ch.encode_utf8(&mut buffer).as_bytes();
        let range = self.text_prefix_range(0..self.entry_count(), text);
        range.start < range.end
            && self
                .text_entry(range.start)
                .is_some_and(|e| e.raw.text == text)
    }

    /// The readings (syllables) the input method knows for a character, most frequent first.
    pub fn readings_of(&self, ch: char) -> Vec<&'static str> {
        let mut buffer = [0u8; 4];
        let text = ch.encode_utf8(&mut buffer).as_bytes();
        let range = self.text_prefix_range(0..self.entry_count(), text);
        let mut readings: Vec<&'static str> = range
            .filter_map(|position| self.text_entry(position))
            .filter(|entry| entry.raw.text == text)
            .filter_map(|entry| entry.syllable(0).map(|id| self.syllable_text(id)))
            .collect();
        if readings.is_empty() {
            readings.extend(self.reading_only(ch).map(|id| self.syllable_text(id)));
        }
        readings
    }

    pub(crate) fn sections(&self) -> &Sections<'static> {
        &self.sections
    }

    pub(crate) fn syllable_text(&self, id: u16) -> &'static str {
        let sections: &Sections<'static> = &self.sections;
        sections
            .syllable(id)
            .and_then(|s| std::str::from_utf8(s).ok())
            .unwrap_or("")
    }

    /// `ln(total frequency)` in score units: what a score is measured against when words compete.
    pub(crate) fn log_total(&self) -> u32 {
        self.sections.log_total
    }

    pub(crate) fn entry(&self, index: EntryIndex) -> Option<Entry> {
        self.sections.entry(index).map(|raw| Entry { raw })
    }

    // Syllable order ----------------------------------------------------------------------------------------

    /// All entries, in syllable order.
    pub(crate) fn all_entries(&self) -> Range<EntryIndex> {
        0..self.entry_count()
    }

    /// Within `range` (entries that share their first `depth` syllables and all have more than `depth`), the
    /// consecutive runs of entries whose syllable at `depth` lies in `syllables`: `(syllable, run)` in order.
    pub(crate) fn runs_at(
        &self,
        range: Range<EntryIndex>,
        depth: usize,
        syllables: SyllableRange,
    ) -> impl Iterator<Item = (u16, Range<EntryIndex>)> + '_ {
        let at = move |index: usize| {
            self.sections
                .entry_syllable(index, depth)
                .unwrap_or(u16::MAX)
        };
        let mut cursor = Sections::partition(range.clone(), |i| at(i) >= syllables.first);
        std::iter::from_fn(move || {
            if cursor >= range.end || syllables.first > syllables.last {
                return None;
            }
            let syllable = at(cursor);
            if syllable > syllables.last {
                return None;
            }
            let end = Sections::partition(cursor..range.end, |i| at(i) > syllable);
            let run = cursor..end.max(cursor + 1);
            cursor = run.end;
            Some((syllable, run))
        })
    }

    /// Splits a run of entries sharing their first `length` syllables into those with exactly `length` syllables
    /// (they come first) and the longer ones.
    pub(crate) fn split_exact(
        &self,
        run: Range<EntryIndex>,
        length: usize,
    ) -> (Range<EntryIndex>, Range<EntryIndex>) {
        let longer = Sections::partition(run.clone(), |i| self.sections.entry_len(i) > length);
        (run.start..longer, longer..run.end)
    }

    // Text order --------------------------------------------------------------------------------------------

    /// The entry at `position` of the text order.
    pub(crate) fn text_entry(&self, position: usize) -> Option<Entry> {
        let index = self.sections.text_order.get(position)? as usize;
        self.entry(index)
    }

    /// Within `range` of the text order, the positions of entries whose text starts with `prefix`. Within it,
    /// an entry whose text is exactly `prefix` comes first, its most frequent reading first.
    pub(crate) fn text_prefix_range(&self, range: Range<usize>, prefix: &[u8]) -> Range<usize> {
        let text_at = |position: usize| {
            self.text_entry(position)
                .map_or(&[][..], |entry| entry.raw.text)
        };
        let start = Sections::partition(range.clone(), |p| text_at(p) >= prefix);
        let end = Sections::partition(start..range.end, |p| !text_at(p).starts_with(prefix));
        start..end
    }

    /// The reading of a character that is not a candidate (a rare character) for search keys.
    pub(crate) fn reading_only(&self, ch: char) -> Option<u16> {
        let chars = self.sections.reading_chars;
        let code = ch as u32;
        let at = Sections::partition(0..chars.len(), |i| chars.get(i).is_none_or(|c| c >= code));
        (chars.get(at) == Some(code))
            .then(|| self.sections.reading_syllables.get(at))
            .flatten()
    }
}
