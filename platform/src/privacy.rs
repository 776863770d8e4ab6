//! Personal data at rest: postal addresses, call-back numbers, and the pickup codes of staff deposits waiting for
//! their SMS are sealed with XChaCha20-Poly1305 under the platform's data key before they reach a store.
//!
//! The key is 32 random bytes in a file of its own (`--data-key FILE` / `SANBAN_DATA_KEY`), made 0600 on first
//! use, never in the database: a copy of the database (a backup, `migrate`) holds only sealed values. Every
//! platform instance of one database must be given the same file.
//!
//! A sealed value is hex text (the stores' columns are text): `[version = 1][nonce: 24 bytes][ciphertext + tag]`.
//! Its context (associated data) binds it to its place, e.g. `postal:<request id>`, so a value copied to another
//! row does not open there.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::store::url::DbUrl;

const VERSION: u8 = 1;
const NONCE: usize = 24;
const OVERHEAD: usize = 1 + NONCE + 16;

/// The platform's data key. `Debug` never shows it.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(<hidden>)")
    }
}

/// Why a sealed value did not open. Never holds the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("sealed personal data is truncated or of an unknown version")]
    Malformed,
    #[error(
        "sealed personal data does not open with this data key (another platform's key, or the data was altered)"
    )]
    Rejected,
}

impl DataKey {
    pub fn from_bytes(bytes: [u8; 32]) -> DataKey {
        DataKey(Zeroizing::new(bytes))
    }

    /// The key in `path`, or a new random one written there (0600, directory created) when the file does not
    /// exist. A file that exists but does not hold a key is an error: replacing it would make everything sealed
    /// under it unreadable.
    pub fn load_or_create(path: &Path) -> anyhow::Result<DataKey> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let text = Zeroizing::new(text);
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| {
                    anyhow::anyhow!(
                        "{} does not hold a data key (64 hex digits)",
                        path.display()
                    )
                })?;
                Ok(DataKey::from_bytes(bytes))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = DataKey::from_bytes(rand::random());
                key.save_new(path)?;
                tracing::info!(path = %path.display(), "made a new data key");
                Ok(key)
            }
            Err(e) => anyhow::bail!("cannot read data key {}: {e}", path.display()),
        }
    }

    /// Writes a new key file; never overwrites one (two instances starting together keep the first key).
    fn save_new(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = match options.open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                anyhow::bail!(
                    "data key {} appeared while making one; start again",
                    path.display()
                )
            }
            Err(e) => anyhow::bail!("cannot create data key {}: {e}", path.display()),
        };
        let text = Zeroizing::new(format!("{}\n", hex::encode(*self.0)));
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        Ok(())
    }

    /// Seals `plain`, bound to `context`; hex text.
    pub fn seal(&self, context: &str, plain: &str) -> String {
        let cipher = XChaCha20Poly1305::new((&*self.0).into());
        let nonce: [u8; NONCE] = rand::random();
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any length the platform stores");
        let mut out = Vec::with_capacity(OVERHEAD + plain.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        hex::encode(out)
    }

    /// Opens what [`DataKey::seal`] made under this key and `context`.
    pub fn open(&self, context: &str, sealed_hex: &str) -> Result<Zeroizing<String>, SealError> {
        let sealed = hex::decode(sealed_hex.trim()).map_err(|_| SealError::Malformed)?;
        if sealed.len() < OVERHEAD || sealed[0] != VERSION {
            return Err(SealError::Malformed);
        }
        let (nonce, body) = sealed[1..].split_at(NONCE);
        let cipher = XChaCha20Poly1305::new((&*self.0).into());
        let plain = cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SealError::Rejected)?;
        String::from_utf8(plain)
            .map(Zeroizing::new)
            .map_err(|_| SealError::Malformed)
    }
}

/// Where the data key of a platform on `db` lives when no `--data-key` is given: beside a SQLite file
/// (`platform.db` → `platform.db.key`); a PostgreSQL platform has no default (its instances may run on several
/// machines, which must share one key file).
pub fn default_key_path(db: &DbUrl) -> Option<PathBuf> {
    match db {
        DbUrl::Sqlite(path) => {
            let mut name = path.as_os_str().to_owned();
            name.push(".key");
            Some(PathBuf::from(name))
        }
        DbUrl::Postgres(_) => None,
    }
}

/// The data key for a platform on `db`: `explicit` (or `SANBAN_DATA_KEY`, which clap fills in), else the default
/// beside a SQLite file; `None` for PostgreSQL without one.
pub fn data_key_for(db: &DbUrl, explicit: Option<&Path>) -> anyhow::Result<Option<DataKey>> {
    match explicit
        .map(Path::to_path_buf)
        .or_else(|| default_key_path(db))
    {
        Some(path) => Ok(Some(DataKey::load_or_create(&path)?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_with_its_key_and_context_only() {
        let key = DataKey::from_bytes([3; 32]);
        let sealed = key.seal("postal:1", "湖北省武汉市汉南区纱帽街1号");
        assert!(!sealed.contains("纱帽"));
        assert_eq!(
            key.open("postal:1", &sealed).unwrap().as_str(),
            "湖北省武汉市汉南区纱帽街1号"
        );
        assert_eq!(
            DataKey::from_bytes([4; 32]).open("postal:1", &sealed),
            Err(SealError::Rejected)
        );
        assert_eq!(
            key.open("postal:2", &sealed),
            Err(SealError::Rejected),
            "moved to another row"
        );
        assert_eq!(key.open("postal:1", "zz"), Err(SealError::Malformed));
        assert_ne!(
            key.seal("postal:1", "x"),
            key.seal("postal:1", "x"),
            "a fresh nonce each time"
        );
        assert!(!format!("{key:?}").contains("03"));
    }

    #[test]
    fn a_key_file_is_made_once_0600_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/data.key");
        let first = DataKey::load_or_create(&path).unwrap();
        let again = DataKey::load_or_create(&path).unwrap();
        let sealed = first.seal("c", "13800000000");
        assert_eq!(again.open("c", &sealed).unwrap().as_str(), "13800000000");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key").unwrap();
        let err = DataKey::load_or_create(&path).unwrap_err().to_string();
        assert!(err.contains("does not hold a data key"), "{err}");
    }
}
