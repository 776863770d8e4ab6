//! The layout of `data/dictionary.bin`, written by `tools/build-ime-dictionary.py`, and its zero-copy reading.
//!
//! The file is used in place: opening it checks the header and the section sizes (constant time), and every lookup
//! reads the few bytes it needs. Nothing is copied or indexed at start, so opening costs microseconds and only the
//! pages a lookup touches become resident.
//!
//! ```text
//! header   magic "SBPYDIC\0", then u32: version, syllable count, entry count, reading-only count,
//!          ln(total frequency) * 4096, section count (8); then 8 × (u32 offset, u32 length)
//! 0 syllable offsets   u32 × (syllables + 1), into section 1
//! 1 syllable text      ASCII, the syllables in strictly increasing byte order (so a prefix is an id range)
//! 2 entry offsets      u32 × (entries + 1), into section 3
//! 3 entry data         per entry: u8 syllable count n, u16 score, u16 × n syllable ids, UTF-8 text;
//!                      entries sorted by syllable ids (a shorter sequence before its extensions), then score
//!                      descending
//! 4 text order         u32 × entries: entry indices sorted by text bytes, then score descending
//! 5 reading-only chars u32 × count: code points (sorted) that are never candidates but have a reading
//! 6 their syllables    u16 × count
//! 7 provenance         UTF-8: the sources and their licences
//! ```
//! All integers are little-endian. A score is `round(ln(frequency + 1) * 4096)`.

use std::ops::Range;

const MAGIC: &[u8; 8] = b"SBPYDIC\0";
const VERSION: u32 = 1;
const SECTION_COUNT: usize = 8;
const HEADER_LEN: usize = 8 + 4 * 6 + 8 * SECTION_COUNT;
/// The longest syllable (`zhuang`) has 6 letters; a longer one means a broken file.
pub(crate) const MAX_SYLLABLE_LEN: usize = 6;

/// Why bytes are not a usable dictionary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("not a pinyin dictionary (the file does not start with the dictionary's magic bytes)")]
    BadMagic,
    #[error("dictionary format version {found}; this build reads version {expected}")]
    UnsupportedVersion { found: u32, expected: u32 },
    #[error("dictionary is truncated: {what} needs {needed} bytes, the file has {available}")]
    Truncated {
        what: &'static str,
        needed: usize,
        available: usize,
    },
    #[error("dictionary section `{what}` is {found} bytes long, its counts say {expected}")]
    SectionSize {
        what: &'static str,
        found: usize,
        expected: usize,
    },
    #[error("dictionary has {0} syllables; ids are 16-bit")]
    TooManySyllables(usize),
    #[error("dictionary syllable {index} is not a lowercase ASCII syllable in increasing order")]
    BadSyllable { index: usize },
    #[error("dictionary entry {index} is malformed: {why}")]
    BadEntry { index: usize, why: &'static str },
    #[error("dictionary index `{what}` is out of order at position {index}")]
    Unsorted { what: &'static str, index: usize },
    #[error("dictionary provenance text is not UTF-8")]
    BadProvenance,
}

/// A little-endian `u32` array inside the file.
#[derive(Clone, Copy)]
pub(crate) struct U32s<'a>(&'a [u8]);

impl<'a> U32s<'a> {
    pub(crate) fn len(self) -> usize {
        self.0.len() / 4
    }

    pub(crate) fn get(self, index: usize) -> Option<u32> {
        let at = index.checked_mul(4)?;
        let bytes = self.0.get(at..at + 4)?;
        Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }
}

/// A little-endian `u16` array inside the file.
#[derive(Clone, Copy)]
pub(crate) struct U16s<'a>(&'a [u8]);

impl<'a> U16s<'a> {
    pub(crate) fn get(self, index: usize) -> Option<u16> {
        let at = index.checked_mul(2)?;
        let bytes = self.0.get(at..at + 2)?;
        Some(u16::from_le_bytes([bytes[0], bytes[1]]))
    }
}

/// One entry as stored: its syllable ids (raw little-endian pairs), score and text.
#[derive(Clone, Copy)]
pub(crate) struct RawEntry<'a> {
    pub(crate) syllables: U16s<'a>,
    pub(crate) syllable_count: usize,
    pub(crate) score: u16,
    pub(crate) text: &'a [u8],
}

/// The checked sections of a dictionary file.
#[derive(Clone, Copy)]
pub(crate) struct Sections<'a> {
    pub(crate) syllable_count: usize,
    pub(crate) entry_count: usize,
    pub(crate) log_total: u32,
    syllable_offsets: U32s<'a>,
    syllable_text: &'a [u8],
    entry_offsets: U32s<'a>,
    entry_data: &'a [u8],
    pub(crate) text_order: U32s<'a>,
    pub(crate) reading_chars: U32s<'a>,
    pub(crate) reading_syllables: U16s<'a>,
    pub(crate) provenance: &'a str,
}

/// The byte length of an array of `count + extra` items of `size` bytes; saturates, so that a corrupt count
/// fails the size check instead of overflowing.
fn array_len(count: usize, extra: usize, size: usize) -> usize {
    count.saturating_add(extra).saturating_mul(size)
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

impl<'a> Sections<'a> {
    /// Checks the header and the sizes of the sections against the counts (constant time plus the ~400
    /// syllables); entries are checked as they are read, or all at once by [`Sections::verify`].
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, FormatError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(FormatError::BadMagic);
        }
        if bytes.len() < HEADER_LEN {
            return Err(FormatError::Truncated {
                what: "the header",
                needed: HEADER_LEN,
                available: bytes.len(),
            });
        }
        let version = read_u32(bytes, 8);
        if version != VERSION {
            return Err(FormatError::UnsupportedVersion {
                found: version,
                expected: VERSION,
            });
        }
        let syllable_count = read_u32(bytes, 12) as usize;
        let entry_count = read_u32(bytes, 16) as usize;
        let reading_count = read_u32(bytes, 20) as usize;
        let log_total = read_u32(bytes, 24);
        if syllable_count > usize::from(u16::MAX) {
            return Err(FormatError::TooManySyllables(syllable_count));
        }
        let sections = read_u32(bytes, 28) as usize;
        if sections != SECTION_COUNT {
            return Err(FormatError::SectionSize {
                what: "section table",
                found: sections,
                expected: SECTION_COUNT,
            });
        }
        let section = |index: usize, what: &'static str| -> Result<&'a [u8], FormatError> {
            let offset = read_u32(bytes, 32 + index * 8) as usize;
            let len = read_u32(bytes, 36 + index * 8) as usize;
            let end = offset.saturating_add(len);
            bytes.get(offset..end).ok_or(FormatError::Truncated {
                what,
                needed: end,
                available: bytes.len(),
            })
        };
        let sized =
            |index: usize, what: &'static str, expected: usize| -> Result<&'a [u8], FormatError> {
                let data = section(index, what)?;
                if data.len() != expected {
                    return Err(FormatError::SectionSize {
                        what,
                        found: data.len(),
                        expected,
                    });
                }
                Ok(data)
            };
        let syllable_offsets = U32s(sized(
            0,
            "syllable offsets",
            array_len(syllable_count, 1, 4),
        )?);
        let syllable_text = section(1, "syllable text")?;
        let entry_offsets = U32s(sized(2, "entry offsets", array_len(entry_count, 1, 4))?);
        let entry_data = section(3, "entry data")?;
        let text_order = U32s(sized(4, "text order", array_len(entry_count, 0, 4))?);
        let reading_chars = U32s(sized(
            5,
            "reading-only characters",
            array_len(reading_count, 0, 4),
        )?);
        let reading_syllables = U16s(sized(
            6,
            "reading-only syllables",
            array_len(reading_count, 0, 2),
        )?);
        let provenance = std::str::from_utf8(section(7, "provenance")?)
            .map_err(|_| FormatError::BadProvenance)?;
        if entry_offsets.get(entry_count) != Some(entry_data.len() as u32) {
            return Err(FormatError::SectionSize {
                what: "entry data",
                found: entry_data.len(),
                expected: entry_offsets.get(entry_count).unwrap_or(0) as usize,
            });
        }
        let parsed = Sections {
            syllable_count,
            entry_count,
            log_total,
            syllable_offsets,
            syllable_text,
            entry_offsets,
            entry_data,
            text_order,
            reading_chars,
            reading_syllables,
            provenance,
        };
        // The syllables are few and every segmentation depends on their order: check them now.
        let mut previous: &[u8] = &[];
        for index in 0..syllable_count {
            let text = parsed
                .syllable(index as u16)
                .ok_or(FormatError::BadSyllable { index })?;
            let well_formed = !text.is_empty()
                && text.len() <= MAX_SYLLABLE_LEN
                && text.iter().all(u8::is_ascii_lowercase)
                && text > previous;
            if !well_formed {
                return Err(FormatError::BadSyllable { index });
            }
            previous = text;
        }
        Ok(parsed)
    }

    /// The letters of syllable `id`.
    pub(crate) fn syllable(&self, id: u16) -> Option<&'a [u8]> {
        let start = self.syllable_offsets.get(id as usize)? as usize;
        let end = self.syllable_offsets.get(id as usize + 1)? as usize;
        self.syllable_text.get(start..end)
    }

    /// Entry `index` as stored, or `None` if its bytes are out of bounds.
    pub(crate) fn entry(&self, index: usize) -> Option<RawEntry<'a>> {
        let start = self.entry_offsets.get(index)? as usize;
        let end = self.entry_offsets.get(index + 1)? as usize;
        let data = self.entry_data.get(start..end)?;
        let syllable_count = *data.first()? as usize;
        let score = u16::from_le_bytes([*data.get(1)?, *data.get(2)?]);
        let text_start = 3 + syllable_count * 2;
        Some(RawEntry {
            syllables: U16s(data.get(3..text_start)?),
            syllable_count,
            score,
            text: data.get(text_start..)?,
        })
    }

    /// The syllable id at `depth` of entry `index`; `None` past its end.
    pub(crate) fn entry_syllable(&self, index: usize, depth: usize) -> Option<u16> {
        let start = self.entry_offsets.get(index)? as usize;
        let count = *self.entry_data.get(start)? as usize;
        if depth >= count {
            return None;
        }
        let at = start + 3 + depth * 2;
        let bytes = self.entry_data.get(at..at + 2)?;
        Some(u16::from_le_bytes([bytes[0], bytes[1]]))
    }

    /// The number of syllables of entry `index` (0 when unreadable).
    pub(crate) fn entry_len(&self, index: usize) -> usize {
        self.entry_offsets
            .get(index)
            .and_then(|start| self.entry_data.get(start as usize))
            .map_or(0, |&count| count as usize)
    }

    /// Checks every entry and index: what the cheap [`Sections::parse`] leaves to lookups. Linear in the file.
    pub(crate) fn verify(&self) -> Result<(), FormatError> {
        let mut previous: Option<RawEntry<'a>> = None;
        for index in 0..self.entry_count {
            let entry = self.entry(index).ok_or(FormatError::BadEntry {
                index,
                why: "out of bounds",
            })?;
            if entry.syllable_count == 0 {
                return Err(FormatError::BadEntry {
                    index,
                    why: "no syllables",
                });
            }
            let text = std::str::from_utf8(entry.text)
                .map_err(|_| FormatError::BadEntry { index, why: "text" })?;
            if text.chars().count() != entry.syllable_count {
                return Err(FormatError::BadEntry {
                    index,
                    why: "one syllable per character",
                });
            }
            for depth in 0..entry.syllable_count {
                match entry.syllables.get(depth) {
                    Some(id) if (id as usize) < self.syllable_count => {}
                    _ => {
                        return Err(FormatError::BadEntry {
                            index,
                            why: "syllable id",
                        })
                    }
                }
            }
            if let Some(before) = previous {
                if syllable_key(&before) > syllable_key(&entry) {
                    return Err(FormatError::Unsorted {
                        what: "entries by syllables",
                        index,
                    });
                }
            }
            previous = Some(entry);
        }
        let mut seen = vec![false; self.entry_count];
        let mut previous: Option<(&[u8], std::cmp::Reverse<u16>)> = None;
        for position in 0..self.entry_count {
            let index = self
                .text_order
                .get(position)
                .map_or(usize::MAX, |i| i as usize);
            let entry = self.entry(index).ok_or(FormatError::Unsorted {
                what: "text order",
                index: position,
            })?;
            if std::mem::replace(&mut seen[index], true) {
                return Err(FormatError::Unsorted {
                    what: "text order (duplicate)",
                    index: position,
                });
            }
            let key = (entry.text, std::cmp::Reverse(entry.score));
            if previous.is_some_and(|before| before > key) {
                return Err(FormatError::Unsorted {
                    what: "text order",
                    index: position,
                });
            }
            previous = Some(key);
        }
        let mut previous_char = None;
        for position in 0..self.reading_chars.len() {
            let code = self.reading_chars.get(position);
            let syllable = self.reading_syllables.get(position);
            if code <= previous_char || char::from_u32(code.unwrap_or(u32::MAX)).is_none() {
                return Err(FormatError::Unsorted {
                    what: "reading-only characters",
                    index: position,
                });
            }
            if syllable.is_none_or(|id| id as usize >= self.syllable_count) {
                return Err(FormatError::BadEntry {
                    index: position,
                    why: "reading-only syllable id",
                });
            }
            previous_char = code;
        }
        Ok(())
    }

    /// The first index in `range` for which `is_after` holds, given that it holds for a suffix of the range.
    pub(crate) fn partition(range: Range<usize>, is_after: impl Fn(usize) -> bool) -> usize {
        let (mut low, mut high) = (range.start, range.end);
        while low < high {
            let middle = low + (high - low) / 2;
            if is_after(middle) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        low
    }
}

/// The order of entries in section 3: syllable ids, then score descending.
fn syllable_key(entry: &RawEntry<'_>) -> (Vec<u16>, std::cmp::Reverse<u16>) {
    let ids = (0..entry.syllable_count)
        .filter_map(|d| entry.syllables.get(d))
        .collect();
    (ids, std::cmp::Reverse(entry.score))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_finds_the_first_index_of_the_suffix_where_the_predicate_holds() {
        let values = [1, 3, 3, 5, 8];
        assert_eq!(Sections::partition(0..5, |i| values[i] >= 3), 1);
        assert_eq!(Sections::partition(0..5, |i| values[i] > 3), 3);
        assert_eq!(Sections::partition(0..5, |i| values[i] > 8), 5);
        assert_eq!(Sections::partition(2..5, |i| values[i] >= 0), 2);
        assert_eq!(Sections::partition(3..3, |_| true), 3);
    }

    #[test]
    fn arrays_read_little_endian_and_miss_past_their_end() {
        let bytes = [1, 0, 0, 0, 0, 1, 0, 0, 7];
        let words = U32s(&bytes[..8]);
        assert_eq!(words.len(), 2);
        assert_eq!(words.get(0), Some(1));
        assert_eq!(words.get(1), Some(256));
        assert_eq!(words.get(2), None);
        assert_eq!(words.get(usize::MAX), None);
        let halves = U16s(&bytes[..3]);
        assert_eq!(halves.get(0), Some(1));
        assert_eq!(halves.get(1), None);
    }

    #[test]
    fn an_array_length_from_a_corrupt_count_saturates_instead_of_overflowing() {
        assert_eq!(array_len(usize::MAX, 1, 4), usize::MAX);
        assert_eq!(array_len(3, 1, 4), 16);
    }
}
