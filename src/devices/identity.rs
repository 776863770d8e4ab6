//! What a card read hands the app: the citizen's identity for one session. It holds the full record (without the
//! photo) for the flows that must submit it, a masked view for the screen and paper, and `citizen_ref`, a keyed
//! hash of the ID number used to match appointments, applications and pickups without storing or sending the
//! number itself. The clear fields are overwritten when it is dropped (the hardware crate's `Personal` and
//! `IdNumber` zeroize themselves), and `Debug` shows only masked data.

use std::fmt;

use hmac::{Hmac, Mac};
use sanban_hardware::idcard::{CardKind, CardRecord, Date};
use sha2::Sha256;
use zeroize::Zeroizing;

/// The key of `citizen_ref`, issued by the platform so that every kiosk of the hall computes the same reference
/// for the same citizen. Kept in memory zeroized on drop.
#[derive(Clone)]
pub struct CitizenKey(Zeroizing<[u8; 32]>);

impl CitizenKey {
    pub fn new(bytes: [u8; 32]) -> CitizenKey {
        CitizenKey(Zeroizing::new(bytes))
    }

    /// From the hex text the platform sends and the kiosk keeps.
    pub fn from_hex(text: &str) -> Option<CitizenKey> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes).ok()?;
        Some(CitizenKey::new(bytes))
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(*self.0))
    }

    /// HMAC-SHA256 of the card number (upper-cased, so `x` and `X` agree), hex.
    pub fn citizen_ref(&self, id_number: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&*self.0).expect("HMAC takes a key of any length");
        mac.update(id_number.trim().to_ascii_uppercase().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl fmt::Debug for CitizenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CitizenKey(<hidden>)")
    }
}

/// The citizen at the kiosk, for one session.
pub struct CitizenIdentity {
    record: CardRecord,
    /// Keyed hash of the card number: safe to store and send.
    pub citizen_ref: String,
    /// Age in whole years today (hall time).
    pub age: u32,
    pub expired: bool,
}

impl CitizenIdentity {
    /// The identity of a freshly read card. The record's photo is not part of the card text, so it is not here.
    pub fn new(record: CardRecord, today: Date, key: &CitizenKey) -> CitizenIdentity {
        CitizenIdentity {
            citizen_ref: key.citizen_ref(record.id_number()),
            age: record.age_on(today),
            expired: record.is_expired_on(today),
            record,
        }
    }

    /// `张*`, `欧阳**`.
    pub fn masked_name(&self) -> String {
        self.record.masked_name()
    }

    /// `4201**********1234`.
    pub fn masked_id(&self) -> String {
        self.record.masked_id()
    }

    pub fn kind(&self) -> CardKind {
        self.record.kind()
    }

    /// The full card record, for the flows that must submit it (an application pre-filled from the card). Never
    /// log it; show it only where the citizen must confirm it.
    pub fn full(&self) -> &CardRecord {
        &self.record
    }
}

impl fmt::Debug for CitizenIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CitizenIdentity")
            .field("name", &self.masked_name())
            .field("id", &self.masked_id())
            .field("age", &self.age)
            .field("expired", &self.expired)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sanban_hardware::idcard::SimCard;

    #[test]
    fn the_same_number_gives_the_same_ref_under_one_key_and_another_under_another() {
        let k1 = CitizenKey::new([7; 32]);
        let k2 = CitizenKey::new([8; 32]);
        let a = k1.citizen_ref("42010219600101123X");
        assert_eq!(a, k1.citizen_ref("42010219600101123x"), "case of X ignored");
        assert_ne!(a, k2.citizen_ref("42010219600101123X"));
        assert_eq!(a.len(), 64);
        assert!(!a.contains("4201"), "the number does not show through");
        let back = CitizenKey::from_hex(&k1.to_hex()).unwrap();
        assert_eq!(back.citizen_ref("1"), k1.citizen_ref("1"));
    }

    #[test]
    fn debug_shows_only_masked_data() {
        let record = SimCard::resident().record.clone();
        let number = record.id_number().to_string();
        let name = record.name().to_string();
        let id = CitizenIdentity::new(
            record,
            Date::new(2026, 11, 30).unwrap(),
            &CitizenKey::new([1; 32]),
        );
        let shown = format!("{id:?}");
        assert!(
            !shown.contains(&number) && !shown.contains(&name),
            "{shown}"
        );
        assert!(shown.contains('*'));
    }
}
