//! Sealing: XChaCha20-Poly1305 with a random 24-byte nonce per value (random nonces are safe at that size), and
//! associated data that binds a sealed value to its place (e.g. the outbox event's id), so a value copied to
//! another row does not open there.
//!
//! Layout: `[version = 1][nonce: 24 bytes][ciphertext + 16-byte tag]`.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use super::DataKey;

const VERSION: u8 = 1;
const NONCE: usize = 24;
/// What sealing adds to a value: version, nonce, tag.
pub const OVERHEAD: usize = 1 + NONCE + 16;

/// Why a sealed value did not open. Never holds the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("sealed personal data is truncated or of an unknown version")]
    Malformed,
    /// The key is not the one it was sealed with (data.key replaced?), or the value was altered or moved.
    #[error("sealed personal data does not open with this kiosk's data key (key replaced, or data altered)")]
    Rejected,
}

/// Seal `plain` under `key`, bound to `context`.
pub fn seal(key: &DataKey, context: &[u8], plain: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let nonce: [u8; NONCE] = rand::random();
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: context,
            },
        )
        .expect("XChaCha20-Poly1305 seals any length a kiosk stores");
    let mut out = Vec::with_capacity(OVERHEAD + plain.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// Open what [`seal`] made with the same key and context. The clear bytes are zeroized when dropped.
pub fn open(key: &DataKey, context: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
    if sealed.len() < OVERHEAD || sealed[0] != VERSION {
        return Err(SealError::Malformed);
    }
    let (nonce, body) = sealed[1..].split_at(NONCE);
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: context,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| SealError::Rejected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_with_its_key_and_context_only() {
        let key = DataKey::from_bytes([3; 32]);
        let plain = "张三 420111199003071234".as_bytes();
        let sealed = seal(&key, b"outbox:1", plain);
        assert_eq!(sealed.len(), plain.len() + OVERHEAD);
        assert!(
            !sealed.windows(4).any(|w| w == b"4201"),
            "nothing of the value shows"
        );
        assert_eq!(open(&key, b"outbox:1", &sealed).unwrap().as_slice(), plain);
        assert_eq!(
            open(&DataKey::from_bytes([4; 32]), b"outbox:1", &sealed),
            Err(SealError::Rejected),
            "another key"
        );
        assert_eq!(
            open(&key, b"outbox:2", &sealed),
            Err(SealError::Rejected),
            "moved to another row"
        );
        let mut altered = sealed.clone();
        altered[30] ^= 1;
        assert_eq!(open(&key, b"outbox:1", &altered), Err(SealError::Rejected));
        assert_eq!(
            open(&key, b"outbox:1", &sealed[..10]),
            Err(SealError::Malformed)
        );
        assert_ne!(
            seal(&key, b"outbox:1", plain),
            sealed,
            "a fresh nonce every time"
        );
    }
}
