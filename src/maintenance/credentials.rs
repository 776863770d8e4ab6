//! The kiosk's technician credentials: a small TOML file readable by root only (`/etc/sanban/secrets/
//! maintenance.toml` in the package). Under systemd the unit hands the service a copy with `LoadCredential=`, read
//! from `$CREDENTIALS_DIRECTORY/maintenance.toml`; otherwise the path configured in `[maintenance] credentials`.
//! There is no default PIN: without technicians (and without a one-time code secret) the maintenance pad stays
//! closed and says how to provision it.
//!
//! ```toml
//! code_secret = "…64 hex digits…"      # `sanban-platform maintenance-secret K01`: one-time codes
//! [[technician]]
//! name = "T01"                         # a staff id, recorded with every action (audit)
//! pin = "$argon2id$v=19$m=19456,t=2,p=1$…"
//! ```

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::pin::{self, PinError};
use crate::config::Config;

/// The file name inside `$CREDENTIALS_DIRECTORY` (the unit's `LoadCredential=maintenance.toml:…`).
pub const CREDENTIAL_NAME: &str = "maintenance.toml";

/// Bytes of the one-time code secret.
pub const SECRET_BYTES: usize = 32;

/// Why the credentials cannot be used. Messages name the file, never a secret.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid credentials file: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("technician {name:?}: {source}")]
    Pin { name: String, source: PinError },
    #[error("a technician name is 1 to 32 letters, digits, '.', '_' or '-'")]
    BadName,
    #[error("the one-time code secret must be {SECRET_BYTES} bytes as 64 hex digits")]
    BadSecret,
    #[error(
        "technician {0:?} already has this PIN's twin: every technician needs a PIN of their own"
    )]
    SharedPin(String),
}

#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_secret: Option<String>,
    #[serde(default, rename = "technician")]
    technicians: Vec<TechnicianEntry>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TechnicianEntry {
    name: String,
    pin: String,
}

/// Where the credentials are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    /// Handed over by systemd (`$CREDENTIALS_DIRECTORY`), rather than the configured path.
    pub from_systemd: bool,
}

/// `$CREDENTIALS_DIRECTORY/maintenance.toml` when systemd set it, else the configured path.
pub fn location(config: &Config) -> Location {
    location_with(config, std::env::var_os("CREDENTIALS_DIRECTORY"))
}

/// [`location`] with the variable's value given.
pub fn location_with(
    config: &Config,
    credentials_directory: Option<std::ffi::OsString>,
) -> Location {
    match credentials_directory.filter(|d| !d.is_empty()) {
        Some(dir) => Location {
            path: Path::new(&dir).join(CREDENTIAL_NAME),
            from_systemd: true,
        },
        None => Location {
            path: config.maintenance.credentials.clone(),
            from_systemd: false,
        },
    }
}

/// A technician who may enter maintenance mode.
pub struct Technician {
    pub name: String,
    pin_hash: String,
}

/// The loaded credentials. `Debug` shows names and whether a secret is set, never hashes or the secret.
pub struct Credentials {
    technicians: Vec<Technician>,
    code_secret: Option<Zeroizing<Vec<u8>>>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field(
                "technicians",
                &self
                    .technicians
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("code_secret", &self.code_secret.as_ref().map(|_| "<set>"))
            .finish()
    }
}

fn valid_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn parse_secret(hex_text: &str) -> Result<Zeroizing<Vec<u8>>, CredentialsError> {
    let bytes =
        Zeroizing::new(hex::decode(hex_text.trim()).map_err(|_| CredentialsError::BadSecret)?);
    if bytes.len() != SECRET_BYTES {
        return Err(CredentialsError::BadSecret);
    }
    Ok(bytes)
}

fn read_file(path: &Path) -> Result<FileFormat, CredentialsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => Zeroizing::new(t),
        // Not provisioned yet: no technician, no secret.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileFormat::default()),
        Err(source) => {
            return Err(CredentialsError::Read {
                path: path.to_owned(),
                source,
            })
        }
    };
    toml::from_str(&text).map_err(|e| CredentialsError::Parse {
        path: path.to_owned(),
        // toml's message quotes the offending line, which may hold a hash or the secret: keep only its first line.
        message: e.message().lines().next().unwrap_or("").to_string(),
    })
}

impl Credentials {
    /// Read and check the file at `path`; a missing file is an empty (unprovisioned) set.
    pub fn load(path: &Path) -> Result<Credentials, CredentialsError> {
        let file = read_file(path)?;
        let mut technicians = Vec::new();
        for t in file.technicians {
            if !valid_name(&t.name) {
                return Err(CredentialsError::BadName);
            }
            pin::check_hash(&t.pin).map_err(|source| CredentialsError::Pin {
                name: t.name.clone(),
                source,
            })?;
            technicians.push(Technician {
                name: t.name,
                pin_hash: t.pin,
            });
        }
        let code_secret = file.code_secret.as_deref().map(parse_secret).transpose()?;
        Ok(Credentials {
            technicians,
            code_secret,
        })
    }

    /// The technicians' names.
    pub fn technicians(&self) -> impl Iterator<Item = &str> {
        self.technicians.iter().map(|t| t.name.as_str())
    }

    pub fn has_pins(&self) -> bool {
        !self.technicians.is_empty()
    }

    /// The per-kiosk secret of one-time codes, if provisioned.
    pub fn code_secret(&self) -> Option<&[u8]> {
        self.code_secret.as_deref().map(Vec::as_slice)
    }

    /// The technician whose PIN is `pin`. One Argon2id run per technician: call it off the UI thread.
    pub fn technician_with_pin(&self, pin: &str) -> Option<&str> {
        self.technicians
            .iter()
            .find(|t| pin::verify(pin, &t.pin_hash).unwrap_or(false))
            .map(|t| t.name.as_str())
    }
}

/// Write `file` to `path` atomically, readable by its owner only (0600), replacing what was there.
fn write_file(path: &Path, file: &FileFormat) -> Result<(), CredentialsError> {
    let err = |source| CredentialsError::Write {
        path: path.to_owned(),
        source,
    };
    let body = toml::to_string_pretty(file).map_err(|e| err(std::io::Error::other(e)))?;
    let text = Zeroizing::new(format!(
        "# Technician credentials of this kiosk: PIN hashes (Argon2id) and the one-time code secret.\n\
         # Written by `sanban-kiosk maintenance set-pin` / `set-code-secret`; readable by root only.\n{body}"
    ));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = PathBuf::from(tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(&tmp).map_err(err)?;
    out.write_all(text.as_bytes()).map_err(err)?;
    out.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// Give technician `name` the PIN `pin` (added, or replaced if the name exists). Refuses a PIN another technician
/// already has: the PIN alone says who is at the kiosk.
pub fn set_pin(path: &Path, name: &str, pin: &str) -> Result<(), CredentialsError> {
    if !valid_name(name) {
        return Err(CredentialsError::BadName);
    }
    let mut file = read_file(path)?;
    for other in file.technicians.iter().filter(|t| t.name != name) {
        if pin::verify(pin, &other.pin).unwrap_or(false) {
            return Err(CredentialsError::SharedPin(other.name.clone()));
        }
    }
    let hash = pin::hash_pin(pin).map_err(|source| CredentialsError::Pin {
        name: name.to_string(),
        source,
    })?;
    match file.technicians.iter_mut().find(|t| t.name == name) {
        Some(t) => t.pin = hash,
        None => file.technicians.push(TechnicianEntry {
            name: name.to_string(),
            pin: hash,
        }),
    }
    write_file(path, &file)
}

/// Remove technician `name`; `Ok(false)` if there was none.
pub fn remove_technician(path: &Path, name: &str) -> Result<bool, CredentialsError> {
    let mut file = read_file(path)?;
    let before = file.technicians.len();
    file.technicians.retain(|t| t.name != name);
    if file.technicians.len() == before {
        return Ok(false);
    }
    write_file(path, &file)?;
    Ok(true)
}

/// Store the one-time code secret the platform issued (64 hex digits).
pub fn set_code_secret(path: &Path, hex_text: &str) -> Result<(), CredentialsError> {
    parse_secret(hex_text)?;
    let mut file = read_file(path)?;
    file.code_secret = Some(hex_text.trim().to_ascii_lowercase());
    write_file(path, &file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_unprovisioned_and_set_pin_provisions_it_privately() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets/maintenance.toml");
        let empty = Credentials::load(&path).unwrap();
        assert!(!empty.has_pins() && empty.code_secret().is_none());

        set_pin(&path, "T01", "271828").unwrap();
        set_pin(&path, "T02", "314159").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("271828") && text.contains("$argon2id$"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let creds = Credentials::load(&path).unwrap();
        assert_eq!(creds.technicians().collect::<Vec<_>>(), ["T01", "T02"]);
        assert_eq!(creds.technician_with_pin("314159"), Some("T02"));
        assert_eq!(creds.technician_with_pin("314158"), None);

        // A new PIN replaces the old one; another technician's PIN is refused.
        set_pin(&path, "T01", "161803").unwrap();
        let creds = Credentials::load(&path).unwrap();
        assert_eq!(creds.technician_with_pin("271828"), None);
        assert_eq!(creds.technician_with_pin("161803"), Some("T01"));
        assert!(matches!(
            set_pin(&path, "T03", "161803"),
            Err(CredentialsError::SharedPin(n)) if n == "T01"
        ));
        assert!(remove_technician(&path, "T02").unwrap());
        assert!(!remove_technician(&path, "T02").unwrap());
    }

    #[test]
    fn the_code_secret_is_kept_beside_the_pins_and_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        let secret = "ab".repeat(32);
        assert!(matches!(
            set_code_secret(&path, "abcd"),
            Err(CredentialsError::BadSecret)
        ));
        set_code_secret(&path, &secret).unwrap();
        set_pin(&path, "T01", "271828").unwrap();
        let creds = Credentials::load(&path).unwrap();
        assert_eq!(creds.code_secret(), Some(&[0xab; 32][..]));
        let shown = format!("{creds:?}");
        assert!(
            !shown.contains("abab") && !shown.contains("argon2"),
            "{shown}"
        );
        assert!(shown.contains("<set>") && shown.contains("T01"));
    }

    #[test]
    fn a_broken_file_is_an_error_that_names_the_file_not_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(
            &path,
            "code_secret = \"s3cr3t-value\"\n[[technician]]\nname = \"T01\"\n",
        )
        .unwrap();
        let e = Credentials::load(&path).unwrap_err().to_string();
        assert!(e.contains("m.toml"), "{e}");
        assert!(!e.contains("s3cr3t"), "{e}");
        std::fs::write(&path, "[[technician]]\nname = \"T01\"\npin = \"271828\"\n").unwrap();
        let e = Credentials::load(&path).unwrap_err().to_string();
        assert!(e.contains("T01") && !e.contains("271828"), "{e}");
    }

    #[test]
    fn systemd_credentials_win_over_the_configured_path() {
        let mut config = Config::default();
        config.maintenance.credentials = PathBuf::from("/etc/sanban/secrets/maintenance.toml");
        assert_eq!(
            location_with(&config, None),
            Location {
                path: PathBuf::from("/etc/sanban/secrets/maintenance.toml"),
                from_systemd: false
            }
        );
        assert!(!location_with(&config, Some("".into())).from_systemd);
        assert_eq!(
            location_with(
                &config,
                Some("/run/credentials/sanban-kiosk.service".into())
            ),
            Location {
                path: PathBuf::from("/run/credentials/sanban-kiosk.service/maintenance.toml"),
                from_systemd: true
            }
        );
    }
}
