//! The service guide's search: items (a service: its name, keywords and other searchable text) indexed once, then
//! searched on every keystroke by initials (`ylbx`), full pinyin (`yiliao`), Chinese (`医疗`), or a mix.
//!
//! Ranking, best first: the query is the whole name ([`Tier::ExactName`]), begins the name in characters or full
//! pinyin, begins it as initials, is inside the name, matches a keyword, matches the other text. Within a tier, a
//! whole keyword before one it begins before one it is inside (likewise for the other text), then a match nearer
//! the start of its field, then the order the items were given in (give them in the order the guide lists them).
//! Pure: no I/O, no UI.

mod matcher;
mod query;

use std::collections::HashMap;

use crate::dictionary::Dictionary;
use crate::keys::{Reader, Reading};
use matcher::{best_match, FieldMatch, FieldTier, Spelling, Unit};
use query::{Element, Query};

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

/// A distinct text's units in the index's shared buffers, and what its units begin with.
#[derive(Debug, Clone, Copy)]
struct Field {
    first_unit: u32,
    unit_count: u32,
    /// Bit `n` set: a unit begins with letter `a + n`; bit 26: with a digit.
    first_letters: u32,
    /// A Bloom filter of the field's characters (one bit each).
    characters: u64,
    /// Whether more than one item uses this text (a department, a common keyword): its match is kept per search.
    shared: bool,
}

impl Field {
    /// Whether a query starting with `first` can match here at all (a query starts at a unit's beginning).
    fn may_start_with(&self, first: Element) -> bool {
        match first {
            Element::Letter(letter) => self.first_letters & letter_bit(letter) != 0,
            Element::Han(ch) => self.characters & character_bit(ch) != 0,
        }
    }
}

fn letter_bit(letter: u8) -> u32 {
    match letter {
        b'a'..=b'z' => 1 << (letter - b'a'),
        b'0'..=b'9' => 1 << 26,
        _ => 0,
    }
}

fn character_bit(ch: char) -> u64 {
    1 << ((ch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58)
}

/// An index into `SearchIndex::fields`.
type FieldId = u32;

#[derive(Debug)]
struct Indexed<Id> {
    id: Id,
    name: FieldId,
    keywords: Vec<FieldId>,
    extra: FieldId,
}

/// Items read into pinyin once, searched on every keystroke.
#[derive(Debug)]
pub struct SearchIndex<Id> {
    items: Vec<Indexed<Id>>,
    fields: Vec<Field>,
    units: Vec<Unit>,
    letters: Vec<u8>,
}

/// ASCII runs longer than this are indexed by their beginning (no query is longer).
const MAX_RUN: usize = 63;

/// Matches of shared fields found during one search.
type Memo = HashMap<(FieldId, Spelling), Option<FieldMatch>>;

impl<Id> SearchIndex<Id> {
    /// Reads every item's name, keywords and text into pinyin (polyphones as their word reads them). A text
    /// used by several items (a department) is read and stored once.
    pub fn build(dictionary: &Dictionary, items: impl IntoIterator<Item = SearchItem<Id>>) -> Self {
        let mut builder = Builder {
            index: SearchIndex {
                items: Vec::new(),
                fields: Vec::new(),
                units: Vec::new(),
                letters: Vec::new(),
            },
            reader: Reader::new(dictionary),
            known: HashMap::new(),
        };
        for item in items {
            let name = builder.field(&item.name);
            let keywords = item
                .keywords
                .iter()
                .map(|keyword| builder.field(keyword))
                .collect();
            let extra = builder.field(&item.extra);
            builder.index.items.push(Indexed {
                id: item.id,
                name,
                keywords,
                extra,
            });
        }
        let mut index = builder.index;
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
        let mut memo = Memo::new();
        let mut hits: Vec<(Tier, FieldTier, usize, usize)> = Vec::new();
        for (position, item) in self.items.iter().enumerate() {
            if let Some((tier, within, start)) = self.match_item(&query, item, &mut memo) {
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

    fn match_item(
        &self,
        query: &Query,
        item: &Indexed<Id>,
        memo: &mut Memo,
    ) -> Option<(Tier, FieldTier, usize)> {
        if let Some(found) = self.match_field(query, item.name, Spelling::Loose, memo) {
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
            .filter_map(|&field| self.match_field(query, field, Spelling::Loose, memo))
            .min_by_key(|found| (found.tier, found.start));
        if let Some(found) = keyword {
            return Some((Tier::Keyword, found.tier, found.start));
        }
        self.match_field(query, item.extra, Spelling::Full, memo)
            .map(|found| (Tier::Extra, found.tier, found.start))
    }

    fn match_field(
        &self,
        query: &Query,
        id: FieldId,
        spelling: Spelling,
        memo: &mut Memo,
    ) -> Option<FieldMatch> {
        let field = self.fields[id as usize];
        let first = *query.elements.first()?;
        if !field.may_start_with(first) {
            return None;
        }
        let find = || {
            let start = field.first_unit as usize;
            let units = &self.units[start..start + field.unit_count as usize];
            best_match(query, units, &self.letters, spelling)
        };
        if field.shared {
            *memo.entry((id, spelling)).or_insert_with(find)
        } else {
            find()
        }
    }
}

/// Reads texts into an index, each distinct text once.
struct Builder<'d, Id> {
    index: SearchIndex<Id>,
    reader: Reader<'d>,
    known: HashMap<String, FieldId>,
}

impl<Id> Builder<'_, Id> {
    fn field(&mut self, text: &str) -> FieldId {
        if let Some(&id) = self.known.get(text) {
            self.index.fields[id as usize].shared = true;
            return id;
        }
        let index = &mut self.index;
        let mut field = Field {
            first_unit: index.units.len() as u32,
            unit_count: 0,
            first_letters: 0,
            characters: 0,
            shared: false,
        };
        for reading in self.reader.readings(text) {
            let (han, spelled) = match reading {
                Reading::Han { text, syllable } => (text.chars().next(), syllable),
                Reading::Ascii(run) => (None, &run[..run.len().min(MAX_RUN)]),
            };
            let letters_start = index.letters.len() as u32;
            index
                .letters
                .extend(spelled.bytes().map(|b| b.to_ascii_lowercase()));
            let initial_len = match spelled.as_bytes() {
                [b'z' | b'c' | b's', b'h', ..] if han.is_some() => 2,
                _ => 1,
            };
            field.first_letters |= spelled
                .bytes()
                .next()
                .map_or(0, |b| letter_bit(b.to_ascii_lowercase()));
            field.characters |= han.map_or(0, character_bit);
            index.units.push(Unit {
                han,
                letters_start,
                letters_len: spelled.len() as u8,
                initial_len,
            });
        }
        field.unit_count = index.units.len() as u32 - field.first_unit;
        let id = index.fields.len() as FieldId;
        index.fields.push(field);
        self.known.insert(text.to_string(), id);
        id
    }
}
