//! A test card read, as data: every field of the record, masked unless asked otherwise. `sanban-kiosk device
//! read-id` prints it, the maintenance page's "读卡测试" shows it (always masked).

use std::time::{Duration, Instant};

use sanban_hardware::idcard::{
    CardDetails, CardKind, CardRecord, Date, IdCardError, IdCardSim, IdReader, SimCard, ValidTo,
};
use sanban_hardware::transport::{wire_time, SerialTransport};
use serde::Serialize;

use super::Port;
use crate::config::Config;

/// One field of the card: `key` names it (the CLI's and the page's labels are looked up by it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardField {
    pub key: &'static str,
    pub value: String,
}

/// Every field of one card record, in the card's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardReport {
    pub kind: &'static str,
    pub masked: bool,
    pub fields: Vec<CardField>,
}

/// Field keys in display order, with the English label the CLI prints (the page has its own, translated).
pub const FIELD_LABELS: [(&str, &str); 20] = [
    ("card_type", "card type"),
    ("name", "name"),
    ("english_name", "English name"),
    ("sex", "sex"),
    ("nation", "nation"),
    ("birth_date", "date of birth"),
    ("age", "age"),
    ("id_number", "id number"),
    ("address", "address"),
    ("issuing_authority", "issuing authority"),
    ("authority_code", "authority code"),
    ("valid_from", "valid from"),
    ("valid_to", "valid to"),
    ("expired", "expired"),
    ("nationality", "nationality"),
    ("pass_number", "pass number"),
    ("issue_count", "times issued"),
    ("renewal_count", "times renewed"),
    ("card_version", "card version"),
    ("previous_number_link", "previous number link"),
];

/// The English label of a field key.
pub fn label(key: &str) -> &'static str {
    FIELD_LABELS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .unwrap_or("?")
}

/// The card type in English and Chinese.
pub fn kind_name(kind: CardKind) -> &'static str {
    match kind {
        CardKind::Resident => "resident ID card (居民身份证)",
        CardKind::HkMacaoTaiwan => "Hong Kong/Macao/Taiwan residence permit (港澳台居民居住证)",
        CardKind::PermanentResident2017 => {
            "foreign permanent resident ID, 2017 (外国人永久居留身份证)"
        }
        CardKind::PermanentResident2023 => {
            "foreign permanent resident ID, 2023 (外国人永久居留身份证)"
        }
    }
}

fn kind_key(kind: CardKind) -> &'static str {
    match kind {
        CardKind::Resident => "resident",
        CardKind::HkMacaoTaiwan => "hk_macao_taiwan",
        CardKind::PermanentResident2017 => "permanent_resident_2017",
        CardKind::PermanentResident2023 => "permanent_resident_2023",
    }
}

/// Keep the first `keep` characters, star the others (length kept, spaces and punctuation kept so a technician
/// sees the shape).
fn keep_head(s: &str, keep: usize) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if i < keep || !c.is_alphanumeric() {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Keep `head` leading and `tail` trailing characters.
fn keep_ends(s: &str, head: usize, tail: usize) -> String {
    let n = s.chars().count();
    if n <= head + tail {
        return "*".repeat(n);
    }
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}

/// An English name with each word's first letter kept: `SMITH, JOHN` → `S****, J***`.
fn mask_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.push(if start { c } else { '*' });
            start = false;
        } else {
            out.push(c);
            start = true;
        }
    }
    out
}

fn date(d: Date, masked: bool) -> String {
    if masked {
        format!("{:04}-**-**", d.year())
    } else {
        d.to_string()
    }
}

impl CardReport {
    /// Every field of `record` (ages and validity counted on `today`); personal values masked when `masked`:
    /// name and number as on every receipt, the address after its first 6 characters, the English name after each
    /// word's first letter, the pass number but its ends, the birth date but its year.
    pub fn of(record: &CardRecord, today: Date, masked: bool) -> CardReport {
        let mut fields = Vec::new();
        let mut put = |key: &'static str, value: String| fields.push(CardField { key, value });
        put("card_type", kind_name(record.kind()).to_string());
        let name = record.name.expose();
        put(
            "name",
            if masked {
                record.masked_name()
            } else {
                name.to_string()
            },
        );
        if let Some(english) = record.english_name() {
            put(
                "english_name",
                if masked {
                    mask_words(english)
                } else {
                    english.to_string()
                },
            );
        }
        put("sex", record.sex.name_zh().to_string());
        if let Some(nation) = record.nation() {
            put("nation", nation.full_name());
        }
        put("birth_date", date(record.birth_date(), masked));
        put("age", record.age_on(today).to_string());
        put(
            "id_number",
            if masked {
                record.masked_id()
            } else {
                record.id_number().to_string()
            },
        );
        if let Some(address) = record.address() {
            put(
                "address",
                if masked {
                    keep_head(address, 6)
                } else {
                    address.to_string()
                },
            );
        }
        if let Some(authority) = record.issuing_authority() {
            put("issuing_authority", authority.to_string());
        }
        if let CardDetails::PermanentResident2017 { authority_code, .. } = &record.details {
            put("authority_code", authority_code.clone());
        }
        put("valid_from", record.valid_from.to_string());
        put(
            "valid_to",
            match record.valid_to {
                ValidTo::Date(d) => d.to_string(),
                ValidTo::LongTerm => "长期".to_string(),
            },
        );
        put(
            "expired",
            if record.is_expired_on(today) {
                "yes"
            } else {
                "no"
            }
            .to_string(),
        );
        if let Some(nationality) = record.nationality() {
            put("nationality", nationality.to_string());
        }
        match &record.details {
            CardDetails::HkMacaoTaiwan {
                pass_number,
                issue_count,
                ..
            } => {
                put(
                    "pass_number",
                    if masked {
                        keep_ends(pass_number.expose(), 1, 2)
                    } else {
                        pass_number.expose().to_string()
                    },
                );
                put("issue_count", issue_count.to_string());
            }
            CardDetails::PermanentResident2017 { card_version, .. } => {
                put("card_version", card_version.clone());
            }
            CardDetails::PermanentResident2023 {
                renewal_count,
                previous_number_link,
                ..
            } => {
                put("renewal_count", renewal_count.to_string());
                put(
                    "previous_number_link",
                    if masked {
                        "*".repeat(previous_number_link.expose().chars().count())
                    } else {
                        previous_number_link.expose().to_string()
                    },
                );
            }
            CardDetails::Resident { .. } => {}
        }
        CardReport {
            kind: kind_key(record.kind()),
            masked,
            fields,
        }
    }

    /// The value of field `key`, if the card has it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.value.as_str())
    }
}

/// One protocol step of a read and its time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepTime {
    pub step: String,
    pub ms: f64,
}

/// `device read-id`: the card and how the read went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadIdReport {
    pub card: CardReport,
    pub photo_bytes: usize,
    pub steps: Vec<StepTime>,
    pub bytes: usize,
    pub baud: u32,
    pub wire_ms: f64,
    pub total_ms: f64,
}

/// Wait up to `wait` for a card on `port` (`sim`: a simulator with a sample card) and read it.
pub fn read_over_port(
    config: &Config,
    port: &str,
    masked: bool,
    wait: Duration,
) -> anyhow::Result<ReadIdReport> {
    let port = if port == "sim" {
        let sim = IdCardSim::spawn()?;
        sim.place(SimCard::resident());
        Port::IdSim(sim)
    } else {
        Port::Path(port.into())
    };
    let baud = config.devices.idcard_baud;
    let transport = SerialTransport::open(&port.path(), baud)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", port.path()))?;
    let mut reader = IdReader::new(transport);
    let started = Instant::now();
    tracing::info!("waiting for a card on {} ({baud} baud)", port.path());
    let read = loop {
        match reader.read_card() {
            Ok(read) => break read,
            Err(IdCardError::NoCard) if started.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(200))
            }
            Err(e) => anyhow::bail!("{e}"),
        }
    };
    let today = crate::clock::card_today(config.time_zone()?);
    Ok(ReadIdReport {
        card: CardReport::of(&read.record, today, masked),
        photo_bytes: read.photo.len(),
        steps: read
            .timings
            .iter()
            .map(|(step, d)| StepTime {
                step: step.to_string(),
                ms: d.as_secs_f64() * 1000.0,
            })
            .collect(),
        bytes: read.bytes.total(),
        baud,
        wire_ms: wire_time(read.bytes.total(), baud).as_secs_f64() * 1000.0,
        total_ms: read.total_time().as_secs_f64() * 1000.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sanban_hardware::idcard::SimCard;

    fn today() -> Date {
        Date::new(2026, 11, 30).unwrap()
    }

    /// Every clear personal value of a record.
    fn personal(r: &CardRecord) -> Vec<String> {
        let mut v = vec![r.name.expose().to_string(), r.id_number().to_string()];
        v.extend(r.address().map(str::to_string));
        v.extend(r.english_name().map(str::to_string));
        if let CardDetails::HkMacaoTaiwan { pass_number, .. } = &r.details {
            v.push(pass_number.expose().to_string());
        }
        v.push(r.birth_date().to_yyyymmdd());
        v.push(r.birth_date().to_string());
        v.retain(|s| s.chars().count() > 1);
        v
    }

    #[test]
    fn every_card_type_shows_all_its_fields_and_none_in_clear_when_masked() {
        for card in [
            SimCard::resident(),
            SimCard::resident_long_term(),
            SimCard::hk_macao_taiwan(),
            SimCard::pr_2017(),
            SimCard::pr_2023(),
        ] {
            let r = &card.record;
            let masked = CardReport::of(r, today(), true);
            let clear = CardReport::of(r, today(), false);
            assert_eq!(
                masked.fields.iter().map(|f| f.key).collect::<Vec<_>>(),
                clear.fields.iter().map(|f| f.key).collect::<Vec<_>>(),
                "the same fields either way"
            );
            let shown = serde_json::to_string(&masked).unwrap();
            for secret in personal(r) {
                assert!(!shown.contains(&secret), "{} shows {secret}", masked.kind);
            }
            assert_eq!(clear.get("id_number"), Some(r.id_number()));
            for f in &masked.fields {
                assert_ne!(label(f.key), "?", "{} has a label", f.key);
            }
        }
    }

    #[test]
    fn the_fields_the_issue_names_are_there() {
        let resident = CardReport::of(&SimCard::resident_long_term().record, today(), true);
        assert_eq!(resident.get("valid_to"), Some("长期"));
        assert_eq!(resident.get("nation"), Some("回族"));
        assert!(resident.get("issuing_authority").is_some());
        let address = SimCard::resident_long_term().record;
        let address = address.address().unwrap();
        let masked = resident.get("address").unwrap();
        assert_eq!(masked.chars().count(), address.chars().count());
        assert!(masked.starts_with(&address.chars().take(6).collect::<String>()));
        assert!(
            masked
                .chars()
                .skip(6)
                .all(|c| c == '*' || !c.is_alphanumeric()),
            "{masked}"
        );
        assert_eq!(resident.get("birth_date"), Some("1968-**-**"));
        let permit = CardReport::of(&SimCard::hk_macao_taiwan().record, today(), true);
        assert_eq!(permit.get("pass_number"), Some("H******78"));
        assert_eq!(permit.get("issue_count"), Some("1"));
        let pr = CardReport::of(&SimCard::pr_2017().record, today(), true);
        assert_eq!(pr.get("english_name"), Some("S****, J*** T***"));
        assert_eq!(pr.get("nationality"), Some("USA"));
        assert_eq!(pr.kind, "permanent_resident_2017");
        assert!(pr.get("card_type").unwrap().contains("2017"));
    }
}
