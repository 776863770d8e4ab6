//! A composing session: the pinyin being typed, its candidates and the paging the candidate bar shows.
//!
//! The on-screen keyboard drives one `Composer` per text field:
//! - a letter key → [`Composer::push`]; the apostrophe key → `push('\'')` (a syllable boundary);
//! - delete → [`Composer::backspace`]; when it returns `false` nothing was composing, so delete edits the field;
//! - a candidate → [`Composer::pick`], which returns the text to insert and keeps the unconsumed letters
//!   composing; space → `pick(0)`; enter → [`Composer::take_letters`] (insert the letters as typed);
//! - digits and punctuation are inserted by the keyboard itself (after `pick(0)` when composing, by habit of
//!   every pinyin keyboard).
//!
//! Candidates are ranked once per keystroke; paging through them is a slice.

use crate::candidates::{ranked, MatchKind, Ranked};
use crate::dictionary::Dictionary;
use crate::lattice::{Lattice, SEPARATOR};

/// The longest pinyin input a session accepts (about ten syllables; longer input is refused, not truncated).
pub const MAX_INPUT: usize = 64;

/// A candidate offered for the current input.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// Its position in the full ranked list: what [`Composer::pick`] takes.
    pub index: usize,
    /// The characters to insert.
    pub text: &'static str,
    /// How many bytes of [`Composer::input`] it consumes.
    pub consumed: usize,
    /// How its reading matches the letters.
    pub kind: MatchKind,
}

// The text may spell what a citizen is typing (a name, an address): Debug shows only its length.
impl std::fmt::Debug for Candidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Candidate")
            .field("index", &self.index)
            .field("chars", &self.text.chars().count())
            .field("consumed", &self.consumed)
            .field("kind", &self.kind)
            .finish()
    }
}

/// One page of the candidate bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidatePage<'c> {
    /// The page shown (0-based).
    pub page: usize,
    pub candidates: &'c [Candidate],
    /// Whether a previous page exists.
    pub has_previous: bool,
    /// Whether a next page exists.
    pub has_more: bool,
}

/// The state of typing one piece of Chinese text.
pub struct Composer<'d> {
    dictionary: &'d Dictionary,
    input: String,
    candidates: Vec<Candidate>,
    preedit: String,
}

// The input may spell personal data: Debug shows only its size.
impl std::fmt::Debug for Composer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Composer")
            .field("input_len", &self.input.len())
            .field("candidates", &self.candidates.len())
            .finish()
    }
}

impl<'d> Composer<'d> {
    /// A session with nothing typed.
    pub fn new(dictionary: &'d Dictionary) -> Self {
        Composer {
            dictionary,
            input: String::new(),
            candidates: Vec::new(),
            preedit: String::new(),
        }
    }

    /// Types a letter (`a`–`z`, capitals taken as small) or the syllable separator `'`. Returns `false`, changing
    /// nothing, for any other character, for a separator at the start or after another, and past [`MAX_INPUT`].
    pub fn push(&mut self, key: char) -> bool {
        let byte = match key {
            'a'..='z' => key as u8,
            'A'..='Z' => key.to_ascii_lowercase() as u8,
            '\'' if !self.input.is_empty() && !self.input.ends_with('\'') => SEPARATOR,
            _ => return false,
        };
        if self.input.len() >= MAX_INPUT {
            return false;
        }
        self.input.push(byte as char);
        self.refresh();
        true
    }

    /// Deletes the last typed letter or separator. Returns `false` when nothing was composing.
    pub fn backspace(&mut self) -> bool {
        if self.input.pop().is_none() {
            return false;
        }
        self.refresh();
        true
    }

    /// Abandons the input.
    pub fn clear(&mut self) {
        self.input.clear();
        self.refresh();
    }

    /// Whether letters are being composed (the candidate bar is shown).
    pub fn is_composing(&self) -> bool {
        !self.input.is_empty()
    }

    /// The letters as typed, separators included.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The input with syllable boundaries shown (`han'nan'qu`), read the way the first candidate reads it.
    pub fn preedit(&self) -> &str {
        &self.preedit
    }

    /// How many candidates the input has in all.
    pub fn candidate_count(&self) -> usize {
        self.candidates.len()
    }

    /// Page `page` of the candidates, `per_page` to a page; an empty page past the end.
    pub fn candidates(&self, page: usize, per_page: usize) -> CandidatePage<'_> {
        let total = self.candidates.len();
        let start = page.saturating_mul(per_page).min(total);
        let end = start.saturating_add(per_page).min(total);
        CandidatePage {
            page,
            candidates: &self.candidates[start..end],
            has_previous: page > 0 && total > 0,
            has_more: end < total,
        }
    }

    /// Commits candidate `index` (its [`Candidate::index`]): returns its text to insert into the field and keeps
    /// composing the letters it did not consume (`hannanqu`, picking 汉南, leaves `qu`). `None` for no such
    /// candidate.
    pub fn pick(&mut self, index: usize) -> Option<&'static str> {
        let chosen = *self.candidates.get(index)?;
        let rest = self
            .input
            .get(chosen.consumed..)
            .unwrap_or("")
            .trim_start_matches('\'');
        self.input = rest.to_string();
        self.refresh();
        Some(chosen.text)
    }

    /// Ends composing and returns the letters as typed (enter on a pinyin keyboard inserts them).
    pub fn take_letters(&mut self) -> String {
        let letters = std::mem::take(&mut self.input);
        self.refresh();
        letters
    }

    fn refresh(&mut self) {
        self.candidates.clear();
        self.preedit.clear();
        if self.input.is_empty() {
            return;
        }
        let sections = self.dictionary.sections();
        let lattice = Lattice::build(sections, self.input.as_bytes());
        let found = ranked(self.dictionary, &lattice);
        self.preedit = preedit(self.dictionary, &lattice, found.first());
        self.candidates.extend(
            found
                .iter()
                .enumerate()
                .map(|(index, r): (usize, &Ranked)| Candidate {
                    index,
                    text: r.text,
                    consumed: r.consumed,
                    kind: r.kind,
                }),
        );
    }
}

/// The input split into syllables: the first candidate's reading of the part it consumes, the most natural
/// segmentation of the rest.
fn preedit(dictionary: &Dictionary, lattice: &Lattice, first: Option<&Ranked>) -> String {
    let mut tokens = Vec::new();
    let mut rest_from = 0;
    if let Some(first) = first {
        let syllables: Vec<u16> = dictionary
            .entry(first.entry)
            .map(|entry| {
                (0..entry.syllable_count())
                    .filter_map(|d| entry.syllable(d))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(path) = lattice.path_reading(&syllables, first.consumed) {
            tokens = path;
            rest_from = first.consumed;
        }
    }
    tokens.extend(lattice.best_path(rest_from));
    let spelled: Vec<&str> = tokens.iter().map(|token| lattice.spelling(token)).collect();
    spelled.join("'")
}
