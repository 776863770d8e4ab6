//! Candidates for typed pinyin: the dictionary entries that read as a prefix of the input's lattice, ranked.
//!
//! The walk follows the lattice and the dictionary's syllable order together: each token narrows the current run
//! of entries (those sharing the syllables read so far) to the sub-runs whose next syllable the token may stand for.
//! Only paths that begin some dictionary word are followed, so abbreviations (`zgrmyh`) cost what the dictionary
//! holds, not the product of every initial's syllables.

use std::collections::HashSet;
use std::ops::Range;

use crate::dictionary::{Dictionary, EntryIndex};
use crate::lattice::{Lattice, Token, TokenKind};

/// Words longer than this many syllables are not looked for (the dictionary holds none).
const MAX_WORD_SYLLABLES: usize = 8;

/// How a candidate's reading matches the letters it consumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKind {
    /// Every syllable typed in full (`hannan` → 汉南).
    Exact,
    /// Every syllable in full but the last, which is unfinished (`zhongg` → 中国).
    Completion,
    /// An earlier syllable given by its initial (`hn` → 汉南, `zg` → 中国).
    Abbreviation,
}

/// One ranked candidate.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ranked {
    pub(crate) entry: EntryIndex,
    pub(crate) text: &'static str,
    /// Input bytes this candidate consumes (separators inside it included).
    pub(crate) consumed: usize,
    pub(crate) kind: MatchKind,
    score: u16,
}

/// Every candidate for the lattice's input, best first, each text once.
///
/// Order: candidates that consume more of the input first (the whole input before a prefix of it); then exact
/// readings, completions, abbreviations; then frequency; then dictionary order.
pub(crate) fn ranked(dictionary: &Dictionary, lattice: &Lattice) -> Vec<Ranked> {
    let mut found = Vec::new();
    let start = lattice.next_start(0);
    if start < lattice.len() {
        let walk = Walk {
            dictionary,
            lattice,
            found: &mut found,
        };
        walk.run(start);
    }
    found.sort_by_key(|c| {
        (
            std::cmp::Reverse(c.consumed),
            c.kind,
            std::cmp::Reverse(c.score),
            c.entry,
        )
    });
    let mut seen = HashSet::with_capacity(found.len());
    found.retain(|candidate| seen.insert(candidate.text));
    found
}

struct Walk<'a> {
    dictionary: &'a Dictionary,
    lattice: &'a Lattice,
    found: &'a mut Vec<Ranked>,
}

/// What the tokens followed so far say about the reading.
#[derive(Clone, Copy)]
struct PathSoFar {
    abbreviated: bool,
}

impl Walk<'_> {
    fn run(mut self, start: usize) {
        let all = self.dictionary.all_entries();
        self.follow(all, 0, start, PathSoFar { abbreviated: false });
    }

    /// `run` holds the entries whose first `depth` syllables were read by the path to `position`, and which have
    /// more syllables.
    fn follow(&mut self, run: Range<EntryIndex>, depth: usize, position: usize, path: PathSoFar) {
        // Copies of the shared references, so that iterating them does not hold `self`.
        let (dictionary, lattice) = (self.dictionary, self.lattice);
        for token in lattice.tokens_at(position) {
            if token.kind == TokenKind::Unknown {
                continue;
            }
            for (syllable, sub_run) in dictionary.runs_at(run.clone(), depth, token.syllables) {
                let spelled_in_full = self.syllable_len(syllable) == token.letters();
                let (ending_here, longer) = self.dictionary.split_exact(sub_run, depth + 1);
                let kind = if path.abbreviated {
                    MatchKind::Abbreviation
                } else if spelled_in_full {
                    MatchKind::Exact
                } else {
                    MatchKind::Completion
                };
                self.emit(ending_here, token, kind);
                let next = lattice.next_start(token.end);
                if next < lattice.len() && !longer.is_empty() && depth + 1 < MAX_WORD_SYLLABLES {
                    let path = PathSoFar {
                        abbreviated: path.abbreviated || !spelled_in_full,
                    };
                    self.follow(longer, depth + 1, next, path);
                }
            }
        }
    }

    fn emit(&mut self, entries: Range<EntryIndex>, token: &Token, kind: MatchKind) {
        for index in entries {
            let Some(entry) = self.dictionary.entry(index) else {
                continue;
            };
            let Some(text) = entry.text() else { continue };
            self.found.push(Ranked {
                entry: index,
                text,
                consumed: token.end,
                kind,
                score: entry.score(),
            });
        }
    }

    fn syllable_len(&self, id: u16) -> usize {
        self.dictionary.syllable_text(id).len()
    }
}
