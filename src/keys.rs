//! The kiosk's own secrets that live beside its database, not in it: the key of `citizen_ref`. The platform
//! issues it (so every kiosk of the hall computes the same reference for the same citizen); until it has, a
//! stand-alone kiosk uses a key of its own. The file is readable by the kiosk's user only.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::devices::CitizenKey;

const FILE: &str = "citizen-ref.key";

/// Where a key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// Issued by the platform: references match across kiosks.
    Platform,
    /// Made here (no platform yet): references match only on this kiosk.
    Local,
}

fn path(config: &Config) -> PathBuf {
    config.data.dir.join(FILE)
}

/// The stored key, or a new local one (stored) when there is none.
pub fn citizen_key(config: &Config) -> anyhow::Result<CitizenKey> {
    Ok(load(&path(config))?.map(|(k, _)| k).unwrap_or_else(|| {
        let key = CitizenKey::new(rand::random());
        if let Err(e) = save(&path(config), &key, KeySource::Local) {
            tracing::error!("cannot store the local citizen key: {e}");
        }
        key
    }))
}

/// Whether the stored key was issued by the platform.
pub fn citizen_key_source(config: &Config) -> Option<KeySource> {
    load(&path(config)).ok().flatten().map(|(_, s)| s)
}

/// Keep the key the platform issued.
pub fn store_platform_key(config: &Config, key: &CitizenKey) -> std::io::Result<()> {
    save(&path(config), key, KeySource::Platform)
}

fn load(path: &Path) -> anyhow::Result<Option<(CitizenKey, KeySource)>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => zeroize::Zeroizing::new(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
    };
    let (source, hex) = text
        .trim()
        .split_once(' ')
        .ok_or_else(|| anyhow::anyhow!("{} is malformed", path.display()))?;
    let source = match source {
        "platform" => KeySource::Platform,
        "local" => KeySource::Local,
        _ => anyhow::bail!("{} is malformed", path.display()),
    };
    let key = CitizenKey::from_hex(hex)
        .ok_or_else(|| anyhow::anyhow!("{} holds no valid key", path.display()))?;
    Ok(Some((key, source)))
}

fn save(path: &Path, key: &CitizenKey, source: KeySource) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    let source = match source {
        KeySource::Platform => "platform",
        KeySource::Local => "local",
    };
    file.write_all(format!("{source} {}\n", key.to_hex().as_str()).as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_key_is_made_once_and_a_platform_key_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.data.dir = dir.path().to_owned();
        let first = citizen_key(&config).unwrap();
        assert_eq!(citizen_key_source(&config), Some(KeySource::Local));
        assert_eq!(
            citizen_key(&config).unwrap().citizen_ref("x"),
            first.citizen_ref("x")
        );
        let issued = CitizenKey::new([9; 32]);
        store_platform_key(&config, &issued).unwrap();
        assert_eq!(citizen_key_source(&config), Some(KeySource::Platform));
        assert_eq!(
            citizen_key(&config).unwrap().citizen_ref("x"),
            issued.citizen_ref("x")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "readable by the kiosk's user only");
        }
    }
}
