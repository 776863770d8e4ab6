//! One test per rule: a valid service, broken in one place, gives exactly the problem that names that place.

use super::super::*;
use super::CatalogProblem;

fn t(text: &str) -> ClockTime {
    ClockTime::parse(text).unwrap()
}

fn range(a: &str, b: &str) -> TimeRange {
    TimeRange {
        start: t(a),
        end: t(b),
    }
}

fn field(key: &str, field_type: FieldType) -> FormField {
    FormField {
        key: key.into(),
        label_zh: "拟设立企业名称".into(),
        label_en: "Proposed company name".into(),
        field_type,
        required: true,
        min_length: None,
        max_length: None,
        min_value: None,
        max_value: None,
        choices: Vec::new(),
        help_zh: String::new(),
        help_en: String::new(),
    }
}

fn material(name: &str, core: bool) -> Material {
    Material {
        name: name.into(),
        name_en: "Articles of association".into(),
        originals: 1,
        copies: 0,
        form: MaterialForm::Paper,
        core,
        deferrable: false,
        defer_days: None,
        source: MaterialSource::Applicant,
        blank_form: None,
        sample_form: None,
        note: String::new(),
    }
}

/// A service that breaks no rule.
fn service(id: &str) -> Service {
    Service {
        id: id.into(),
        code: format!("11420113MB1928361X40001170010{}", &id[id.len() - 2..]),
        name_zh: format!("企业设立登记{id}"),
        name_en: "Company incorporation registration".into(),
        item_type: ItemType::AdministrativeLicense,
        category: "economy".into(),
        handling: Handling::Promised,
        department: "汉南区行政审批局".into(),
        department_en: "Hannan District Administrative Approval Bureau".into(),
        legal_basis: vec!["《中华人民共和国市场主体登记管理条例》第三条".into()],
        conditions: vec!["申请人具有完全民事行为能力".into()],
        steps: vec!["申请".into(), "受理".into(), "审查".into(), "决定".into()],
        legal_limit_days: 3,
        promised_limit_days: 1,
        materials: vec![
            material("公司章程", true),
            Material {
                deferrable: true,
                defer_days: Some(5),
                ..material("住所使用相关文件", false)
            },
        ],
        fee: Fee {
            charged: false,
            standard: "不收费".into(),
            basis: String::new(),
        },
        location: "汉南区政务服务中心一楼A区".into(),
        hours_text: "工作日 9:00-12:00, 13:30-17:00".into(),
        phone: "027-84890101".into(),
        supervision_phone: "12345".into(),
        visits: 1,
        online: true,
        online_url: Some("https://zwfw.hubei.gov.cn/".into()),
        postable: true,
        bookable: true,
        opening_hours: WeeklyHours::weekdays(&[range("09:00", "12:00"), range("13:30", "17:00")]),
        slot_minutes: Some(30),
        slot_capacity: Some(4),
        faq: vec![Faq {
            question: "可以容缺吗?".into(),
            answer: "住所文件可在5个工作日内补交。".into(),
        }],
        keywords: vec!["营业执照".into(), "开公司".into()],
        kiosk_submittable: true,
        form: vec![field("company_name", FieldType::ChineseText)],
    }
}

/// The problems of a one-service catalog after `change`, as (field, reason).
fn problems_after(change: impl FnOnce(&mut Service)) -> Vec<(String, String)> {
    let mut s = service("ECO-01");
    change(&mut s);
    match Catalog::validate(&[s]) {
        Ok(()) => Vec::new(),
        Err(problems) => problems.into_iter().map(|p| (p.field, p.reason)).collect(),
    }
}

/// Exactly one problem, at `field`, whose reason contains `words`.
#[track_caller]
fn assert_one(problems: Vec<(String, String)>, field: &str, words: &str) {
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].0, field, "{problems:#?}");
    assert!(problems[0].1.contains(words), "{problems:#?}");
}

#[test]
fn the_sample_service_is_valid() {
    assert_eq!(problems_after(|_| {}), Vec::<(String, String)>::new());
}

#[test]
fn a_problem_names_the_service_by_position_id_name_and_code() {
    let mut bad = service("ECO-02");
    bad.category = "shop".into();
    let problems = Catalog::validate(&[service("ECO-01"), bad]).unwrap_err();
    let text = problems[0].to_string();
    assert_eq!(
        text,
        "services[1] ECO-02 企业设立登记ECO-02 (实施编码 11420113MB1928361X4000117001002): category: \
         unknown window category \"shop\"; expected one of economy, social, construction, land, police, \
         realestate, tax, assist"
    );
}

#[test]
fn an_empty_catalog_is_refused() {
    let problems = Catalog::validate(&[]).unwrap_err();
    assert_eq!(
        problems,
        [CatalogProblem {
            service: None,
            field: String::new(),
            reason: "the catalog lists no services".into()
        }]
    );
}

#[test]
fn ids_codes_and_names_are_unique() {
    let a = service("ECO-01");
    let mut b = service("ECO-02");
    b.id = a.id.clone();
    b.code = a.code.clone();
    b.name_zh = a.name_zh.clone();
    let problems = Catalog::validate(&[a, b]).unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["id", "code", "name_zh"]);
    assert!(problems
        .iter()
        .all(|p| p.service.as_ref().unwrap().index == 1));
}

#[test]
fn ids_and_codes_have_their_shapes() {
    assert_one(
        problems_after(|s| s.id = "eco 01".into()),
        "id",
        "upper-case",
    );
    assert_one(
        problems_after(|s| s.id = "01-ECO".into()),
        "id",
        "starting with a letter",
    );
    assert_one(
        problems_after(|s| s.code = "1142-0113".into()),
        "code",
        "20 to 40",
    );
}

#[test]
fn an_unknown_window_category_is_refused() {
    assert_one(
        problems_after(|s| s.category = "Economy".into()),
        "category",
        "unknown window category",
    );
}

#[test]
fn empty_names_are_refused() {
    assert_one(
        problems_after(|s| s.name_zh = " ".into()),
        "name_zh",
        "is empty",
    );
    assert_one(
        problems_after(|s| s.name_en = String::new()),
        "name_en",
        "is empty",
    );
    assert_one(
        problems_after(|s| s.materials[0].name_en = String::new()),
        "materials[0].name_en",
        "is empty",
    );
}

#[test]
fn english_fields_hold_no_chinese_and_chinese_fields_hold_chinese() {
    assert_one(
        problems_after(|s| s.department_en = "汉南区行政审批局".into()),
        "department_en",
        "contains Chinese",
    );
    assert_one(
        problems_after(|s| s.name_zh = "Company registration".into()),
        "name_zh",
        "no Chinese",
    );
}

#[test]
fn control_characters_and_stray_spaces_are_refused() {
    assert_one(
        problems_after(|s| s.steps[1] = "受理\n审查".into()),
        "steps[1]",
        "control character",
    );
    assert_one(
        problems_after(|s| s.faq[0].answer = "可以\u{0}补交".into()),
        "faq[0].answer",
        "control character",
    );
    // A trailing tab is both a control character and a stray space: two problems, same place.
    let problems = problems_after(|s| s.location = "一楼A区\t".into());
    assert!(problems.iter().all(|p| p.0 == "location") && problems.len() == 2);
    assert_one(
        problems_after(|s| s.location = " 一楼A区".into()),
        "location",
        "spaces at the start",
    );
}

#[test]
fn absurd_lengths_are_refused() {
    assert_one(
        problems_after(|s| s.name_zh = "登".repeat(81)),
        "name_zh",
        "81 characters long; at most 80",
    );
    assert_one(
        problems_after(|s| s.steps = vec!["办理".into(); 31]),
        "steps",
        "at most 30",
    );
    assert_one(
        problems_after(|s| s.keywords[0] = "营业执照营业执照营业执照营".into()),
        "keywords[0]",
        "at most 12",
    );
}

#[test]
fn legal_basis_conditions_and_steps_are_required() {
    assert_one(
        problems_after(|s| s.legal_basis.clear()),
        "legal_basis",
        "at least 1",
    );
    assert_one(
        problems_after(|s| s.conditions.clear()),
        "conditions",
        "at least 1",
    );
}

#[test]
fn the_promised_limit_is_not_above_the_legal_limit() {
    assert_one(
        problems_after(|s| s.promised_limit_days = 5),
        "promised_limit_days",
        "above the legal limit",
    );
    assert_one(
        problems_after(|s| {
            s.legal_limit_days = 400;
            s.promised_limit_days = 1;
        }),
        "legal_limit_days",
        "more than a working year",
    );
}

#[test]
fn instant_means_on_the_spot_and_promised_means_a_limit() {
    assert_one(
        problems_after(|s| s.handling = Handling::Instant),
        "promised_limit_days",
        "即办件",
    );
    assert_one(
        problems_after(|s| s.promised_limit_days = 0),
        "promised_limit_days",
        "承诺件",
    );
}

#[test]
fn a_core_material_marked_deferrable_is_refused() {
    assert_one(
        problems_after(|s| {
            s.materials[0].deferrable = true;
            s.materials[0].defer_days = Some(5);
        }),
        "materials[0].deferrable",
        "核心材料不可容缺",
    );
}

#[test]
fn a_deferrable_material_needs_defer_days_and_only_it_has_them() {
    assert_one(
        problems_after(|s| s.materials[1].defer_days = None),
        "materials[1].defer_days",
        "needs defer_days",
    );
    assert_one(
        problems_after(|s| s.materials[1].defer_days = Some(0)),
        "materials[1].defer_days",
        "at least 1",
    );
    assert_one(
        problems_after(|s| s.materials[1].defer_days = Some(61)),
        "materials[1].defer_days",
        "at most 60",
    );
    assert_one(
        problems_after(|s| s.materials[0].defer_days = Some(5)),
        "materials[0].defer_days",
        "not deferrable",
    );
}

#[test]
fn material_names_are_unique_and_counts_sensible() {
    assert_one(
        problems_after(|s| s.materials[1].name = "公司章程".into()),
        "materials[1].name",
        "duplicate material",
    );
    assert_one(
        problems_after(|s| s.materials[0].originals = 0),
        "materials[0].copies",
        "at least one original or one copy",
    );
    assert_eq!(
        problems_after(|s| {
            s.materials[0].originals = 0;
            s.materials[0].form = MaterialForm::Electronic;
        }),
        Vec::<(String, String)>::new(),
        "an electronic material needs no paper"
    );
    assert_one(
        problems_after(|s| s.materials[0].copies = 21),
        "materials[0].copies",
        "at most 20",
    );
}

#[test]
fn blank_forms_need_a_name_and_a_web_address() {
    assert_one(
        problems_after(|s| {
            s.materials[0].blank_form = Some(FormDocument {
                name: "公司章程范本".into(),
                url: "zwfw.hubei.gov.cn/章程 范本.doc".into(),
            })
        }),
        "materials[0].blank_form.url",
        "http(s)://",
    );
    assert_one(
        problems_after(|s| {
            s.materials[0].sample_form = Some(FormDocument {
                name: String::new(),
                url: "https://zwfw.hubei.gov.cn/sample.pdf".into(),
            })
        }),
        "materials[0].sample_form.name",
        "is empty",
    );
}

#[test]
fn a_charged_service_names_its_basis() {
    assert_one(
        problems_after(|s| {
            s.fee.charged = true;
            s.fee.standard = "每本80元".into();
        }),
        "fee.basis",
        "收费依据",
    );
    assert_one(
        problems_after(|s| s.fee.basis = "鄂价费〔2019〕1号".into()),
        "fee.basis",
        "charged is false",
    );
}

#[test]
fn phones_are_digits_and_hyphens() {
    assert_one(
        problems_after(|s| s.phone = "027 84890101".into()),
        "phone",
        "digits and hyphens",
    );
    assert_one(
        problems_after(|s| s.supervision_phone = "-12345".into()),
        "supervision_phone",
        "digits and hyphens",
    );
}

#[test]
fn online_and_its_address_go_together_and_zero_visits_means_online() {
    assert_one(
        problems_after(|s| s.online_url = None),
        "online_url",
        "网办地址",
    );
    assert_one(
        problems_after(|s| s.online = false),
        "online_url",
        "online is false",
    );
    let problems = problems_after(|s| {
        s.online = false;
        s.online_url = None;
        s.visits = 0;
    });
    assert_one(problems, "visits", "全程网办");
    assert_one(problems_after(|s| s.visits = 9), "visits", "at most 5");
}

#[test]
fn bookable_needs_opening_hours_slot_length_and_capacity() {
    let problems = problems_after(|s| {
        s.opening_hours = WeeklyHours::default();
        s.slot_minutes = None;
        s.slot_capacity = None;
    });
    let fields: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(fields, ["opening_hours", "slot_minutes", "slot_capacity"]);
    assert_one(
        problems_after(|s| s.slot_capacity = Some(0)),
        "slot_capacity",
        "must be 1 to 200",
    );
    assert_one(
        problems_after(|s| s.slot_minutes = Some(1)),
        "slot_minutes",
        "must be 5 to 240",
    );
}

#[test]
fn hours_on_a_service_that_is_not_bookable_are_refused() {
    let problems = problems_after(|s| s.bookable = false);
    let fields: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(fields, ["opening_hours", "slot_minutes", "slot_capacity"]);
    assert!(problems[0].1.contains("bookable is false"));
}

#[test]
fn inverted_opening_hours_are_refused() {
    assert_one(
        problems_after(|s| s.opening_hours.tue[1] = range("17:00", "13:30")),
        "opening_hours.tue[1]",
        "17:00–13:30 ends before it starts",
    );
    assert_one(
        problems_after(|s| s.opening_hours.fri = vec![range("09:00", "09:00")]),
        "opening_hours.fri[0]",
        "ends before it starts",
    );
}

#[test]
fn overlapping_opening_hours_are_refused_whatever_their_order() {
    assert_one(
        problems_after(|s| {
            s.opening_hours.wed = vec![range("13:30", "17:00"), range("09:00", "14:00")]
        }),
        "opening_hours.wed[0]",
        "13:30–17:00 overlaps 09:00–14:00",
    );
    // Touching ranges do not overlap.
    assert_eq!(
        problems_after(
            |s| s.opening_hours.wed = vec![range("09:00", "12:00"), range("12:00", "13:00")]
        ),
        Vec::<(String, String)>::new()
    );
}

#[test]
fn opening_hours_are_a_whole_number_of_slots() {
    assert_one(
        problems_after(|s| s.opening_hours.mon[0] = range("09:00", "11:45")),
        "opening_hours.mon[0]",
        "not a whole number of 30-minute slots",
    );
}

#[test]
fn kiosk_submittable_needs_a_form_and_a_form_needs_kiosk_submittable() {
    assert_one(problems_after(|s| s.form.clear()), "form", "needs a form");
    assert_one(
        problems_after(|s| s.kiosk_submittable = false),
        "form",
        "kiosk_submittable is false",
    );
}

#[test]
fn form_keys_are_unique_and_well_formed() {
    assert_one(
        problems_after(|s| s.form.push(field("company_name", FieldType::Text))),
        "form[1].key",
        "duplicate form key",
    );
    assert_one(
        problems_after(|s| s.form[0].key = "Company Name".into()),
        "form[0].key",
        "lower-case",
    );
}

#[test]
fn a_choice_field_needs_choices_and_only_it_has_them() {
    assert_one(
        problems_after(|s| s.form.push(field("company_type", FieldType::Choice))),
        "form[1].choices",
        "at least two choices",
    );
    let choice = |value: &str| Choice {
        value: value.into(),
        label_zh: "有限责任公司".into(),
        label_en: "Limited liability company".into(),
    };
    assert_one(
        problems_after(|s| s.form[0].choices = vec![choice("llc"), choice("sole")]),
        "form[0].choices",
        "choice fields only",
    );
    assert_one(
        problems_after(|s| {
            s.form.push(FormField {
                choices: vec![choice("llc"), choice("llc")],
                ..field("company_type", FieldType::Choice)
            })
        }),
        "form[1].choices[1].value",
        "duplicate choice",
    );
    assert_one(
        problems_after(|s| {
            s.form.push(FormField {
                choices: vec![
                    choice("llc"),
                    Choice {
                        label_en: String::new(),
                        ..choice("sole")
                    },
                ],
                ..field("company_type", FieldType::Choice)
            })
        }),
        "form[1].choices[1].label_en",
        "is empty",
    );
}

#[test]
fn min_above_max_is_refused() {
    assert_one(
        problems_after(|s| {
            s.form[0].min_length = Some(10);
            s.form[0].max_length = Some(4);
        }),
        "form[0].min_length",
        "min_length 10 > max_length 4",
    );
    assert_one(
        problems_after(|s| {
            s.form.push(FormField {
                min_value: Some(100.0),
                max_value: Some(3.0),
                ..field("registered_capital", FieldType::Number)
            })
        }),
        "form[1].min_value",
        "min_value 100 > max_value 3",
    );
}

#[test]
fn rules_apply_only_to_the_types_they_fit() {
    assert_one(
        problems_after(|s| s.form[0].min_value = Some(1.0)),
        "form[0].min_value",
        "number fields only",
    );
    assert_one(
        problems_after(|s| {
            s.form.push(FormField {
                max_length: Some(8),
                ..field("founded_on", FieldType::Date)
            })
        }),
        "form[1].max_length",
        "text and chinese_text fields only",
    );
    assert_one(
        problems_after(|s| s.form[0].max_length = Some(5000)),
        "form[0].max_length",
        "must be 1 to 500",
    );
}

#[test]
fn keywords_are_single_distinct_words() {
    assert_one(
        problems_after(|s| s.keywords.push("营业执照".into())),
        "keywords[2]",
        "duplicate keyword",
    );
    assert_one(
        problems_after(|s| s.keywords[1] = "开 公司".into()),
        "keywords[1]",
        "without spaces",
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let problems = problems_after(|s| {
        s.category = "nope".into();
        s.materials[0].deferrable = true;
        s.slot_minutes = None;
    });
    let fields: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        fields,
        [
            "category",
            "materials[0].deferrable",
            "materials[0].defer_days",
            "slot_minutes"
        ]
    );
}
