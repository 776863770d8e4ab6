//! The catalog's rules, checked before a catalog is published: every problem names the service and the field path
//! (`materials[3].defer_days`) and says in plain words what is wrong. Pure: no I/O.

use std::collections::HashSet;
use std::fmt;

use super::form::{is_han, FieldType, FormField, MAX_VALUE_CHARS};
use super::hours::{TimeRange, Weekday};
use super::{FormDocument, Handling, Material, Service};
use crate::is_window_category;

/// Which service a problem is about, by position and by whatever names it has (any may be empty when broken).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRef {
    /// Position in the list, from 0.
    pub index: usize,
    pub id: String,
    pub code: String,
    pub name_zh: String,
}

impl fmt::Display for ServiceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "services[{}]", self.index)?;
        for part in [&self.id, &self.name_zh] {
            if !part.trim().is_empty() {
                write!(f, " {}", part.trim())?;
            }
        }
        if !self.code.trim().is_empty() {
            write!(f, " (实施编码 {})", self.code.trim())?;
        }
        Ok(())
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProblem {
    /// `None` for a problem of the whole catalog (or of the file around it).
    pub service: Option<ServiceRef>,
    /// Path inside the service, e.g. `materials[3].defer_days`; empty for the service or catalog as a whole.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for CatalogProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.service {
            Some(s) => write!(f, "{s}")?,
            None => write!(f, "catalog")?,
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// More services than this is not a district's catalog but a mistake (the kiosk's search is sized for 2,000).
pub const MAX_SERVICES: usize = 5000;

// Lengths in characters. Generous for real guides, small enough to catch a pasted document.
const NAME_ZH: usize = 80;
const NAME_EN: usize = 200;
const SHORT_TEXT: usize = 300;
const LONG_TEXT: usize = 1000;
const LABEL_ZH: usize = 40;
const LABEL_EN: usize = 100;
const KEYWORD: usize = 12;
const URL: usize = 500;
// Working days; a statutory limit beyond a working year is a typing error.
const MAX_LIMIT_DAYS: u32 = 250;
const MAX_DEFER_DAYS: u32 = 60;
const MAX_VISITS: u32 = 5;

pub(super) fn validate(services: &[Service]) -> Result<(), Vec<CatalogProblem>> {
    let mut problems = Vec::new();
    if services.is_empty() {
        problems.push(CatalogProblem {
            service: None,
            field: String::new(),
            reason: "the catalog lists no services".into(),
        });
    }
    if services.len() > MAX_SERVICES {
        problems.push(CatalogProblem {
            service: None,
            field: String::new(),
            reason: format!(
                "the catalog lists {} services; at most {MAX_SERVICES}",
                services.len()
            ),
        });
    }
    let (mut ids, mut codes, mut names) = (HashSet::new(), HashSet::new(), HashSet::new());
    for (index, service) in services.iter().enumerate() {
        let mut check = Check {
            service: ServiceRef {
                index,
                id: service.id.clone(),
                code: service.code.clone(),
                name_zh: service.name_zh.clone(),
            },
            problems: &mut problems,
        };
        check.service_fields(service);
        if !service.id.is_empty() && !ids.insert(service.id.as_str()) {
            check.problem(
                "id",
                format!("duplicate id {}: ids must be unique", service.id),
            );
        }
        if !service.code.is_empty() && !codes.insert(service.code.as_str()) {
            check.problem(
                "code",
                "duplicate 实施编码: another service has the same code",
            );
        }
        if !service.name_zh.is_empty() && !names.insert(service.name_zh.as_str()) {
            check.problem(
                "name_zh",
                "duplicate name: another service has the same 事项名称 (citizens choose services by name)",
            );
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

struct Check<'p> {
    service: ServiceRef,
    problems: &'p mut Vec<CatalogProblem>,
}

impl Check<'_> {
    fn problem(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.problems.push(CatalogProblem {
            service: Some(self.service.clone()),
            field: field.into(),
            reason: reason.into(),
        });
    }

    /// Text that must be present.
    fn text(&mut self, field: &str, value: &str, max_chars: usize) {
        if value.trim().is_empty() {
            self.problem(field, "is empty");
        } else {
            self.optional_text(field, value, max_chars);
        }
    }

    /// Text that may be empty, and is well formed when it is not.
    fn optional_text(&mut self, field: &str, value: &str, max_chars: usize) {
        if value.chars().any(char::is_control) {
            self.problem(
                field,
                "contains a control character (line break, tab…); use a list for separate lines",
            );
        }
        if value.trim() != value {
            self.problem(field, "has spaces at the start or the end");
        }
        let chars = value.chars().count();
        if chars > max_chars {
            self.problem(
                field,
                format!("is {chars} characters long; at most {max_chars}"),
            );
        }
    }

    /// English text: present, and without Chinese characters (a field left in Chinese by mistake).
    fn english(&mut self, field: &str, value: &str, max_chars: usize) {
        self.text(field, value, max_chars);
        if value.chars().any(is_han) {
            self.problem(
                field,
                "is meant to be English but contains Chinese characters",
            );
        }
    }

    fn chinese(&mut self, field: &str, value: &str, max_chars: usize) {
        self.text(field, value, max_chars);
        if !value.trim().is_empty() && !value.chars().any(is_han) {
            self.problem(
                field,
                "is meant to be Chinese but has no Chinese characters",
            );
        }
    }

    fn list(&mut self, field: &str, items: &[String], min: usize, max: usize, max_chars: usize) {
        if items.len() < min {
            self.problem(field, format!("needs at least {min} item(s)"));
        }
        if items.len() > max {
            self.problem(field, format!("has {} items; at most {max}", items.len()));
        }
        for (i, item) in items.iter().enumerate() {
            self.text(&format!("{field}[{i}]"), item, max_chars);
        }
    }

    fn service_fields(&mut self, s: &Service) {
        if !is_key(&s.id, 16, |b| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'
        }) || !s.id.as_bytes()[0].is_ascii_uppercase()
        {
            self.problem(
                "id",
                "must be 1 to 16 upper-case letters, digits or hyphens, starting with a letter (ECO-01)",
            );
        }
        let code_ok = (20..=40).contains(&s.code.len())
            && s.code
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        if !code_ok {
            self.problem(
                "code",
                "实施编码 must be 20 to 40 digits and upper-case letters",
            );
        }
        self.chinese("name_zh", &s.name_zh, NAME_ZH);
        self.english("name_en", &s.name_en, NAME_EN);
        if !is_window_category(&s.category) {
            self.problem(
                "category",
                format!(
                    "unknown window category {:?}; expected one of {}",
                    s.category,
                    crate::WINDOW_CATEGORIES
                        .iter()
                        .map(|c| c.0)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        self.chinese("department", &s.department, NAME_ZH);
        self.english("department_en", &s.department_en, NAME_EN);
        self.list("legal_basis", &s.legal_basis, 1, 20, LONG_TEXT);
        self.list("conditions", &s.conditions, 1, 30, LONG_TEXT);
        self.list("steps", &s.steps, 1, 30, LONG_TEXT);
        self.time_limits(s);
        self.materials(&s.materials);
        self.text("fee.standard", &s.fee.standard, SHORT_TEXT);
        self.optional_text("fee.basis", &s.fee.basis, LONG_TEXT);
        if s.fee.charged && s.fee.basis.trim().is_empty() {
            self.problem("fee.basis", "a charged service must name its 收费依据");
        }
        if !s.fee.charged && !s.fee.basis.is_empty() {
            self.problem("fee.basis", "is given but fee.charged is false");
        }
        self.text("location", &s.location, SHORT_TEXT);
        self.text("hours_text", &s.hours_text, SHORT_TEXT);
        self.phone("phone", &s.phone);
        self.phone("supervision_phone", &s.supervision_phone);
        self.online(s);
        self.booking(s);
        if s.faq.len() > 30 {
            self.problem("faq", format!("has {} items; at most 30", s.faq.len()));
        }
        for (i, faq) in s.faq.iter().enumerate() {
            self.text(&format!("faq[{i}].question"), &faq.question, SHORT_TEXT);
            self.text(&format!("faq[{i}].answer"), &faq.answer, LONG_TEXT);
        }
        self.keywords(&s.keywords);
        self.form(s);
    }

    fn time_limits(&mut self, s: &Service) {
        for (field, days) in [
            ("legal_limit_days", s.legal_limit_days),
            ("promised_limit_days", s.promised_limit_days),
        ] {
            if days > MAX_LIMIT_DAYS {
                self.problem(
                    field,
                    format!("{days} working days is more than a working year ({MAX_LIMIT_DAYS})"),
                );
            }
        }
        if s.promised_limit_days > s.legal_limit_days {
            self.problem(
                "promised_limit_days",
                format!(
                    "the promised limit ({} days) is above the legal limit ({} days)",
                    s.promised_limit_days, s.legal_limit_days
                ),
            );
        }
        match s.handling {
            Handling::Instant if s.promised_limit_days != 0 => self.problem(
                "promised_limit_days",
                "an instant service (即办件) is done on the spot: its promised limit is 0",
            ),
            Handling::Promised if s.promised_limit_days == 0 => self.problem(
                "promised_limit_days",
                "a promised service (承诺件) needs a promised limit of at least 1 working day \
                 (or make it instant)",
            ),
            _ => {}
        }
    }

    fn materials(&mut self, materials: &[Material]) {
        if materials.len() > 60 {
            self.problem(
                "materials",
                format!("has {} items; at most 60", materials.len()),
            );
        }
        let mut names = HashSet::new();
        for (i, m) in materials.iter().enumerate() {
            let at = |f: &str| format!("materials[{i}].{f}");
            self.chinese(&at("name"), &m.name, NAME_ZH);
            self.english(&at("name_en"), &m.name_en, NAME_EN);
            if !m.name.is_empty() && !names.insert(m.name.as_str()) {
                self.problem(
                    at("name"),
                    "duplicate material name in this service (applications list materials by name)",
                );
            }
            if m.originals > 10 {
                self.problem(
                    at("originals"),
                    format!("{} originals; at most 10", m.originals),
                );
            }
            if m.copies > 20 {
                self.problem(at("copies"), format!("{} copies; at most 20", m.copies));
            }
            if m.originals + m.copies == 0 && m.form == super::MaterialForm::Paper {
                self.problem(
                    at("copies"),
                    "a paper material needs at least one original or one copy",
                );
            }
            if m.core && m.deferrable {
                self.problem(
                    at("deferrable"),
                    "a core material cannot be deferrable (核心材料不可容缺)",
                );
            }
            match (m.deferrable, m.defer_days) {
                (true, None) => self.problem(
                    at("defer_days"),
                    "a deferrable material needs defer_days: the working days to supply it after acceptance",
                ),
                (true, Some(0)) => self.problem(at("defer_days"), "must be at least 1 working day"),
                (true, Some(days)) if days > MAX_DEFER_DAYS => self.problem(
                    at("defer_days"),
                    format!("{days} working days; at most {MAX_DEFER_DAYS}"),
                ),
                (false, Some(_)) => self.problem(
                    at("defer_days"),
                    "is set but the material is not deferrable",
                ),
                _ => {}
            }
            for (field, doc) in [
                ("blank_form", &m.blank_form),
                ("sample_form", &m.sample_form),
            ] {
                if let Some(doc) = doc {
                    self.document(&at(field), doc);
                }
            }
            self.optional_text(&at("note"), &m.note, LONG_TEXT);
        }
    }

    fn document(&mut self, at: &str, doc: &FormDocument) {
        self.text(&format!("{at}.name"), &doc.name, NAME_ZH);
        self.url(&format!("{at}.url"), &doc.url);
    }

    fn url(&mut self, field: &str, url: &str) {
        let ok = (url.starts_with("https://") || url.starts_with("http://"))
            && url.len() > "https://".len()
            && url.chars().count() <= URL
            && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            self.problem(
                field,
                format!("must be an http(s):// address without spaces, at most {URL} characters"),
            );
        }
    }

    fn phone(&mut self, field: &str, phone: &str) {
        let b = phone.as_bytes();
        let ok = (3..=20).contains(&b.len())
            && b.iter().all(|c| c.is_ascii_digit() || *c == b'-')
            && b[0].is_ascii_digit()
            && b[b.len() - 1].is_ascii_digit()
            && !phone.contains("--");
        if !ok {
            self.problem(
                field,
                "must be a telephone number of digits and hyphens (027-84890101, 12345)",
            );
        }
    }

    fn online(&mut self, s: &Service) {
        if s.visits > MAX_VISITS {
            self.problem(
                "visits",
                format!("{} visits to the hall; at most {MAX_VISITS}", s.visits),
            );
        }
        if s.visits == 0 && !s.online {
            self.problem(
                "visits",
                "0 visits (全程网办) needs online: true and an online_url",
            );
        }
        match (&s.online_url, s.online) {
            (None, true) => self.problem("online_url", "an online service needs its 网办地址"),
            (Some(_), false) => self.problem("online_url", "is set but online is false"),
            (Some(url), true) => self.url("online_url", url),
            (None, false) => {}
        }
    }

    fn booking(&mut self, s: &Service) {
        if !s.bookable {
            if !s.opening_hours.is_empty() {
                self.problem("opening_hours", "is set but bookable is false");
            }
            if s.slot_minutes.is_some() {
                self.problem("slot_minutes", "is set but bookable is false");
            }
            if s.slot_capacity.is_some() {
                self.problem("slot_capacity", "is set but bookable is false");
            }
            return;
        }
        if s.opening_hours.is_empty() {
            self.problem(
                "opening_hours",
                "a bookable service needs opening hours on at least one weekday",
            );
        }
        match s.slot_minutes {
            None => self.problem(
                "slot_minutes",
                "a bookable service needs the length of its slots",
            ),
            Some(m) if !(5..=240).contains(&m) => {
                self.problem("slot_minutes", format!("{m} minutes; must be 5 to 240"))
            }
            _ => {}
        }
        match s.slot_capacity {
            None => self.problem(
                "slot_capacity",
                "a bookable service needs the number of appointments per slot",
            ),
            Some(c) if !(1..=200).contains(&c) => {
                self.problem("slot_capacity", format!("{c} per slot; must be 1 to 200"))
            }
            _ => {}
        }
        for day in Weekday::ALL {
            self.day_hours(day, s.opening_hours.on(day), s.slot_minutes);
        }
    }

    fn day_hours(&mut self, day: Weekday, ranges: &[TimeRange], slot_minutes: Option<u32>) {
        let at = |i: usize| format!("opening_hours.{}[{i}]", day.code());
        if ranges.len() > 6 {
            self.problem(
                format!("opening_hours.{}", day.code()),
                format!("{} ranges in one day; at most 6", ranges.len()),
            );
        }
        for (i, r) in ranges.iter().enumerate() {
            if r.end <= r.start {
                self.problem(at(i), format!("{r} ends before it starts"));
            } else if let Some(m) = slot_minutes.filter(|&m| m > 0 && r.minutes() % m != 0) {
                self.problem(
                    at(i),
                    format!("{r} is not a whole number of {m}-minute slots"),
                );
            }
        }
        let mut order: Vec<usize> = (0..ranges.len()).collect();
        order.sort_by_key(|&i| ranges[i].start);
        for pair in order.windows(2) {
            let (a, b) = (ranges[pair[0]], ranges[pair[1]]);
            if b.start < a.end && a.start < a.end && b.start < b.end {
                self.problem(at(pair[1]), format!("{b} overlaps {a}"));
            }
        }
    }

    fn keywords(&mut self, keywords: &[String]) {
        if keywords.len() > 20 {
            self.problem(
                "keywords",
                format!("has {} items; at most 20", keywords.len()),
            );
        }
        let mut seen = HashSet::new();
        for (i, k) in keywords.iter().enumerate() {
            let at = format!("keywords[{i}]");
            self.text(&at, k, KEYWORD);
            if k.contains(' ') {
                self.problem(at.as_str(), "a keyword is one word, without spaces");
            }
            if !k.is_empty() && !seen.insert(k.as_str()) {
                self.problem(at, "duplicate keyword");
            }
        }
    }

    fn form(&mut self, s: &Service) {
        if s.kiosk_submittable && s.form.is_empty() {
            self.problem(
                "form",
                "a service submittable at the kiosk needs a form with at least one field",
            );
        }
        if !s.kiosk_submittable && !s.form.is_empty() {
            self.problem(
                "form",
                "is set but kiosk_submittable is false (set it, or remove the form)",
            );
        }
        if s.form.len() > 40 {
            self.problem("form", format!("has {} fields; at most 40", s.form.len()));
        }
        let mut keys = HashSet::new();
        for (i, field) in s.form.iter().enumerate() {
            self.form_field(&format!("form[{i}]"), field);
            if !field.key.is_empty() && !keys.insert(field.key.as_str()) {
                self.problem(
                    format!("form[{i}].key"),
                    format!("duplicate form key {:?}", field.key),
                );
            }
        }
    }

    fn form_field(&mut self, at: &str, f: &FormField) {
        let at = |name: &str| format!("{at}.{name}");
        if !is_key(&f.key, 40, |b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
        }) || !f.key.as_bytes()[0].is_ascii_lowercase()
        {
            self.problem(
                at("key"),
                "must be 1 to 40 lower-case letters, digits or _, starting with a letter (company_name)",
            );
        }
        self.chinese(&at("label_zh"), &f.label_zh, LABEL_ZH);
        self.english(&at("label_en"), &f.label_en, LABEL_EN);
        self.optional_text(&at("help_zh"), &f.help_zh, SHORT_TEXT);
        self.optional_text(&at("help_en"), &f.help_en, SHORT_TEXT);
        let text = f.field_type.is_text();
        let number = f.field_type == FieldType::Number;
        let choice = f.field_type == FieldType::Choice;
        for (name, set) in [("min_length", f.min_length), ("max_length", f.max_length)] {
            if set.is_some() && !text {
                self.problem(at(name), "applies to text and chinese_text fields only");
            }
        }
        if let (Some(min), Some(max)) = (f.min_length, f.max_length) {
            if min > max {
                self.problem(
                    at("min_length"),
                    format!("min_length {min} > max_length {max}"),
                );
            }
        }
        if let Some(max) = f.max_length {
            if max == 0 || max as usize > MAX_VALUE_CHARS {
                self.problem(
                    at("max_length"),
                    format!("{max}; must be 1 to {MAX_VALUE_CHARS}"),
                );
            }
        }
        for (name, set) in [("min_value", f.min_value), ("max_value", f.max_value)] {
            if set.is_some() && !number {
                self.problem(at(name), "applies to number fields only");
            }
            if set.is_some_and(|v| !v.is_finite()) {
                self.problem(at(name), "must be a finite number");
            }
        }
        if let (Some(min), Some(max)) = (f.min_value, f.max_value) {
            if min > max {
                self.problem(
                    at("min_value"),
                    format!("min_value {min} > max_value {max}"),
                );
            }
        }
        if !f.choices.is_empty() && !choice {
            self.problem(at("choices"), "applies to choice fields only");
        }
        if choice && f.choices.len() < 2 {
            self.problem(at("choices"), "a choice field needs at least two choices");
        }
        let mut values = HashSet::new();
        for (i, c) in f.choices.iter().enumerate() {
            let at = |name: &str| format!("{}[{i}].{name}", at("choices"));
            if !is_key(&c.value, 40, |b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
            }) {
                self.problem(
                    at("value"),
                    "must be 1 to 40 lower-case letters, digits or _",
                );
            }
            if !c.value.is_empty() && !values.insert(c.value.as_str()) {
                self.problem(at("value"), format!("duplicate choice {:?}", c.value));
            }
            self.chinese(&at("label_zh"), &c.label_zh, LABEL_ZH);
            self.english(&at("label_en"), &c.label_en, LABEL_EN);
        }
    }
}

#[cfg(test)]
mod tests;

/// 1 to `max` ASCII bytes, each allowed by `ok`.
fn is_key(text: &str, max: usize, ok: impl Fn(u8) -> bool) -> bool {
    (1..=max).contains(&text.len()) && text.bytes().all(ok)
}
