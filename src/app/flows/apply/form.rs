//! The service's form on the kiosk: what a field shows, what its keys do to the draft, and its errors in plain words
//! (the catalog's `FormField::check_value` decides, this module says why in the citizen's language).

use sanban_wire::{FieldType, FormField};

use crate::lang::Lang;

/// The kind name the pages switch on.
pub fn kind(field: &FormField) -> &'static str {
    match field.field_type {
        FieldType::Text => "text",
        FieldType::ChineseText => "chinese_text",
        FieldType::Number => "number",
        FieldType::Date => "date",
        FieldType::Phone => "phone",
        FieldType::Choice => "choice",
        FieldType::YesNo => "yes_no",
    }
}

/// The choices of a choice or yes/no field: (value, label).
pub fn choices(field: &FormField, lang: Lang) -> Vec<(String, String)> {
    match field.field_type {
        FieldType::Choice => field
            .choices
            .iter()
            .map(|c| {
                (
                    c.value.clone(),
                    lang.pick(&c.label_zh, &c.label_en).to_string(),
                )
            })
            .collect(),
        FieldType::YesNo => vec![
            ("yes".into(), lang.pick("是", "Yes").into()),
            ("no".into(), lang.pick("否", "No").into()),
        ],
        _ => Vec::new(),
    }
}

/// A stored value as the form shows it (a choice's label, 是/否).
pub fn shown(field: &FormField, value: &str, lang: Lang) -> String {
    match field.field_type {
        FieldType::Choice | FieldType::YesNo => choices(field, lang)
            .into_iter()
            .find(|(v, _)| v == value)
            .map(|(_, label)| label)
            .unwrap_or_default(),
        _ => value.to_string(),
    }
}

/// The most characters a draft of this field takes from the keys.
fn max_draft(field: &FormField) -> usize {
    match field.field_type {
        FieldType::Phone => 13,
        FieldType::Date => 8,
        FieldType::Number => 12,
        _ => field.max_length.map(|m| m as usize).unwrap_or(50),
    }
}

/// A key of the Latin keyboard or the keypad, applied to the draft.
pub fn type_key(field: &FormField, draft: &mut String, key: &str) {
    if draft.chars().count() >= max_draft(field) {
        return;
    }
    let ok = match field.field_type {
        FieldType::Phone | FieldType::Date => key.chars().all(|c| c.is_ascii_digit()),
        FieldType::Number => key.chars().all(|c| c.is_ascii_digit() || c == '.'),
        _ => true,
    };
    if ok && !(key == "." && draft.contains('.')) {
        draft.push_str(key);
    }
}

/// The value a draft stands for: dates are typed as 8 digits and stored `YYYY-MM-DD`.
pub fn value_of(field: &FormField, draft: &str) -> String {
    let draft = draft.trim();
    if field.field_type == FieldType::Date
        && draft.len() == 8
        && draft.bytes().all(|b| b.is_ascii_digit())
    {
        return format!("{}-{}-{}", &draft[..4], &draft[4..6], &draft[6..]);
    }
    draft.to_string()
}

/// What to show the citizen when `value` does not pass the field's rules (`None`: it passes).
pub fn error(field: &FormField, value: &str, lang: Lang) -> Option<String> {
    field.check_value(value).err()?;
    let chars = value.chars().count();
    let zh_en = |zh: String, en: String| Some(if lang == Lang::En { en } else { zh });
    if value.is_empty() {
        return zh_en(
            "此项必填，请填写".into(),
            "Required: please fill this in".into(),
        );
    }
    match field.field_type {
        FieldType::ChineseText if !value.chars().any(sanban_wire::is_han) => {
            zh_en("请用拼音键盘输入汉字".into(), "Please type Chinese characters with the pinyin keyboard".into())
        }
        FieldType::Text | FieldType::ChineseText => {
            if let Some(min) = field.min_length.filter(|&m| chars < m as usize) {
                zh_en(format!("太短：至少 {min} 个字"), format!("Too short: at least {min} characters"))
            } else if let Some(max) = field.max_length.filter(|&m| chars > m as usize) {
                zh_en(format!("太长：最多 {max} 个字"), format!("Too long: at most {max} characters"))
            } else {
                zh_en("含有不能使用的字符".into(), "Contains characters that cannot be used".into())
            }
        }
        FieldType::Number => {
            let range = |min: Option<f64>, max: Option<f64>| match (min, max) {
                (Some(a), Some(b)) => (format!("须在 {a} 到 {b} 之间"), format!("Must be between {a} and {b}")),
                (Some(a), None) => (format!("不能小于 {a}"), format!("Must be at least {a}")),
                (None, Some(b)) => (format!("不能大于 {b}"), format!("Must be at most {b}")),
                (None, None) => ("请输入数字".into(), "Please enter a number".into()),
            };
            match value.parse::<f64>() {
                Ok(_) => {
                    let (zh, en) = range(field.min_value, field.max_value);
                    zh_en(zh, en)
                }
                Err(_) => zh_en("请输入数字，如 100 或 12.5".into(), "Please enter a number such as 100 or 12.5".into()),
            }
        }
        FieldType::Date => zh_en(
            "请输入 8 位日期，如 20261201".into(),
            "Please enter the date as 8 digits, e.g. 20261201".into(),
        ),
        FieldType::Phone => zh_en(
            "请输入 11 位手机号码（1 开头），或带区号的固定电话".into(),
            "Please enter an 11-digit mobile number starting with 1, or a landline with its area code".into(),
        ),
        FieldType::Choice | FieldType::YesNo => zh_en("请选择一项".into(), "Please choose one".into()),
    }
}
