//! Matching a query against one field (a name, a keyword, a text) read as units: Chinese characters with their
//! syllable, and ASCII runs.
//!
//! A query matches consecutive units: a Chinese character in the query matches the same character; letters match
//! a unit by a non-empty beginning of its syllable, so one query mixes full pinyin, initials and characters
//! (`yiliao`, `ylbx`, `yilbx`, `医疗bx` all match 医疗保险). An ASCII run is matched in full, or by its beginning
//! where the query ends. Every way of splitting the letters is followed at once: the states are the sets of query
//! positions reached, kept as 64-bit sets.

use super::query::{Element, Query};

/// One unit of an indexed field.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unit {
    /// The character, or `None` for an ASCII run.
    pub(crate) han: Option<char>,
    /// The unit's letters (syllable or lowercased ASCII run) in the index's letter buffer.
    pub(crate) letters_start: u32,
    pub(crate) letters_len: u8,
    /// How many letters make its initial (`zh` is 2).
    pub(crate) initial_len: u8,
}

/// How letters may match units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Spelling {
    /// By any beginning of a syllable (initials, full pinyin, or a mix): names and keywords.
    Loose,
    /// By full syllables, the last one possibly unfinished: long texts, where initials would match by chance.
    Full,
}

/// How well a query matches a field, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum FieldTier {
    /// The query is the whole field: its characters, its full pinyin or its initials.
    Exact,
    /// The field begins with the query's characters or full pinyin.
    Prefix,
    /// The field begins with the query read as initials (or a mix).
    InitialsPrefix,
    /// The query matches units inside the field.
    Substring,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldMatch {
    pub(crate) tier: FieldTier,
    /// The unit where the match starts.
    pub(crate) start: usize,
}

/// The best match of `query` in `units`, if any. A match at the first unit beats any later one, and later ones
/// are all substrings, so the first start that matches is the best.
pub(crate) fn best_match(
    query: &Query,
    units: &[Unit],
    letters: &[u8],
    spelling: Spelling,
) -> Option<FieldMatch> {
    let first = *query.elements.first()?;
    (0..units.len())
        .filter(|&start| can_start(first, &units[start], letters))
        .find_map(|start| {
            match_from(query, &units[start..], letters, spelling, start == 0)
                .map(|tier| FieldMatch { tier, start })
        })
}

fn can_start(first: Element, unit: &Unit, letters: &[u8]) -> bool {
    match first {
        Element::Han(ch) => unit.han == Some(ch),
        Element::Letter(letter) => letters.get(unit.letters_start as usize) == Some(&letter),
    }
}

/// Query positions as a set; bit `i` is "the first `i` elements are matched".
type Positions = u64;

/// Matches the whole query against units from `units[0]` on; the tier if it matches.
fn match_from(
    query: &Query,
    units: &[Unit],
    letters: &[u8],
    spelling: Spelling,
    at_start: bool,
) -> Option<FieldTier> {
    let end = query.len();
    let done: Positions = 1 << end;
    // Reached with every unit so far matched by its character or full syllable.
    let mut full: Positions = 1;
    // Reached with every unit so far matched by its character, full syllable or initial.
    let mut whole: Positions = 1;
    // Reached at all.
    let mut any: Positions = 1;
    let mut best: Option<FieldTier> = None;
    for (index, unit) in units.iter().enumerate() {
        let is_last_unit = index + 1 == units.len();
        let spelled = unit_letters(unit, letters);
        let (mut next_full, mut next_whole, mut next_any) = (0, 0, 0);
        let mut reached = any;
        while reached != 0 {
            let position = reached.trailing_zeros() as usize;
            reached &= reached - 1;
            let bit = 1 << position;
            for step in steps(query, position, unit, spelled, spelling) {
                let target = 1u64 << (position + step.len);
                if full & bit != 0 && step.full {
                    next_full |= target;
                }
                if whole & bit != 0 && (step.full || step.initial) {
                    next_whole |= target;
                }
                next_any |= target;
                if target == done {
                    let tier = if !at_start {
                        FieldTier::Substring
                    } else if is_last_unit && whole & bit != 0 && (step.full || step.initial) {
                        FieldTier::Exact
                    } else if full & bit != 0 {
                        FieldTier::Prefix
                    } else {
                        FieldTier::InitialsPrefix
                    };
                    best = Some(best.map_or(tier, |b| b.min(tier)));
                }
            }
        }
        (full, whole, any) = (next_full & !done, next_whole & !done, next_any & !done);
        if any == 0 {
            break;
        }
    }
    best
}

fn unit_letters<'l>(unit: &Unit, letters: &'l [u8]) -> &'l [u8] {
    let start = unit.letters_start as usize;
    letters
        .get(start..start + unit.letters_len as usize)
        .unwrap_or(&[])
}

/// One way a unit consumes query elements from a position.
#[derive(Clone, Copy)]
struct Step {
    len: usize,
    /// The unit matched by its character or its whole syllable / run.
    full: bool,
    /// The unit matched by exactly its initial.
    initial: bool,
}

/// The ways `unit` can consume the query from `position` (at most one per length; syllables have at most 6
/// letters).
fn steps(
    query: &Query,
    position: usize,
    unit: &Unit,
    spelled: &[u8],
    spelling: Spelling,
) -> impl Iterator<Item = Step> {
    let mut options: [Option<Step>; 6] = [None; 6];
    match query.elements.get(position) {
        Some(Element::Han(ch)) if unit.han == Some(*ch) => {
            options[0] = Some(Step {
                len: 1,
                full: true,
                initial: false,
            });
        }
        Some(Element::Han(_)) => {}
        Some(Element::Letter(_)) => {
            let common = spelled
                .iter()
                .enumerate()
                .take_while(|(offset, letter)| query.letter(position + offset) == Some(**letter))
                .count();
            let ends_query = |len: usize| position + len == query.len();
            if unit.han.is_none() {
                // An ASCII run is matched whole, or by its beginning where the query ends.
                if common > 0 && (common == spelled.len() || ends_query(common)) {
                    options[0] = Some(Step {
                        len: common,
                        full: common == spelled.len(),
                        initial: false,
                    });
                }
            } else {
                for len in 1..=common.min(options.len()) {
                    let full = len == spelled.len();
                    if full || spelling == Spelling::Loose || ends_query(len) {
                        let initial = len == unit.initial_len as usize;
                        options[len - 1] = Some(Step { len, full, initial });
                    }
                }
            }
        }
        None => {}
    }
    options.into_iter().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Units of `pairs` (character or None for an ASCII run, letters) and their letter buffer.
    fn field(pairs: &[(Option<char>, &str)]) -> (Vec<Unit>, Vec<u8>) {
        let mut letters = Vec::new();
        let units = pairs
            .iter()
            .map(|&(han, spelled)| {
                let letters_start = letters.len() as u32;
                letters.extend_from_slice(spelled.as_bytes());
                let initial_len =
                    if han.is_some() && ["zh", "ch", "sh"].iter().any(|p| spelled.starts_with(p)) {
                        2
                    } else {
                        1
                    };
                Unit {
                    han,
                    letters_start,
                    letters_len: spelled.len() as u8,
                    initial_len,
                }
            })
            .collect();
        (units, letters)
    }

    fn yiliao_baoxian() -> (Vec<Unit>, Vec<u8>) {
        field(&[
            (Some('医'), "yi"),
            (Some('疗'), "liao"),
            (Some('保'), "bao"),
            (Some('险'), "xian"),
        ])
    }

    fn tier(query: &str, spelling: Spelling) -> Option<FieldMatch> {
        let (units, letters) = yiliao_baoxian();
        best_match(&Query::parse(query), &units, &letters, spelling)
    }

    fn at(tier: FieldTier, start: usize) -> Option<FieldMatch> {
        Some(FieldMatch { tier, start })
    }

    #[test]
    fn the_whole_field_by_characters_full_pinyin_or_initials_is_exact() {
        for query in [
            "医疗保险",
            "yiliaobaoxian",
            "ylbx",
            "yilbx",
            "医疗bx",
            "YLBX",
        ] {
            assert_eq!(
                tier(query, Spelling::Loose),
                at(FieldTier::Exact, 0),
                "{query}"
            );
        }
    }

    #[test]
    fn a_beginning_in_full_pinyin_or_characters_is_a_prefix() {
        // The last syllable may be unfinished: "y" begins the full pinyin too.
        for query in [
            "yiliao",
            "yiliaob",
            "yiliaobaoxia",
            "医疗",
            "yi",
            "y",
            "医",
            "医liao",
        ] {
            assert_eq!(
                tier(query, Spelling::Loose),
                at(FieldTier::Prefix, 0),
                "{query}"
            );
        }
    }

    #[test]
    fn a_beginning_read_as_initials_is_an_initials_prefix() {
        for query in ["yl", "ylb", "ylbao", "yilb", "医lb"] {
            assert_eq!(
                tier(query, Spelling::Loose),
                at(FieldTier::InitialsPrefix, 0),
                "{query}"
            );
        }
    }

    #[test]
    fn a_match_inside_the_field_is_a_substring_at_its_first_start() {
        assert_eq!(
            tier("baoxian", Spelling::Loose),
            at(FieldTier::Substring, 2)
        );
        assert_eq!(tier("bx", Spelling::Loose), at(FieldTier::Substring, 2));
        assert_eq!(tier("保险", Spelling::Loose), at(FieldTier::Substring, 2));
        assert_eq!(tier("liaob", Spelling::Loose), at(FieldTier::Substring, 1));
    }

    #[test]
    fn letters_in_the_middle_of_a_syllable_never_start_a_match() {
        // "an" ends xian and "iao" ends liao: neither begins a syllable.
        assert_eq!(tier("an", Spelling::Loose), None);
        assert_eq!(tier("iao", Spelling::Loose), None);
        assert_eq!(tier("yx", Spelling::Loose), None, "not consecutive");
        assert_eq!(tier("险保", Spelling::Loose), None, "out of order");
    }

    #[test]
    fn full_spelling_refuses_initials_except_for_the_unfinished_last_syllable() {
        assert_eq!(tier("ylbx", Spelling::Full), None);
        assert_eq!(tier("yiliaobaox", Spelling::Full), at(FieldTier::Exact, 0));
        assert_eq!(tier("liaoba", Spelling::Full), at(FieldTier::Substring, 1));
        assert_eq!(tier("yiliao", Spelling::Full), at(FieldTier::Prefix, 0));
    }

    #[test]
    fn an_ascii_run_matches_whole_or_by_its_beginning_where_the_query_ends() {
        let (units, letters) = field(&[
            (None, "icu"),
            (Some('病'), "bing"),
            (Some('房'), "fang"),
            (None, "2"),
        ]);
        let find =
            |query: &str| best_match(&Query::parse(query), &units, &letters, Spelling::Loose);
        assert_eq!(find("icubf2"), at(FieldTier::Exact, 0));
        assert_eq!(find("ic"), at(FieldTier::Prefix, 0));
        assert_eq!(find("icb"), None, "a run is not abbreviated");
        assert_eq!(find("bingfang2"), at(FieldTier::Substring, 1));
    }
}
