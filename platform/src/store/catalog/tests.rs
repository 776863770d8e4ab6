use super::*;
use sanban_wire::{FieldType, Handling, Weekday, WINDOW_CATEGORIES};

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
