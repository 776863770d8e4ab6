//! Secret tokens (kiosk credentials, operator session cookies): made fresh from 256 random bits, stored only as
//! their SHA-256, and compared in constant time.

use sha2::{Digest, Sha256};

/// A fresh credential: 256 random bits, hex.
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time equality (for equal lengths; lengths of hex SHA-256 are public anyway).
pub fn ct_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_and_hash_compare() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(ct_eq(&hash_token(&a), &hash_token(&a)));
        assert!(!ct_eq(&hash_token(&a), &hash_token(&b)));
        assert!(!ct_eq("ab", "abc"));
    }
}
