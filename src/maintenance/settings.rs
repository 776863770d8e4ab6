//! The settings a technician may change on the touchscreen: idle time, countdown, the language and large type a
//! session starts in. The config file (root's, read-only to the kiosk) gives their defaults; a technician's change
//! is stored in the kiosk database (`settings` table) and wins over it, at once and after a restart.

use crate::config::Config;
use crate::lang::Lang;
use crate::store::maintenance::StoredSetting;

/// Bounds a technician may choose within.
pub const IDLE_RANGE: (u32, u32) = (20, 600);
pub const COUNTDOWN_RANGE: (u32, u32) = (5, 60);

/// The session settings in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub idle_seconds: u32,
    pub countdown_seconds: u32,
    pub default_language: Lang,
    pub large_type: bool,
}

/// A setting a technician may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    IdleSeconds,
    CountdownSeconds,
    DefaultLanguage,
    LargeType,
}

impl Key {
    pub const ALL: [Key; 4] = [
        Key::IdleSeconds,
        Key::CountdownSeconds,
        Key::DefaultLanguage,
        Key::LargeType,
    ];

    /// The stored name (and the audit event's target).
    pub fn name(self) -> &'static str {
        match self {
            Key::IdleSeconds => "idle_seconds",
            Key::CountdownSeconds => "countdown_seconds",
            Key::DefaultLanguage => "default_language",
            Key::LargeType => "large_type",
        }
    }

    pub fn parse(name: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Why a value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {why}")]
pub struct SettingError {
    pub key: &'static str,
    pub why: String,
}

fn number_in(key: Key, value: &str, (lo, hi): (u32, u32)) -> Result<u32, SettingError> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (lo..=hi).contains(n))
        .ok_or_else(|| SettingError {
            key: key.name(),
            why: format!("a whole number of seconds from {lo} to {hi}"),
        })
}

impl Settings {
    /// The config file's values.
    pub fn from_config(config: &Config) -> Settings {
        Settings {
            idle_seconds: config.session.idle_seconds,
            countdown_seconds: config.session.countdown_seconds,
            default_language: Lang::from_code(&config.session.default_language).unwrap_or_default(),
            large_type: config.session.large_type,
        }
    }

    /// The config file's values with the stored changes over them; a stored value that is no longer valid is
    /// skipped (logged), never fatal.
    pub fn effective(config: &Config, stored: &[StoredSetting]) -> Settings {
        let mut settings = Settings::from_config(config);
        for row in stored {
            let applied = Key::parse(&row.key)
                .ok_or_else(|| SettingError {
                    key: "settings",
                    why: format!("unknown key {:?}", row.key),
                })
                .and_then(|k| settings.set(k, &row.value));
            if let Err(e) = applied {
                tracing::warn!("stored setting ignored: {e}");
            }
        }
        settings
    }

    /// Change one setting (checked).
    pub fn set(&mut self, key: Key, value: &str) -> Result<(), SettingError> {
        match key {
            Key::IdleSeconds => self.idle_seconds = number_in(key, value, IDLE_RANGE)?,
            Key::CountdownSeconds => {
                self.countdown_seconds = number_in(key, value, COUNTDOWN_RANGE)?
            }
            Key::DefaultLanguage => {
                self.default_language = Lang::from_code(value).ok_or_else(|| SettingError {
                    key: key.name(),
                    why: "zh or en".into(),
                })?
            }
            Key::LargeType => {
                self.large_type = match value {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(SettingError {
                            key: key.name(),
                            why: "true or false".into(),
                        })
                    }
                }
            }
        }
        Ok(())
    }

    /// A setting's value as stored.
    pub fn value(&self, key: Key) -> String {
        match key {
            Key::IdleSeconds => self.idle_seconds.to_string(),
            Key::CountdownSeconds => self.countdown_seconds.to_string(),
            Key::DefaultLanguage => self.default_language.code().to_string(),
            Key::LargeType => self.large_type.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(key: &str, value: &str) -> StoredSetting {
        StoredSetting {
            key: key.into(),
            value: value.into(),
            changed_by: "T01".into(),
            changed_at: "2026-11-30T09:00:00Z".into(),
        }
    }

    #[test]
    fn stored_changes_win_over_the_config_file_and_bad_ones_are_skipped() {
        let mut config = Config::default();
        config.session.idle_seconds = 45;
        let s = Settings::effective(
            &config,
            &[
                stored("countdown_seconds", "20"),
                stored("default_language", "en"),
                stored("large_type", "true"),
                stored("idle_seconds", "5"),
                stored("colour", "red"),
            ],
        );
        assert_eq!(
            s,
            Settings {
                idle_seconds: 45,
                countdown_seconds: 20,
                default_language: Lang::En,
                large_type: true
            }
        );
    }

    #[test]
    fn values_are_checked_and_round_trip() {
        let mut s = Settings::from_config(&Config::default());
        assert!(s.set(Key::IdleSeconds, "19").is_err());
        assert!(s.set(Key::IdleSeconds, "601").is_err());
        assert!(s.set(Key::DefaultLanguage, "fr").is_err());
        assert!(s.set(Key::LargeType, "yes").is_err());
        for key in Key::ALL {
            let v = s.value(key);
            s.set(key, &v).unwrap();
            assert_eq!(Key::parse(key.name()), Some(key));
        }
    }
}
