//! The catalog file an operator imports and exports (`{"services": [...]}`, the seed's format), parsed so that a
//! mistake names the service and the field rather than a line and column.

use serde::{Deserialize, Serialize};

use super::validate::{CatalogProblem, ServiceRef};
use super::{Catalog, Service};

/// The import/export file: the services of one catalog version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    pub services: Vec<Service>,
}

/// Parses and validates a catalog file. Each service is read on its own, so every broken service is reported (with
/// the field path serde stopped at), not just the first, and the services that parse are checked with
/// [`Catalog::validate`]. Problems come in file order.
pub fn parse_catalog_file(text: &str) -> Result<Vec<Service>, Vec<CatalogProblem>> {
    let whole = |reason: String| {
        vec![CatalogProblem {
            service: None,
            field: String::new(),
            reason,
        }]
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        whole(format!(
            "not valid JSON: {} (line {}, column {})",
            without_position(&e),
            e.line(),
            e.column()
        ))
    })?;
    let serde_json::Value::Object(mut top) = value else {
        return Err(whole(
            "the file must be a JSON object {\"services\": [...]}".into(),
        ));
    };
    if let Some(extra) = top.keys().find(|k| *k != "services") {
        return Err(whole(format!(
            "unknown top-level field {extra:?}; the file holds only \"services\""
        )));
    }
    let Some(serde_json::Value::Array(items)) = top.remove("services") else {
        return Err(whole("\"services\" must be a list of services".into()));
    };
    let mut services = Vec::with_capacity(items.len());
    // Position in the file of each parsed service, so rule problems name the right `services[i]`.
    let mut positions = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let name = |key: &str| {
            item.get(key)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let service = ServiceRef {
            index,
            id: name("id"),
            code: name("code"),
            name_zh: name("name_zh"),
        };
        match serde_path_to_error::deserialize::<_, Service>(&item) {
            Ok(s) => {
                services.push(s);
                positions.push(index);
            }
            Err(e) => {
                let path = e.path().to_string();
                problems.push(CatalogProblem {
                    service: Some(service),
                    // serde_path_to_error writes "." for the service itself.
                    field: if path == "." { String::new() } else { path },
                    reason: e.into_inner().to_string(),
                });
            }
        }
    }
    // The services that parsed are checked too, so one run lists everything to fix.
    if problems.is_empty() || !services.is_empty() {
        if let Err(found) = Catalog::validate(&services) {
            problems.extend(found.into_iter().map(|mut p| {
                if let Some(s) = p.service.as_mut() {
                    s.index = positions[s.index];
                }
                p
            }));
        }
    }
    if problems.is_empty() {
        Ok(services)
    } else {
        problems.sort_by_key(|p| p.service.as_ref().map(|s| s.index));
        Err(problems)
    }
}

fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal valid service as JSON, to break in one place.
    fn service_json(id: &str, name: &str) -> serde_json::Value {
        serde_json::json!({
            "id": id, "code": format!("11420113MB1928361X400011700100{}", &id[id.len() - 1..]),
            "name_zh": name, "name_en": "Residents' medical insurance enrolment",
            "item_type": "public_service", "category": "social", "handling": "instant",
            "department": "汉南区医疗保障局", "department_en": "Hannan District Healthcare Security Bureau",
            "legal_basis": ["《中华人民共和国社会保险法》第二十五条"],
            "conditions": ["本区户籍或持有本区居住证的城乡居民"],
            "steps": ["读卡", "办结"],
            "legal_limit_days": 0, "promised_limit_days": 0,
            "materials": [{"name": "居民身份证", "name_en": "Resident identity card", "originals": 1,
                           "copies": 0, "form": "paper", "core": true, "source": "government"}],
            "fee": {"charged": false, "standard": "不收费"},
            "location": "汉南区政务服务中心二楼B区", "hours_text": "工作日 9:00-12:00",
            "phone": "027-84890202", "supervision_phone": "12345",
            "visits": 1, "online": false, "postable": false, "bookable": false,
            "kiosk_submittable": false
        })
    }

    fn file(services: Vec<serde_json::Value>) -> String {
        serde_json::json!({ "services": services }).to_string()
    }

    #[test]
    fn a_valid_file_parses_and_round_trips() {
        let text = file(vec![service_json("SOC-01", "城乡居民基本医疗保险参保登记")]);
        let services = parse_catalog_file(&text).unwrap();
        assert_eq!(
            services[0].materials[0].source,
            super::super::MaterialSource::Government
        );
        let again = serde_json::to_string(&CatalogFile {
            services: services.clone(),
        })
        .unwrap();
        assert_eq!(parse_catalog_file(&again).unwrap(), services);
    }

    #[test]
    fn a_wrong_value_names_the_service_and_the_field_path() {
        let mut broken = service_json("SOC-02", "城乡居民基本养老保险参保登记");
        broken["materials"][0]["form"] = "photocopy".into();
        let mut missing = service_json("SOC-03", "最低生活保障申请");
        missing.as_object_mut().unwrap().remove("phone");
        let text = file(vec![
            service_json("SOC-01", "城乡居民基本医疗保险参保登记"),
            broken,
            missing,
        ]);
        let problems = parse_catalog_file(&text).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].field, "materials[0].form");
        let first = problems[0].to_string();
        assert!(
            first.starts_with("services[1] SOC-02 城乡居民基本养老保险参保登记 (实施编码 "),
            "{first}"
        );
        assert!(first.contains("unknown variant `photocopy`"), "{first}");
        assert_eq!(problems[1].service.as_ref().unwrap().id, "SOC-03");
        assert!(
            problems[1].reason.contains("missing field `phone`"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_misspelt_field_is_refused_not_ignored() {
        let mut typo = service_json("SOC-01", "城乡居民基本医疗保险参保登记");
        typo["materials"][0]["defer_day"] = 5.into();
        let problems = parse_catalog_file(&file(vec![typo])).unwrap_err();
        assert_eq!(problems[0].field, "materials[0].defer_day");
        assert!(
            problems[0].reason.contains("unknown field `defer_day`"),
            "{problems:?}"
        );
    }

    #[test]
    fn type_and_rule_problems_are_listed_together_in_file_order() {
        let mut wrong_type = service_json("SOC-01", "城乡居民基本医疗保险参保登记");
        wrong_type["visits"] = "once".into();
        let mut broken_rule = service_json("SOC-02", "城乡居民基本养老保险参保登记");
        broken_rule["category"] = "welfare".into();
        let text = file(vec![broken_rule, wrong_type]);
        let problems = parse_catalog_file(&text).unwrap_err();
        let found: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.service.as_ref().unwrap().index, p.field.as_str()))
            .collect();
        assert_eq!(found, [(0, "category"), (1, "visits")]);
    }

    #[test]
    fn a_broken_file_says_where() {
        let problems = parse_catalog_file("{\"services\": [").unwrap_err();
        assert!(
            problems[0].reason.starts_with("not valid JSON"),
            "{problems:?}"
        );
        assert!(problems[0].reason.contains("line 1"), "{problems:?}");
        for (text, words) in [
            ("[]", "JSON object"),
            (r#"{"services": {}}"#, "must be a list"),
            (
                r#"{"services": [], "version": 3}"#,
                "unknown top-level field \"version\"",
            ),
            (r#"{"services": []}"#, "no services"),
        ] {
            let problems = parse_catalog_file(text).unwrap_err();
            assert!(problems[0].reason.contains(words), "{text}: {problems:?}");
            assert!(problems[0].service.is_none());
        }
    }
}
