//! Sanban's pinyin input method engine and Chinese search, with no UI.
//!
//! - [`Dictionary`]: characters and words with readings and frequencies, compiled into the binary
//!   ([`Dictionary::embedded`]) and read in place, so opening it is nearly free.
//! - [`Composer`]: one composing session of the on-screen pinyin keyboard (letters → ranked candidates, paging,
//!   picking with leftover letters, the input shown with syllable boundaries).
//! - [`Dictionary::search_keys`]: initials and full pinyin of any Chinese text, reading polyphones as their word
//!   (银行 → `yinhang`).
//! - [`SearchIndex`]: the service guide's search over names, keywords and other text, by initials, full pinyin or
//!   Chinese, ranked.
//!
//! The dictionary is built by `tools/build-ime-dictionary.py` from open-licensed data (jieba, pypinyin,
//! pinyin-data, phrase-pinyin-data; MIT); the licences are in `ime/data/`.

mod candidates;
mod composer;
mod dictionary;
mod format;
mod keys;
mod lattice;
mod search;
mod syllables;

pub use candidates::MatchKind;
pub use composer::{Candidate, CandidatePage, Composer, MAX_INPUT};
pub use dictionary::Dictionary;
pub use format::FormatError;
pub use keys::{Reading, SearchKeys};
pub use search::{SearchHit, SearchIndex, SearchItem, Tier};
