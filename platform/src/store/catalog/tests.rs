use super::*;
use sanban_wire::{FieldType, Handling, Weekday, WINDOW_CATEGORIES};

fn fresh() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    super::super::schema::migrate(&conn).unwrap();
    conn
}

fn by_name<'a>(services: &'a [Service], name: &str) -> &'a Service {
    services
        .iter()
        .find(|s| s.name_zh == name)
        .unwrap_or_else(|| panic!("the seed has no {name}"))
}

#[test]
fn the_seed_catalog_passes_validation_and_covers_the_hall() {
    let services = seed_services().unwrap_or_else(|e| panic!("{e}"));
    assert!(services.len() >= 60, "{} services", services.len());
    for (code, ..) in WINDOW_CATEGORIES {
        let n = services.iter().filter(|s| s.category == code).count();
        assert!(n >= 5, "{code} has {n} services");
    }
    let count = |f: &dyn Fn(&Service) -> bool| services.iter().filter(|s| f(s)).count();
    assert!(count(&|s| s.kiosk_submittable) >= 5);
    assert!(count(&|s| s.bookable) >= 5);
    assert!(count(&|s| s.handling == Handling::Instant) >= 5);
    assert!(count(&|s| s.visits == 0) >= 5, "全程网办");
    assert!(count(&|s| s.postable) >= 5);
    assert!(count(&|s| s.fee.charged) >= 3);
    assert!(count(&|s| s.accepts_deferral()) >= 3, "容缺受理");
    // Different services open for appointments at different times.
    let mut hours: Vec<String> = services
        .iter()
        .filter(|s| s.bookable)
        .map(|s| serde_json::to_string(&(&s.opening_hours, s.slot_minutes)).unwrap())
        .collect();
    hours.sort();
    hours.dedup();
    assert!(hours.len() >= 4, "{hours:?}");
    for s in &services {
        assert!(!s.materials.is_empty(), "{}: materials", s.id);
        assert!(
            s.legal_basis.iter().all(|l| l.contains('《')),
            "{}: a legal basis names a law",
            s.id
        );
        assert!(s.phone.starts_with("027-8489"), "{}: hall phone", s.id);
        assert!(!s.keywords.is_empty(), "{}: keywords", s.id);
    }
}

#[test]
fn the_scenarios_services_are_there_as_the_scenarios_use_them() {
    let services = seed_services().unwrap();
    let insurance = by_name(&services, "城乡居民基本医疗保险参保登记");
    assert_eq!(insurance.category, "social");
    let (slots, _) = insurance.slots_on(Weekday::Wed);
    assert!(slots.iter().any(|s| s.start.to_string() == "09:30"));

    let company = by_name(&services, "企业设立登记");
    assert_eq!(company.category, "economy");
    assert!(company.kiosk_submittable && company.bookable);
    let charter = company.material("公司章程").unwrap();
    assert!(charter.core && !charter.deferrable);
    let premises = company
        .material("住所使用相关文件(房屋租赁合同或产权证明)")
        .unwrap();
    assert!(!premises.core && premises.deferrable);
    assert_eq!(premises.defer_days, Some(5));
    let name = company.form_field("company_name").unwrap();
    assert_eq!(
        (name.label_zh.as_str(), name.field_type, name.required),
        ("拟设立企业名称", FieldType::ChineseText, true)
    );
    let types: Vec<FieldType> = company.form.iter().map(|f| f.field_type).collect();
    for t in [
        FieldType::Number,
        FieldType::Date,
        FieldType::Phone,
        FieldType::Choice,
        FieldType::YesNo,
    ] {
        assert!(types.contains(&t), "企业设立登记 has a {t:?} field");
    }
    let capital = company
        .form
        .iter()
        .find(|f| f.field_type == FieldType::Number)
        .unwrap();
    assert!(capital.min_value.is_some() && capital.max_value.is_some());
    let mobile = company
        .form
        .iter()
        .find(|f| f.field_type == FieldType::Phone)
        .unwrap();
    assert!(mobile.check_value("13800000000").is_ok());
    assert!(mobile.check_value("1380000000").is_err());
}

#[test]
fn a_fresh_database_holds_the_seed_as_version_one() {
    let conn = fresh();
    let index = current_catalog(&conn, &CatalogCache::default()).unwrap();
    assert_eq!(index.version, 1);
    assert_eq!(index.services, seed_services().unwrap());
    assert_eq!(
        index.service("SOC-01").unwrap().name_zh,
        "城乡居民基本医疗保险参保登记"
    );
}

#[test]
fn importing_the_same_services_again_stores_nothing() {
    let conn = fresh();
    let seed = seed_services().unwrap();
    assert_eq!(
        import_catalog(&conn, &seed).unwrap(),
        Imported::Unchanged { version: 1 }
    );
    let mut changed = seed.clone();
    changed[0].phone = "027-84890199".into();
    assert_eq!(
        import_catalog(&conn, &changed).unwrap(),
        Imported::Published { version: 2 }
    );
    assert_eq!(
        import_catalog(&conn, &changed).unwrap(),
        Imported::Unchanged { version: 2 }
    );
    // Going back to an older catalog is a change too.
    assert_eq!(
        import_catalog(&conn, &seed).unwrap(),
        Imported::Published { version: 3 }
    );
    let (version, file) = export_catalog(&conn).unwrap();
    assert_eq!((version, file.services), (3, seed));
}

#[test]
fn an_invalid_catalog_is_never_stored() {
    let conn = fresh();
    let mut services = seed_services().unwrap();
    services[0].category = "shop".into();
    let err = import_catalog(&conn, &services).unwrap_err().to_string();
    assert!(
        err.contains("services[0]") && err.contains("category"),
        "{err}"
    );
    let versions: u64 = conn
        .query_row("SELECT COUNT(*) FROM catalog", [], |r| r.get(0))
        .unwrap();
    assert_eq!(versions, 1);
}

#[test]
fn an_unreadable_newest_version_is_replaced_by_the_seed_on_upgrade() {
    let conn = fresh();
    // A catalog stored by an older program, in the format before the national fields.
    conn.execute(
        "INSERT INTO catalog (version, published_at, services) VALUES (2, '2026-01-01T00:00:00Z', ?1)",
        [r#"[{"code":"ECO-01","name_zh":"企业设立登记","time_limit_days":1}]"#],
    )
    .unwrap();
    let err = current_catalog(&conn, &CatalogCache::default()).unwrap_err();
    assert!(
        err.to_string().contains("catalog version 2 is unreadable"),
        "{err}"
    );
    replace_unreadable_newest(&conn).unwrap();
    let index = current_catalog(&conn, &CatalogCache::default()).unwrap();
    assert_eq!(
        (index.version, index.services.len()),
        (3, seed_services().unwrap().len())
    );
    // Run again, nothing more happens.
    replace_unreadable_newest(&conn).unwrap();
    assert_eq!(
        current_catalog(&conn, &CatalogCache::default())
            .unwrap()
            .version,
        3
    );
}
