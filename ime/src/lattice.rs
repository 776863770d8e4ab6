//! Syllable segmentation of typed pinyin.
//!
//! Typed letters are ambiguous (`xian` is 先 or 西安, `fangan` is 方案 or 反感) and often unfinished (`zhongg`)
//! or abbreviated (`hn` for 汉南). Rather than choose one reading, the letters become a lattice: at each position,
//! the tokens that can start there. A token is
//! - a complete syllable (`xi`, `xian`), every one that fits, since each may lead to a different word;
//! - an initial standing for any syllable it begins (`h`, `zh`), only where no complete syllable starts: typing
//!   `hannan` never means h-a-n-n-a-n;
//! - at the end of the input, an unfinished syllable (`zhon`); and every token that ends the input also stands for
//!   the longer syllables it begins (`gu` in `zhonggu` may be the start of `guo`);
//! - a letter that begins no syllable (`i`, `u`, `v`), which matches nothing.
//!
//! An apostrophe typed by the user is a boundary no token crosses.

use std::ops::Range;

use crate::format::{Sections, MAX_SYLLABLE_LEN};
use crate::syllables::{initial_at, SyllableRange};

/// The boundary a user types between syllables (`xi'an`).
pub(crate) const SEPARATOR: u8 = b'\'';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A complete syllable.
    Syllable,
    /// An initial standing for a whole syllable (`h` in `hn`).
    Initial,
    /// The unfinished last syllable (`zhon`).
    Unfinished,
    /// Letters that begin no syllable.
    Unknown,
}

/// Letters `start..end` of the input read one way.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: TokenKind,
    /// The syllables this token may stand for.
    pub(crate) syllables: SyllableRange,
}

impl Token {
    pub(crate) fn letters(&self) -> usize {
        self.end - self.start
    }
}

/// Every token of an input, grouped by start position.
pub(crate) struct Lattice {
    input: Vec<u8>,
    tokens: Vec<Token>,
    /// For each input position, the range of `tokens` starting there.
    at: Vec<Range<usize>>,
}

impl Lattice {
    /// Reads `input` (lowercase ASCII letters and separators) against the dictionary's syllables.
    pub(crate) fn build(sections: &Sections<'_>, input: &[u8]) -> Lattice {
        let mut tokens = Vec::new();
        let mut at = Vec::with_capacity(input.len());
        for start in 0..input.len() {
            let first = tokens.len();
            if input[start] != SEPARATOR {
                push_tokens_at(sections, input, start, &mut tokens);
            }
            at.push(first..tokens.len());
        }
        Lattice {
            input: input.to_vec(),
            tokens,
            at,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.input.len()
    }

    /// The tokens starting at `position`, longest first.
    pub(crate) fn tokens_at(&self, position: usize) -> &[Token] {
        self.at
            .get(position)
            .map_or(&[], |range| &self.tokens[range.clone()])
    }

    /// The first position at or after `position` that is not a separator.
    pub(crate) fn next_start(&self, mut position: usize) -> usize {
        while self.input.get(position) == Some(&SEPARATOR) {
            position += 1;
        }
        position
    }

    /// The letters of a token.
    pub(crate) fn spelling(&self, token: &Token) -> &str {
        std::str::from_utf8(&self.input[token.start..token.end]).unwrap_or("")
    }

    /// The most natural segmentation of the input from `from` to its end, for display: fewest tokens, complete
    /// syllables before unfinished ones before initials, and the longest first token on a tie (`fang'an`).
    pub(crate) fn best_path(&self, from: usize) -> Vec<Token> {
        let len = self.input.len();
        // cost[i]: the cheapest segmentation of input[i..]; choice[i]: its first token.
        let mut cost = vec![0u32; len + 1];
        let mut choice: Vec<Option<Token>> = vec![None; len + 1];
        for position in (from..len).rev() {
            if self.input[position] == SEPARATOR {
                cost[position] = cost[position + 1];
                continue;
            }
            let mut best: Option<(u32, Token)> = None;
            for token in self.tokens_at(position) {
                let total = token_cost(token) + cost[token.end];
                if best.is_none_or(|(lowest, _)| total < lowest) {
                    best = Some((total, *token));
                }
            }
            // Every letter has at least an Unknown token, so `best` is set.
            if let Some((total, token)) = best {
                cost[position] = total;
                choice[position] = Some(token);
            }
        }
        let mut path = Vec::new();
        let mut position = self.next_start(from);
        while let Some(token) = choice.get(position).copied().flatten() {
            path.push(token);
            position = self.next_start(token.end);
        }
        path
    }

    /// A path from the start of the input that reads `syllables` in order and ends at `end`, if one exists.
    pub(crate) fn path_reading(&self, syllables: &[u16], end: usize) -> Option<Vec<Token>> {
        let mut path = Vec::with_capacity(syllables.len());
        self.extend_path(self.next_start(0), syllables, end, &mut path)
            .then_some(path)
    }

    fn extend_path(
        &self,
        position: usize,
        syllables: &[u16],
        end: usize,
        path: &mut Vec<Token>,
    ) -> bool {
        let Some((&first, rest)) = syllables.split_first() else {
            return path.last().is_some_and(|token| token.end == end);
        };
        for token in self.tokens_at(position) {
            if token.syllables.first <= first && first <= token.syllables.last {
                path.push(*token);
                if self.extend_path(self.next_start(token.end), rest, end, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
}

fn token_cost(token: &Token) -> u32 {
    match token.kind {
        TokenKind::Syllable => 10,
        TokenKind::Unfinished => 12,
        TokenKind::Initial => 14,
        TokenKind::Unknown => 40,
    }
}

fn push_tokens_at(sections: &Sections<'_>, input: &[u8], start: usize, tokens: &mut Vec<Token>) {
    let segment_end = input[start..]
        .iter()
        .position(|&b| b == SEPARATOR)
        .map_or(input.len(), |p| start + p);
    let ends_input = |end: usize| end == input.len();
    let first = tokens.len();
    let longest = MAX_SYLLABLE_LEN.min(segment_end - start);
    for end in (start + 1..=start + longest).rev() {
        let spelled = &input[start..end];
        if let Some(id) = sections.syllable_id(spelled) {
            let mut syllables = SyllableRange::single(id);
            if ends_input(end) {
                let extended = sections.syllables_with_prefix(spelled);
                if extended.first <= id && id <= extended.last {
                    syllables = extended;
                }
            }
            tokens.push(Token {
                start,
                end,
                kind: TokenKind::Syllable,
                syllables,
            });
        }
    }
    let has_syllable = tokens.len() > first;
    if !has_syllable {
        if let Some(letters) = initial_at(&input[start..segment_end]) {
            let end = start + letters;
            let syllables = sections.syllables_with_prefix(&input[start..end]);
            tokens.push(Token {
                start,
                end,
                kind: TokenKind::Initial,
                syllables,
            });
        }
    }
    // The rest of the input as the beginning of a syllable not typed in full yet.
    if ends_input(segment_end) && segment_end - start <= MAX_SYLLABLE_LEN {
        let spelled = &input[start..segment_end];
        let already = tokens[first..].iter().any(|token| token.end == segment_end);
        let syllables = sections.syllables_with_prefix(spelled);
        if !already && syllables.first <= syllables.last {
            tokens.push(Token {
                start,
                end: segment_end,
                kind: TokenKind::Unfinished,
                syllables,
            });
        }
    }
    if tokens.len() == first {
        tokens.push(Token {
            start,
            end: start + 1,
            kind: TokenKind::Unknown,
            syllables: SyllableRange::EMPTY,
        });
    }
    // Longest first, so that display ties go to the longest reading.
    tokens[first..].sort_by_key(|token| std::cmp::Reverse(token.end));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dictionary;

    fn lattice(input: &str) -> Lattice {
        Lattice::build(Dictionary::embedded().sections(), input.as_bytes())
    }

    fn spelled_at(lattice: &Lattice, position: usize) -> Vec<(String, TokenKind)> {
        lattice
            .tokens_at(position)
            .iter()
            .map(|token| (lattice.spelling(token).to_string(), token.kind))
            .collect()
    }

    fn best(input: &str) -> String {
        let lattice = lattice(input);
        let path = lattice.best_path(0);
        path.iter()
            .map(|token| lattice.spelling(token))
            .collect::<Vec<_>>()
            .join("'")
    }

    #[test]
    fn every_complete_syllable_starting_at_a_position_is_a_token_longest_first() {
        let lattice = lattice("xian");
        let tokens = spelled_at(&lattice, 0);
        let spellings: Vec<&str> = tokens.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(spellings, ["xian", "xia", "xi"]);
        assert!(tokens.iter().all(|(_, kind)| *kind == TokenKind::Syllable));
        // xi'an: after xi, "an" and "a" are syllables too.
        let after_xi: Vec<String> = spelled_at(&lattice, 2)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(after_xi, ["an", "a"]);
    }

    #[test]
    fn an_initial_is_a_token_only_where_no_syllable_starts() {
        // hannan never reads as h'a'n'n'a'n: a syllable starts at 0, so no initial does.
        let hannan = lattice("hannan");
        assert!(spelled_at(&hannan, 0)
            .iter()
            .all(|(_, kind)| *kind == TokenKind::Syllable));
        let hn = lattice("hn");
        assert_eq!(spelled_at(&hn, 0), [("h".to_string(), TokenKind::Initial)]);
        let zhg = lattice("zhg");
        assert_eq!(
            spelled_at(&zhg, 0)[0],
            ("zh".to_string(), TokenKind::Initial)
        );
    }

    #[test]
    fn an_unfinished_last_syllable_is_a_token_standing_for_the_syllables_it_begins() {
        let lattice = lattice("zhongguozhon");
        let last = spelled_at(&lattice, 8);
        assert!(
            last.contains(&("zhon".to_string(), TokenKind::Unfinished)),
            "{last:?}"
        );
        let token = lattice
            .tokens_at(8)
            .iter()
            .find(|t| t.kind == TokenKind::Unfinished)
            .copied();
        let sections = Dictionary::embedded().sections();
        let zhong = sections.syllable_id(b"zhong");
        assert!(token.is_some_and(
            |t| Some(t.syllables.first) == zhong && t.syllables.last == t.syllables.first
        ));
    }

    #[test]
    fn a_complete_syllable_that_ends_the_input_also_stands_for_its_longer_syllables() {
        let lattice = lattice("zhonggu");
        let sections = Dictionary::embedded().sections();
        let gu = lattice
            .tokens_at(5)
            .iter()
            .find(|t| lattice.spelling(t) == "gu")
            .copied()
            .expect("gu");
        let guo = sections.syllable_id(b"guo").expect("guo");
        assert!(gu.syllables.first <= guo && guo <= gu.syllables.last);
        // In the middle, a syllable stands for itself only.
        let zhong = lattice.tokens_at(0)[0];
        assert_eq!(zhong.syllables.first, zhong.syllables.last);
    }

    #[test]
    fn letters_that_begin_no_syllable_are_unknown_tokens_and_separators_bound_tokens() {
        let lattice = lattice("iu");
        assert_eq!(
            spelled_at(&lattice, 0),
            [("i".to_string(), TokenKind::Unknown)]
        );
        let separated = self::lattice("xi'an");
        assert!(spelled_at(&separated, 0).iter().all(|(s, _)| s == "xi"));
        assert!(separated.tokens_at(2).is_empty());
        assert_eq!(separated.next_start(2), 3);
    }

    #[test]
    fn the_display_segmentation_takes_the_fewest_syllables_and_the_longest_first_on_a_tie() {
        assert_eq!(best("xian"), "xian");
        assert_eq!(best("fangan"), "fang'an");
        assert_eq!(best("hannanqu"), "han'nan'qu");
        assert_eq!(best("xi'an"), "xi'an");
        assert_eq!(best("zhongg"), "zhong'g");
        assert_eq!(best("ylbx"), "y'l'b'x");
        assert_eq!(best("zhon"), "zhon");
        assert_eq!(best("iu"), "i'u");
    }

    #[test]
    fn a_path_is_found_for_a_reading_only_if_the_tokens_allow_it() {
        let lattice = lattice("fangan");
        let sections = Dictionary::embedded().sections();
        let id = |s: &str| sections.syllable_id(s.as_bytes()).expect(s);
        let fan_gan = lattice
            .path_reading(&[id("fan"), id("gan")], 6)
            .expect("fan'gan");
        assert_eq!(
            fan_gan
                .iter()
                .map(|t| lattice.spelling(t))
                .collect::<Vec<_>>(),
            ["fan", "gan"]
        );
        assert!(lattice.path_reading(&[id("fang"), id("gan")], 6).is_none());
        assert!(
            lattice.path_reading(&[id("fang")], 6).is_none(),
            "fang ends at 4, not 6"
        );
    }
}
