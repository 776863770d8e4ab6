//! The guide's search: an index over the catalog (names, keywords, materials, departments) by pinyin initials,
//! full pinyin and Chinese, built once per catalog version and kept in memory, so a keystroke costs a lookup, not a
//! query.

use sanban_ime::{Dictionary, SearchIndex, SearchItem};

use crate::store::catalog::ServiceSummary;

/// Results shown for a query.
pub const MAX_RESULTS: usize = 40;
/// Keyword chips offered under the search box.
pub const CHIPS: usize = 6;

pub struct GuideIndex {
    pub version: u64,
    pub services: Vec<ServiceSummary>,
    index: SearchIndex<usize>,
    pub chips: Vec<String>,
}

impl GuideIndex {
    pub fn build(version: u64, services: Vec<ServiceSummary>) -> GuideIndex {
        let index = SearchIndex::build(
            Dictionary::embedded(),
            services.iter().enumerate().map(|(i, s)| SearchItem {
                id: i,
                name: s.name_zh.clone(),
                keywords: s.keywords.clone(),
                extra: format!("{} {}", s.department, s.materials.join(" ")),
            }),
        );
        GuideIndex {
            chips: chips(&services),
            version,
            services,
            index,
        }
    }

    /// Services matching `query` (letters or Chinese), best first.
    pub fn search(&self, query: &str) -> Vec<&ServiceSummary> {
        if query.trim().is_empty() {
            return Vec::new();
        }
        self.index
            .search(query, MAX_RESULTS)
            .into_iter()
            .map(|hit| &self.services[*hit.id])
            .collect()
    }

    pub fn in_category(&self, category: &str) -> Vec<&ServiceSummary> {
        self.services
            .iter()
            .filter(|s| s.category == category)
            .collect()
    }

    pub fn in_department(&self, department: &str) -> Vec<&ServiceSummary> {
        self.services
            .iter()
            .filter(|s| s.department == department)
            .collect()
    }

    /// Departments (Chinese, English) in catalog order, each once.
    pub fn departments(&self) -> Vec<(String, String)> {
        let mut seen: Vec<(String, String)> = Vec::new();
        for s in &self.services {
            if !seen.iter().any(|(zh, _)| *zh == s.department) {
                seen.push((s.department.clone(), s.department_en.clone()));
            }
        }
        seen
    }
}

/// The keywords most services share: the chips a citizen can tap instead of typing Chinese.
fn chips(services: &[ServiceSummary]) -> Vec<String> {
    let mut counts: Vec<(String, usize, usize)> = Vec::new();
    for (i, s) in services.iter().enumerate() {
        for k in &s.keywords {
            match counts.iter_mut().find(|(w, ..)| w == k) {
                Some(entry) => entry.1 += 1,
                None => counts.push((k.clone(), 1, i)),
            }
        }
    }
    // Most shared first; ties in catalog order. Short words fit the chip row.
    counts.retain(|(w, ..)| w.chars().count() <= 4);
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    counts.into_iter().take(CHIPS).map(|(w, ..)| w).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn index() -> GuideIndex {
        let mut store = Store::open_in_memory().unwrap();
        store.ensure_catalog().unwrap();
        GuideIndex::build(0, store.catalog_summaries().unwrap())
    }

    #[test]
    fn finds_services_by_initials_full_pinyin_and_chinese() {
        let index = index();
        let first = |q: &str| index.search(q).first().map(|s| s.name_zh.clone());
        assert!(index
            .search("ylbx")
            .iter()
            .any(|s| s.name_zh == "城乡居民基本医疗保险参保登记"));
        assert!(index
            .search("yiliao")
            .iter()
            .any(|s| s.name_zh == "城乡居民基本医疗保险参保登记"));
        assert_eq!(first("qysl").as_deref(), Some("企业设立登记"));
        assert!(index
            .search("医疗")
            .iter()
            .any(|s| s.name_zh.contains("医疗")));
        assert!(index.search("").is_empty());
        assert!(index.search("zzzzzz").is_empty());
    }

    #[test]
    fn chips_and_departments_come_from_the_catalog() {
        let index = index();
        assert_eq!(index.chips.len(), CHIPS);
        assert!(
            index.chips.iter().all(|c| !index.search(c).is_empty()),
            "every chip finds something"
        );
        assert!(!index.departments().is_empty());
        assert_eq!(index.in_category("police").len(), 8);
    }
}
