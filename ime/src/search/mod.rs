//! The service guide's search: items (a service: its name, keywords and other searchable text) indexed once, then
//! searched on every keystroke by initials (`ylbx`), full pinyin (`yiliao`), Chinese (`医疗`), or a mix.
//!
//! Ranking, best first: the query is the whole name ([`Tier::ExactName`]), begins the name in characters or full
//! pinyin, begins it as initials, is inside the name, matches a keyword, matches the other text. Within a tier, a
//! match nearer the start of its field comes first; then the order the items were given in (give them in the
//! order the guide lists them). Pure: no I/O, no UI.

mod matcher;
mod query;

use crate::dictionary::Dictionary;
use crate::keys::Reading;
use matcher::{best_match, FieldMatch, FieldTier, Spelling, Unit};
use query::Query;

/// What to index for one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchItem<Id> {
    pub id: Id,
    /// The name shown in the list (事项名称).
    pub name: String,
    /// Other names people search it by (医保, 社保).
    pub keywords: Vec<String>,
    /// Other searchable text (department, materials); matched by characters or full pinyin only, since initials
    /// would match long text by chance.
    pub extra: String,
}

/// How an item matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// The query is the whole name: its characters, its full pinyin or its initials.
    ExactName,
    /// The name begins with the query in characters or full pinyin.
    NamePrefix,
    /// The name begins with the query as initials (or initials mixed with pinyin).
    NameInitialsPrefix,
    /// The query is inside the name.
    NameSubstring,
    /// The query matches a keyword.
    Keyword,
    /// The query matches the other text.
    Extra,
}

/// One result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchHit<'a, Id> {
    pub id: &'a Id,
    /// The item's position in the order it was indexed.
    pub position: usize,
    pub tier: Tier,
}

/// A field's units in the index's shared buffers.
#[derive(Debug, Clone, Copy)]
struct Field {
    first_unit: u32,
    unit_count: u32,
}

#[derive(Debug)]
struct Indexed<Id> {
    id: Id,
    name: Field,
    keywords: Vec<Field>,
    extra: Field,
}

/// Items read into pinyin once, searched on every keystroke.
#[derive(Debug)]
pub struct SearchIndex<Id> {
    items: Vec<Indexed<Id>>,
    units: Vec<Unit>,
    letters: Vec<u8>,
}

/// ASCII runs longer than this are indexed by their beginning (no query is longer).
const MAX_RUN: usize = 63;

impl<Id> SearchIndex<Id> {
    /// Reads every item's name, keywords and text into pinyin (polyphones as their word reads them).
    pub fn build(dictionary: &Dictionary, items: impl IntoIterator<Item = SearchItem<Id>>) -> Self {
        let mut index = SearchIndex {
            items: Vec::new(),
            units: Vec::new(),
            letters: Vec::new(),
        };
        for item in items {
            let name = index.add_field(dictionary, &item.name);
            let keywords = item
                .keywords
                .iter()
                .map(|keyword| index.add_field(dictionary, keyword))
                .collect();
            let extra = index.add_field(dictionary, &item.extra);
            index.items.push(Indexed {
                id: item.id,
                name,
                keywords,
                extra,
            });
        }
        index.units.shrink_to_fit();
        index.letters.shrink_to_fit();
        index
    }

    /// Number of items indexed.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no item is indexed.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items matching `query`, best first, at most `limit`. An empty query (or one of only spaces and
    /// punctuation) matches nothing: the guide shows its full list then.
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit<'_, Id>> {
        let query = Query::parse(query);
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut hits: Vec<(Tier, FieldTier, usize, usize)> = Vec::new();
        for (position, item) in self.items.iter().enumerate() {
            if let Some((tier, within, start)) = self.match_item(&query, item) {
                hits.push((tier, within, start, position));
            }
        }
        hits.sort_unstable();
        hits.truncate(limit);
        hits.into_iter()
            .map(|(tier, _, _, position)| SearchHit {
                id: &self.items[position].id,
                position,
                tier,
            })
            .collect()
    }

    fn match_item(&self, query: &Query, item: &Indexed<Id>) -> Option<(Tier, FieldTier, usize)> {
        if let Some(found) = self.match_field(query, item.name, Spelling::Loose) {
            let tier = match found.tier {
                FieldTier::Exact => Tier::ExactName,
                FieldTier::Prefix => Tier::NamePrefix,
                FieldTier::InitialsPrefix => Tier::NameInitialsPrefix,
                FieldTier::Substring => Tier::NameSubstring,
            };
            return Some((tier, found.tier, found.start));
        }
        let keyword = item
            .keywords
            .iter()
            .filter_map(|&field| self.match_field(query, field, Spelling::Loose))
            .min_by_key(|found| (found.tier, found.start));
        if let Some(found) = keyword {
            return Some((Tier::Keyword, found.tier, found.start));
        }
        self.match_field(query, item.extra, Spelling::Full)
            .map(|found| (Tier::Extra, found.tier, found.start))
    }

    fn match_field(&self, query: &Query, field: Field, spelling: Spelling) -> Option<FieldMatch> {
        let start = field.first_unit as usize;
        let units = &self.units[start..start + field.unit_count as usize];
        best_match(query, units, &self.letters, spelling)
    }

    fn add_field(&mut self, dictionary: &Dictionary, text: &str) -> Field {
        let first_unit = self.units.len() as u32;
        for reading in dictionary.readings(text) {
            let (han, spelled) = match reading {
                Reading::Han { text, syllable } => (text.chars().next(), syllable),
                Reading::Ascii(run) => (None, &run[..run.len().min(MAX_RUN)]),
            };
            let letters_start = self.letters.len() as u32;
            self.letters
                .extend(spelled.bytes().map(|b| b.to_ascii_lowercase()));
            let initial_len = if han.is_some()
                && spelled.len() > 1
                && matches!(&spelled.as_bytes()[..2], b"zh" | b"ch" | b"sh")
            {
                2
            } else {
                1
            };
            self.units.push(Unit {
                han,
                letters_start,
                letters_len: spelled.len() as u8,
                initial_len,
            });
        }
        Field {
            first_unit,
            unit_count: self.units.len() as u32 - first_unit,
        }
    }
}
