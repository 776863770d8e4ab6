//! The service catalog on the kiosk: the platform's versioned catalog kept in SQLite tables (services, their
//! materials, their FAQ), so the guide, appointments and applications work with the network down. A kiosk that has
//! never synced starts from the catalog built into the program (`platform/seed/catalog.json`).
//!
//! Lists of plain strings (legal basis, conditions, steps, keywords) and the structured appointment hours and form
//! schema are JSON columns of the service row: they are only ever read whole, with their service.

use rusqlite::{params, OptionalExtension, Row, Transaction, TransactionBehavior};
use sanban_wire::{
    Faq, Fee, FormDocument, Handling, ItemType, Material, MaterialForm, MaterialSource, Service,
};

use super::{Result, Store, StoreError};

/// The catalog the program ships with, used until the platform sends one.
pub const BUILT_IN: &str = include_str!("../../platform/seed/catalog.json");

/// What the search index and the lists need of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSummary {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub category: String,
    pub department: String,
    pub department_en: String,
    pub keywords: Vec<String>,
    pub instant: bool,
    pub online: bool,
    pub bookable: bool,
    pub kiosk_submittable: bool,
    /// Material names, searchable too ("营业执照" finds the services that ask for it).
    pub materials: Vec<String>,
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// The wire enums are stored by their JSON names.
fn code<T: serde::Serialize>(v: &T) -> Result<String> {
    match serde_json::to_value(v).map_err(|e| StoreError::Invalid(e.to_string()))? {
        serde_json::Value::String(s) => Ok(s),
        other => Err(StoreError::Invalid(format!("{other} is not a code"))),
    }
}

fn from_code<T: serde::de::DeserializeOwned>(text: String) -> rusqlite::Result<T> {
    from_json(&serde_json::Value::String(text).to_string())
}

impl Store {
    /// The catalog version held (0: none yet).
    pub fn catalog_version(&self) -> Result<u64> {
        Ok(self
            .meta("catalog.version")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Replace the catalog with `services` as `version`, in one transaction (a reader never sees half of it).
    pub fn apply_catalog(&mut self, version: u64, services: &[Service]) -> Result<()> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "DELETE FROM catalog_materials; DELETE FROM catalog_faq; DELETE FROM catalog_services;",
        )?;
        for (position, s) in services.iter().enumerate() {
            insert_service(&tx, position, s)?;
        }
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('catalog.version', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [version.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Install the built-in catalog when the kiosk holds none (first start, or a cache from an older program that
    /// no longer parses). Returns whether it did.
    pub fn ensure_catalog(&mut self) -> Result<bool> {
        let count: i64 =
            self.conn()
                .query_row("SELECT COUNT(*) FROM catalog_services", [], |r| r.get(0))?;
        if count > 0 {
            return Ok(false);
        }
        let services = sanban_wire::parse_catalog_file(BUILT_IN).map_err(|problems| {
            StoreError::Invalid(format!(
                "the built-in catalog is invalid: {}",
                problems.first().map(|p| p.to_string()).unwrap_or_default()
            ))
        })?;
        // Version 0: any version the platform publishes replaces it.
        self.apply_catalog(0, &services)?;
        Ok(true)
    }

    /// Every service, in catalog order, as lists and the search need them.
    pub fn catalog_summaries(&self) -> Result<Vec<ServiceSummary>> {
        let mut materials: std::collections::HashMap<String, Vec<String>> = Default::default();
        {
            let mut stmt = self.conn().prepare_cached(
                "SELECT service_id, name FROM catalog_materials ORDER BY service_id, position",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
            for row in rows {
                let (id, name) = row?;
                materials.entry(id).or_default().push(name);
            }
        }
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, name_zh, name_en, category, department, department_en, keywords, handling, online,
                    bookable, kiosk_submittable
             FROM catalog_services ORDER BY position",
        )?;
        let rows = stmt.query_map([], |r| {
            let id: String = r.get(0)?;
            Ok(ServiceSummary {
                materials: materials.remove(&id).unwrap_or_default(),
                id,
                name_zh: r.get(1)?,
                name_en: r.get(2)?,
                category: r.get(3)?,
                department: r.get(4)?,
                department_en: r.get(5)?,
                keywords: from_json(&r.get::<_, String>(6)?)?,
                instant: r.get::<_, String>(7)? == "instant",
                online: r.get(8)?,
                bookable: r.get(9)?,
                kiosk_submittable: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// One service with everything its guide shows, or `None` when the catalog no longer has it.
    pub fn catalog_service(&self, id: &str) -> Result<Option<Service>> {
        service_in(self.conn(), id)
    }
}

/// [`Store::catalog_service`] on any connection or transaction (an errand reads the service it prints inside its
/// own transaction).
pub fn service_in(conn: &rusqlite::Connection, id: &str) -> Result<Option<Service>> {
    {
        let Some(mut service) = conn
            .query_row(
                "SELECT id, code, name_zh, name_en, item_type, category, handling, department, department_en,
                        legal_basis, conditions, steps, legal_limit_days, promised_limit_days, fee_charged,
                        fee_standard, fee_basis, location, hours_text, phone, supervision_phone, visits, online,
                        online_url, postable, bookable, opening_hours, slot_minutes, slot_capacity, keywords,
                        kiosk_submittable, form
                 FROM catalog_services WHERE id = ?1",
                [id],
                service_row,
            )
            .optional()?
        else {
            return Ok(None);
        };
        let mut stmt = conn.prepare_cached(
            "SELECT name, name_en, originals, copies, form, core, may_defer, defer_days, source,
                    blank_form_name, blank_form_url, sample_form_name, sample_form_url, note
             FROM catalog_materials WHERE service_id = ?1 ORDER BY position",
        )?;
        service.materials = stmt
            .query_map([id], material_row)?
            .collect::<std::result::Result<_, _>>()?;
        let mut stmt = conn.prepare_cached(
            "SELECT question, answer FROM catalog_faq WHERE service_id = ?1 ORDER BY position",
        )?;
        service.faq = stmt
            .query_map([id], |r| {
                Ok(Faq {
                    question: r.get(0)?,
                    answer: r.get(1)?,
                })
            })?
            .collect::<std::result::Result<_, _>>()?;
        Ok(Some(service))
    }
}

fn insert_service(tx: &Transaction, position: usize, s: &Service) -> Result<()> {
    tx.execute(
        "INSERT INTO catalog_services (id, position, code, name_zh, name_en, item_type, category, handling,
            department, department_en, legal_basis, conditions, steps, legal_limit_days, promised_limit_days,
            fee_charged, fee_standard, fee_basis, location, hours_text, phone, supervision_phone, visits, online,
            online_url, postable, bookable, opening_hours, slot_minutes, slot_capacity, keywords,
            kiosk_submittable, form)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
            ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)",
        params![
            s.id,
            position as i64,
            s.code,
            s.name_zh,
            s.name_en,
            code(&s.item_type)?,
            s.category,
            code(&s.handling)?,
            s.department,
            s.department_en,
            json(&s.legal_basis)?,
            json(&s.conditions)?,
            json(&s.steps)?,
            s.legal_limit_days,
            s.promised_limit_days,
            s.fee.charged,
            s.fee.standard,
            s.fee.basis,
            s.location,
            s.hours_text,
            s.phone,
            s.supervision_phone,
            s.visits,
            s.online,
            s.online_url,
            s.postable,
            s.bookable,
            json(&s.opening_hours)?,
            s.slot_minutes,
            s.slot_capacity,
            json(&s.keywords)?,
            s.kiosk_submittable,
            json(&s.form)?,
        ],
    )?;
    let mut material = tx.prepare_cached(
        "INSERT INTO catalog_materials (service_id, position, name, name_en, originals, copies, form, core,
            may_defer, defer_days, source, blank_form_name, blank_form_url, sample_form_name, sample_form_url,
            note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?;
    for (i, m) in s.materials.iter().enumerate() {
        material.execute(params![
            s.id,
            i as i64,
            m.name,
            m.name_en,
            m.originals,
            m.copies,
            code(&m.form)?,
            m.core,
            m.deferrable,
            m.defer_days,
            code(&m.source)?,
            m.blank_form.as_ref().map(|f| &f.name),
            m.blank_form.as_ref().map(|f| &f.url),
            m.sample_form.as_ref().map(|f| &f.name),
            m.sample_form.as_ref().map(|f| &f.url),
            m.note,
        ])?;
    }
    let mut faq = tx.prepare_cached(
        "INSERT INTO catalog_faq (service_id, position, question, answer) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, f) in s.faq.iter().enumerate() {
        faq.execute(params![s.id, i as i64, f.question, f.answer])?;
    }
    Ok(())
}

fn service_row(r: &Row) -> rusqlite::Result<Service> {
    Ok(Service {
        id: r.get(0)?,
        code: r.get(1)?,
        name_zh: r.get(2)?,
        name_en: r.get(3)?,
        item_type: from_code::<ItemType>(r.get(4)?)?,
        category: r.get(5)?,
        handling: from_code::<Handling>(r.get(6)?)?,
        department: r.get(7)?,
        department_en: r.get(8)?,
        legal_basis: from_json(&r.get::<_, String>(9)?)?,
        conditions: from_json(&r.get::<_, String>(10)?)?,
        steps: from_json(&r.get::<_, String>(11)?)?,
        legal_limit_days: r.get(12)?,
        promised_limit_days: r.get(13)?,
        fee: Fee {
            charged: r.get(14)?,
            standard: r.get(15)?,
            basis: r.get(16)?,
        },
        location: r.get(17)?,
        hours_text: r.get(18)?,
        phone: r.get(19)?,
        supervision_phone: r.get(20)?,
        visits: r.get(21)?,
        online: r.get(22)?,
        online_url: r.get(23)?,
        postable: r.get(24)?,
        bookable: r.get(25)?,
        opening_hours: from_json(&r.get::<_, String>(26)?)?,
        slot_minutes: r.get(27)?,
        slot_capacity: r.get(28)?,
        faq: Vec::new(),
        keywords: from_json(&r.get::<_, String>(29)?)?,
        kiosk_submittable: r.get(30)?,
        form: from_json(&r.get::<_, String>(31)?)?,
        materials: Vec::new(),
    })
}

fn material_row(r: &Row) -> rusqlite::Result<Material> {
    let doc = |name: Option<String>, url: Option<String>| match (name, url) {
        (Some(name), Some(url)) => Some(FormDocument { name, url }),
        _ => None,
    };
    Ok(Material {
        name: r.get(0)?,
        name_en: r.get(1)?,
        originals: r.get(2)?,
        copies: r.get(3)?,
        form: from_code::<MaterialForm>(r.get(4)?)?,
        core: r.get(5)?,
        deferrable: r.get(6)?,
        defer_days: r.get(7)?,
        source: from_code::<MaterialSource>(r.get(8)?)?,
        blank_form: doc(r.get(9)?, r.get(10)?),
        sample_form: doc(r.get(11)?, r.get(12)?),
        note: r.get(13)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalog_goes_in_and_every_service_comes_back_whole() {
        let mut store = Store::open_in_memory().unwrap();
        assert!(store.ensure_catalog().unwrap());
        assert!(!store.ensure_catalog().unwrap(), "only once");
        assert_eq!(store.catalog_version().unwrap(), 0);
        let original = sanban_wire::parse_catalog_file(BUILT_IN).unwrap();
        let summaries = store.catalog_summaries().unwrap();
        assert_eq!(summaries.len(), original.len());
        for s in &original {
            let back = store.catalog_service(&s.id).unwrap().unwrap();
            assert_eq!(&back, s, "{} round-trips through the tables", s.id);
        }
        assert!(store.catalog_service("NOPE-1").unwrap().is_none());
    }

    #[test]
    fn a_new_version_replaces_the_old_one_entirely() {
        let mut store = Store::open_in_memory().unwrap();
        store.ensure_catalog().unwrap();
        let mut services = sanban_wire::parse_catalog_file(BUILT_IN).unwrap();
        services.truncate(3);
        services[0].name_zh = "测试事项".into();
        store.apply_catalog(7, &services).unwrap();
        assert_eq!(store.catalog_version().unwrap(), 7);
        let summaries = store.catalog_summaries().unwrap();
        assert_eq!(summaries.len(), 3);
        assert_eq!(summaries[0].name_zh, "测试事项");
        let stale: i64 = store
            .conn()
            .query_row(
                "SELECT COUNT(DISTINCT service_id) FROM catalog_materials",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stale, 3, "no materials of removed services remain");
    }
}
