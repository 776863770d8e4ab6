//! The data key: 32 random bytes that seal personal data at rest, kept outside the database.
//!
//! On an installed kiosk the package makes it once (`/etc/sanban/secrets/data.key`, root only) and systemd hands a
//! copy to the service with `LoadCredential=data.key:…`: it is read from `$CREDENTIALS_DIRECTORY/data.key`. Without
//! systemd (a development machine, the tests) the key is a file beside the database in the data directory, made on
//! first use with mode 0600, as the citizen-ref key is (`keys.rs`). A service that has a credentials directory but
//! no `data.key` in it is misconfigured: that is an error, never a silent new key (which would make the sealed
//! data unreadable).

use std::io::Write;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::config::Config;

/// The file name, in the credentials directory and in the data directory.
pub const FILE: &str = "data.key";

/// The key that seals personal data. Zeroized when dropped; `Debug` hides it.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    pub fn from_bytes(bytes: [u8; 32]) -> DataKey {
        DataKey(Zeroizing::new(bytes))
    }

    pub(super) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(<hidden>)")
    }
}

/// Where the key came from (shown by `outbox status`, never the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    /// systemd's `LoadCredential=`: root-only at rest.
    Credential(PathBuf),
    /// A file in the data directory (development, tests).
    File(PathBuf),
}

impl std::fmt::Display for KeyOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyOrigin::Credential(p) => write!(f, "systemd credential {}", p.display()),
            KeyOrigin::File(p) => write!(f, "key file {}", p.display()),
        }
    }
}

/// Where this kiosk's key is (it may not exist yet: see [`load`]).
pub fn origin(config: &Config) -> KeyOrigin {
    match std::env::var_os("CREDENTIALS_DIRECTORY").filter(|d| !d.is_empty()) {
        Some(dir) => KeyOrigin::Credential(Path::new(&dir).join(FILE)),
        None => KeyOrigin::File(config.data.dir.join(FILE)),
    }
}

/// The kiosk's data key: the systemd credential, or the data directory's key file (made now if there is none).
pub fn load(config: &Config) -> anyhow::Result<(DataKey, KeyOrigin)> {
    let origin = origin(config);
    let key = match &origin {
        KeyOrigin::Credential(path) => read(path)?.ok_or_else(|| {
            anyhow::anyhow!(
                "no data key at {}: the service's LoadCredential=data.key:… is missing its file \
                 (the package makes /etc/sanban/secrets/data.key)",
                path.display()
            )
        })?,
        KeyOrigin::File(path) => match read(path)? {
            Some(key) => key,
            None => {
                let key = DataKey::from_bytes(rand::random());
                write_new(path, &key)?;
                tracing::info!("made a new data key at {}", path.display());
                key
            }
        },
    };
    Ok((key, origin))
}

/// The key in `path`: 32 raw bytes (as the package makes it) or 64 hex digits. `None` if there is no file.
fn read(path: &Path) -> anyhow::Result<Option<DataKey>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => Zeroizing::new(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => anyhow::bail!("cannot read the data key {}: {e}", path.display()),
    };
    let mut key = [0u8; 32];
    if bytes.len() == 32 {
        key.copy_from_slice(&bytes);
    } else {
        let text = std::str::from_utf8(&bytes).unwrap_or("").trim();
        if hex::decode_to_slice(text, &mut key).is_err() {
            anyhow::bail!(
                "the data key {} is neither 32 bytes nor 64 hex digits",
                path.display()
            );
        }
    }
    let key = DataKey::from_bytes(key);
    Ok(Some(key))
}

/// Write a new key file readable by the kiosk's user only (never replacing one: `create_new`).
fn write_new(path: &Path, key: &DataKey) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create the data key {}: {e}", path.display()))?;
    file.write_all(key.bytes())?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_made_once_readable_by_its_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        assert!(read(&path).unwrap().is_none());
        let key = DataKey::from_bytes([5; 32]);
        write_new(&path, &key).unwrap();
        assert_eq!(read(&path).unwrap().unwrap().bytes(), key.bytes());
        assert!(
            write_new(&path, &DataKey::from_bytes([6; 32])).is_err(),
            "never replaced"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0);
        }
        // A hand-made key in hex is accepted; anything else is refused with the file named.
        std::fs::write(&path, format!("{}\n", "ab".repeat(32))).unwrap();
        assert_eq!(read(&path).unwrap().unwrap().bytes(), &[0xab; 32]);
        std::fs::write(&path, "short").unwrap();
        let e = read(&path).err().unwrap().to_string();
        assert!(e.contains(FILE), "{e}");
        assert_eq!(format!("{key:?}"), "DataKey(<hidden>)");
    }
}
