//! Every string a citizen sees goes through translation: each `@tr("…")` in ui/ has an English entry.

use std::collections::BTreeSet;
use std::path::Path;

fn tr_strings(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            tr_strings(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut rest = text.as_str();
            while let Some(start) = rest.find("@tr(\"") {
                rest = &rest[start + 5..];
                let end = rest.find('"').expect("unterminated @tr string");
                out.insert(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
    }
}

fn po_entries(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut entries = Vec::new();
    let mut id = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("msgid \"") {
            id = Some(v.trim_end_matches('"').to_string());
        } else if let Some(v) = line.strip_prefix("msgstr \"") {
            if let Some(id) = id.take() {
                entries.push((id, v.trim_end_matches('"').to_string()));
            }
        }
    }
    entries
}

#[test]
fn every_ui_string_has_an_english_translation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut strings = BTreeSet::new();
    tr_strings(&root.join("ui"), &mut strings);
    assert!(
        strings.len() > 30,
        "found only {} @tr strings",
        strings.len()
    );
    let entries = po_entries(&root.join("ui/translations/en/LC_MESSAGES/sanban-kiosk.po"));
    let missing: Vec<_> = strings
        .iter()
        .filter(|s| !entries.iter().any(|(id, tr)| id == *s && !tr.is_empty()))
        .collect();
    assert!(
        missing.is_empty(),
        "no English translation for: {missing:#?}"
    );
    // Placeholders must survive translation.
    for (id, tr) in &entries {
        assert_eq!(
            id.matches("{}").count(),
            tr.matches("{}").count(),
            "placeholders differ in {id:?}"
        );
    }
}
