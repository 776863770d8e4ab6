//! Technician PINs: never stored in clear, only as Argon2id hashes with the OWASP Password Storage Cheat Sheet's
//! parameters (m = 19 MiB, t = 2, p = 1), each with its own random salt, in the PHC string format.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP's minimum memory for Argon2id with t = 2, p = 1 (KiB).
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// Digits a PIN may have.
pub const MIN_DIGITS: usize = 6;
pub const MAX_DIGITS: usize = 12;

/// Why a PIN or a hash is not acceptable. Messages never contain the PIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("a PIN is {MIN_DIGITS} to {MAX_DIGITS} digits")]
    Shape,
    #[error("this PIN is too easy to guess (one digit repeated, or a run such as 123456)")]
    Guessable,
    #[error("the stored hash is not an Argon2id PHC string: {0}")]
    BadHash(String),
    #[error("the stored hash is weaker than Argon2id m={MEMORY_KIB} t={ITERATIONS} p={PARALLELISM}: set the PIN again")]
    WeakHash,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .expect("OWASP parameters are valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Whether `pin` may be used: digits only, 6 to 12 of them, not one digit repeated nor a straight run.
pub fn check_policy(pin: &str) -> Result<(), PinError> {
    let digits: Vec<u8> = pin.bytes().collect();
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit)
    {
        return Err(PinError::Shape);
    }
    let steps: Vec<i16> = digits
        .windows(2)
        .map(|w| w[1] as i16 - w[0] as i16)
        .collect();
    let run = |d: i16| steps.iter().all(|s| *s == d);
    if run(0) || run(1) || run(-1) {
        return Err(PinError::Guessable);
    }
    Ok(())
}

/// The PHC string of a new Argon2id hash of `pin` (policy checked first).
pub fn hash_pin(pin: &str) -> Result<String, PinError> {
    check_policy(pin)?;
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PinError::BadHash(e.to_string()))
}

/// Check that `phc` is an Argon2id hash at least as strong as OWASP's parameters.
pub fn check_hash(phc: &str) -> Result<(), PinError> {
    let parsed = PasswordHash::new(phc).map_err(|e| PinError::BadHash(e.to_string()))?;
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return Err(PinError::BadHash(format!(
            "algorithm {} (Argon2id required)",
            parsed.algorithm
        )));
    }
    let params = Params::try_from(&parsed).map_err(|e| PinError::BadHash(e.to_string()))?;
    if params.m_cost() < MEMORY_KIB || params.t_cost() < ITERATIONS {
        return Err(PinError::WeakHash);
    }
    Ok(())
}

/// Whether `pin` matches `phc` (an Argon2id PHC string; its own parameters and salt are used). Costs one Argon2id
/// run (tens of milliseconds): never call it on the UI thread.
pub fn verify(pin: &str, phc: &str) -> Result<bool, PinError> {
    check_hash(phc)?;
    let parsed = PasswordHash::new(phc).map_err(|e| PinError::BadHash(e.to_string()))?;
    Ok(argon2().verify_password(pin.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_is_stored_as_a_salted_argon2id_hash_and_verifies() {
        let h1 = hash_pin("271828").unwrap();
        let h2 = hash_pin("271828").unwrap();
        assert!(h1.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h1}");
        assert_ne!(h1, h2, "a fresh salt each time");
        assert!(!h1.contains("271828"));
        assert!(verify("271828", &h1).unwrap());
        assert!(!verify("271829", &h1).unwrap());
        assert!(!verify("", &h1).unwrap());
    }

    #[test]
    fn the_policy_refuses_short_long_non_digit_and_guessable_pins() {
        assert_eq!(check_policy("12345"), Err(PinError::Shape));
        assert_eq!(check_policy("1234567890123"), Err(PinError::Shape));
        assert_eq!(check_policy("12a456"), Err(PinError::Shape));
        assert_eq!(check_policy("000000"), Err(PinError::Guessable));
        assert_eq!(check_policy("123456"), Err(PinError::Guessable));
        assert_eq!(check_policy("987654"), Err(PinError::Guessable));
        assert_eq!(check_policy("271828"), Ok(()));
        assert!(hash_pin("111111").is_err());
    }

    #[test]
    fn weak_or_foreign_hashes_are_refused_not_trusted() {
        // Argon2id with 4 MiB: below OWASP's floor.
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 1, 1, None).unwrap(),
        )
        .hash_password(b"271828", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert_eq!(verify("271828", &weak), Err(PinError::WeakHash));
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(MEMORY_KIB, 2, 1, None).unwrap(),
        )
        .hash_password(b"271828", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(matches!(
            verify("271828", &argon2i),
            Err(PinError::BadHash(_))
        ));
        assert!(matches!(
            verify("271828", "271828"),
            Err(PinError::BadHash(_))
        ));
    }
}
