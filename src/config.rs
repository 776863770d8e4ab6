//! The kiosk's one TOML configuration file. Every key has a default, so the kiosk runs with no file at all.
//!
//! ```toml
//! [kiosk]    id, name, hall, timezone
//! [devices]  idcard, printer, locker ("sim" = a simulator on a pseudo-terminal, or a device path), baud rates,
//!            the locker's boards ([[devices.locker_boards]] address, doors, place, columns), echo, confirm time
//! [session]  idle_seconds = 60, countdown_seconds = 10, default_language = "zh", large_type = false
//! [pickup]   wrong codes before the keypad locks, lock-out, door left open alert, overdue days
//! [queue]    waiting_window_minutes = 120
//! [appointments] checkin_before_minutes = 30, checkin_after_minutes = 15, cancel_before_hours = 2,
//!                online_timeout_ms = 3000
//! [platform] url, token   (absent: the kiosk works offline and keeps everything queued)
//! [data]     dir = "data", personal_retention_days = 7
//! [maintenance] credentials = "/etc/sanban/secrets/maintenance.toml"
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub kiosk: KioskConfig,
    pub devices: DevicesConfig,
    pub session: SessionConfig,
    pub queue: QueueConfig,
    pub platform: PlatformConfig,
    pub data: DataConfig,
    pub guide: GuideConfig,
    pub pickup: PickupConfig,
    pub maintenance: MaintenanceConfig,
    pub appointments: AppointmentsConfig,
}

/// 取件: the keypad's defence against guessing, the door alerts, and when a waiting document is overdue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PickupConfig {
    /// Wrong pickup codes within `wrong_code_window_minutes` that lock the keypad.
    pub wrong_code_limit: u32,
    pub wrong_code_window_minutes: u32,
    /// How long the keypad stays locked (doubling for each further lock-out within a day, at most 8 times).
    pub lockout_minutes: u32,
    /// A document waiting longer than this is listed as overdue for the staff.
    pub overdue_days: u32,
    /// How often the waiting documents are fetched from the platform.
    pub refresh_seconds: u32,
}

impl Default for PickupConfig {
    fn default() -> Self {
        Self {
            wrong_code_limit: 5,
            wrong_code_window_minutes: 10,
            lockout_minutes: 15,
            overdue_days: 7,
            refresh_seconds: 30,
        }
    }
}

/// One lock board of the locker, in door-numbering order: its doors follow the previous board's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockerBoardConfig {
    /// The board's address (its DIP switch).
    pub address: u8,
    /// Doors wired to it (1–24 on the 8A family).
    pub doors: u16,
    /// Where its cabinet is, as the citizen is told ("终端左侧柜体").
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub place_en: String,
    /// Doors per row of the cabinet (numbered left to right, top to bottom), to say "row 2, column 3".
    #[serde(default = "default_columns")]
    pub columns: u16,
}

fn default_columns() -> u16 {
    4
}

impl Default for LockerBoardConfig {
    fn default() -> Self {
        Self {
            address: 1,
            doors: 16,
            place: "终端右侧柜体".into(),
            place_en: "the cabinet right of the screen".into(),
            columns: 4,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MaintenanceConfig {
    /// The technician credentials file (PIN hashes, one-time code secret), root's alone. Under systemd the app
    /// reads the unit's copy in `$CREDENTIALS_DIRECTORY` instead. A missing file: maintenance mode stays closed.
    pub credentials: PathBuf,
}

impl Default for MaintenanceConfig {
    fn default() -> Self {
        Self {
            credentials: PathBuf::from("/etc/sanban/secrets/maintenance.toml"),
        }
    }
}

/// 预约: the rules the kiosk applies itself. What the platform decides (the bookable window, the holiday calendar,
/// one booking per citizen, service and day, the no-show ban, slot capacity) comes from the platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppointmentsConfig {
    /// 预约签到 opens this many minutes before the slot starts ("too early" before that, with the time to come back).
    pub checkin_before_minutes: u32,
    /// … and closes this many minutes after the slot starts (then the booking has lapsed: a normal ticket is offered).
    pub checkin_after_minutes: u32,
    /// 我的预约: a booking can be cancelled until this many hours before its slot starts.
    pub cancel_before_hours: u32,
    /// How long the kiosk waits for the platform (slot list, booking, a citizen's bookings) before it takes the
    /// offline path (the cached slot list; a booking that awaits confirmation).
    pub online_timeout_ms: u64,
}

impl Default for AppointmentsConfig {
    fn default() -> Self {
        Self {
            checkin_before_minutes: 30,
            checkin_after_minutes: 15,
            cancel_before_hours: 2,
            online_timeout_ms: 3000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuideConfig {
    /// Where the QR code of a printed one-time notice leads when the service has no online address of its own;
    /// `{code}` is replaced by the service's national implementation code (实施编码).
    pub online_guide_url: String,
    /// Where a receipt's rating QR code leads (好差评 later, on a phone); `{id}` is the errand's number.
    pub rating_url: String,
    /// Where an application receipt's QR code leads (办件查询 on a phone); `{no}` is the application number.
    pub track_url: String,
}

impl Default for GuideConfig {
    fn default() -> Self {
        Self {
            online_guide_url: "https://zwfw.hubei.gov.cn/bszn?code={code}".into(),
            rating_url: "https://zwfw.hubei.gov.cn/hcp?bjbh={id}".into(),
            track_url: "https://zwfw.hubei.gov.cn/bjcx?bjbh={no}".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KioskConfig {
    /// Identity issued at installation (`sanban-platform kiosk add ID`); also the offline number prefix.
    pub id: String,
    /// Shown in the header and printed on receipts.
    pub name: String,
    pub hall: String,
    /// The same in English (shown in English mode; the Chinese is used when empty).
    pub name_en: String,
    pub hall_en: String,
    /// The hall's phone for help, shown on the help dialog.
    pub help_phone: String,
    /// IANA time zone; business days (and so queue numbering) roll over at local midnight.
    pub timezone: String,
}

impl KioskConfig {
    /// The kiosk's name in `lang` (the Chinese one when no English name is configured).
    pub fn name_in(&self, lang: Lang) -> &str {
        in_lang(lang, &self.name, &self.name_en)
    }

    /// The hall's name in `lang` (the Chinese one when no English name is configured).
    pub fn hall_in(&self, lang: Lang) -> &str {
        in_lang(lang, &self.hall, &self.hall_en)
    }
}

fn in_lang<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang.pick(zh, en) {
        "" => zh,
        picked => picked,
    }
}

impl Default for KioskConfig {
    fn default() -> Self {
        Self {
            id: "K01".into(),
            name: "1号自助终端".into(),
            hall: "汉南区政务服务中心".into(),
            name_en: "Kiosk 1".into(),
            hall_en: "Hannan District Government Service Center".into(),
            help_phone: "027-84851234".into(),
            timezone: "Asia/Shanghai".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DevicesConfig {
    /// "sim", "none", or a serial device path such as /dev/ttyUSB0.
    pub idcard: String,
    pub printer: String,
    pub locker: String,
    pub idcard_baud: u32,
    pub printer_baud: u32,
    pub locker_baud: u32,
    /// The lock boards on the locker's RS-485 line, in door-numbering order.
    pub locker_boards: Vec<LockerBoardConfig>,
    /// The boards' protocol family ("8a").
    pub locker_family: String,
    /// Whether the RS-485 adapter echoes what it sends: "auto" (learned from the line), "on" or "off".
    pub locker_echo: String,
    /// How long after the pulse a door must read open before it counts as jammed (milliseconds).
    pub locker_confirm_ms: u64,
    /// Whether the board's "locked" status means the door is shut (depends on the wiring).
    pub locker_locked_means_shut: bool,
    /// A door still open this long after it was opened raises a "door left open" alert (seconds).
    pub locker_left_open_seconds: u32,
    /// How often an idle device is asked for its status (milliseconds); a silent one shows within this time.
    pub poll_ms: u64,
    /// The card lying on a simulated reader (`idcard = "sim"`): resident, elderly, long_term, hk_macao_taiwan,
    /// pr_2017, pr_2023, rare_name (a name beyond GB2312), or none.
    pub sim_card: String,
}

impl DevicesConfig {
    /// The locker's boards as the bus takes them: `(address, doors)`, in door-numbering order.
    pub fn locker_boards(&self) -> Vec<(u8, u16)> {
        self.locker_boards
            .iter()
            .map(|b| (b.address, b.doors))
            .collect()
    }
}

impl Default for DevicesConfig {
    fn default() -> Self {
        Self {
            idcard: "sim".into(),
            printer: "sim".into(),
            locker: "sim".into(),
            idcard_baud: 115_200,
            printer_baud: 115_200,
            locker_baud: 9_600,
            locker_boards: vec![LockerBoardConfig::default()],
            locker_family: "8a".into(),
            locker_echo: "auto".into(),
            locker_confirm_ms: 1_500,
            locker_locked_means_shut: true,
            locker_left_open_seconds: 120,
            poll_ms: 5_000,
            sim_card: "elderly".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// Seconds without a touch before the countdown starts.
    pub idle_seconds: u32,
    /// Length of the visible countdown before the session is wiped.
    pub countdown_seconds: u32,
    /// The language a session starts in: "zh" or "en".
    pub default_language: String,
    /// Whether a session starts in large type (适老化).
    pub large_type: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_seconds: 60,
            countdown_seconds: 10,
            default_language: "zh".into(),
            large_type: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueConfig {
    /// Tickets of the same window issued within this many minutes count as still waiting (local estimate until
    /// the platform reports the real queue).
    pub waiting_window_minutes: u32,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            waiting_window_minutes: 120,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PlatformConfig {
    /// Base URL of the central platform, e.g. http://127.0.0.1:8700. Absent: offline, everything stays queued.
    pub url: Option<String>,
    /// The kiosk's bearer token, shown once by `sanban-platform kiosk add`.
    pub token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Directory of the SQLite file (tickets, outbox, print jobs); relative to the working directory.
    pub dir: PathBuf,
    /// Days personal data stays (sealed) after the platform acknowledged it, so an event can be sent again to a
    /// platform restored from a recent backup; then it is erased. 0: erased at acknowledgement.
    pub personal_retention_days: u32,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("data"),
            personal_retention_days: 7,
        }
    }
}

impl DataConfig {
    pub fn personal_retention(&self) -> chrono::Duration {
        chrono::Duration::days(self.personal_retention_days as i64)
    }
}

/// A configuration problem, always naming the file and the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config key `{key}`: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Config {
    /// Load `path` (or the defaults when `None`), then apply `data_dir` from the command line, then validate.
    pub fn load(path: Option<&Path>, data_dir: Option<&Path>) -> Result<Config, ConfigError> {
        let mut config = match path {
            None => Config::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                Config::from_toml(&text).map_err(|message| ConfigError::Parse {
                    path: path.to_owned(),
                    message,
                })?
            }
        };
        if let Some(dir) = data_dir {
            config.data.dir = dir.to_owned();
        }
        config.validate()?;
        Ok(config)
    }

    /// Parse TOML text; the error message names the offending key (toml's own messages do).
    pub fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| {
            let msg = e.message().trim().to_string();
            match e.span() {
                Some(span) => {
                    let (line, key) = key_at(text, span.start);
                    match key {
                        Some(key) => format!("key `{key}` (line {line}): {msg}"),
                        None => format!("line {line}: {msg}"),
                    }
                }
                None => msg,
            }
        })
    }

    /// Check what serde cannot: time zone names, ranges, URLs.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.time_zone()?;
        if self.kiosk.id.is_empty()
            || !self
                .kiosk
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return invalid("kiosk.id", "must be non-empty ASCII letters, digits or '-'");
        }
        const SIM_CARDS: [&str; 8] = [
            "resident",
            "elderly",
            "long_term",
            "hk_macao_taiwan",
            "pr_2017",
            "pr_2023",
            "rare_name",
            "none",
        ];
        if !SIM_CARDS.contains(&self.devices.sim_card.as_str()) {
            return invalid(
                "devices.sim_card",
                &format!("must be one of {}", SIM_CARDS.join(", ")),
            );
        }
        if self.session.idle_seconds == 0 {
            return invalid("session.idle_seconds", "must be at least 1");
        }
        if self.session.countdown_seconds == 0 {
            return invalid("session.countdown_seconds", "must be at least 1");
        }
        if crate::lang::Lang::from_code(&self.session.default_language).is_none() {
            return invalid("session.default_language", "must be \"zh\" or \"en\"");
        }
        for (key, baud) in [
            ("devices.idcard_baud", self.devices.idcard_baud),
            ("devices.printer_baud", self.devices.printer_baud),
            ("devices.locker_baud", self.devices.locker_baud),
        ] {
            if !(1200..=921_600).contains(&baud) {
                return invalid(
                    key,
                    &format!("{baud} is not a usable baud rate (1200..921600)"),
                );
            }
        }
        for (key, value) in [
            ("devices.idcard", &self.devices.idcard),
            ("devices.printer", &self.devices.printer),
            ("devices.locker", &self.devices.locker),
        ] {
            if value.is_empty() {
                return invalid(
                    key,
                    "use \"sim\", \"none\" or a device path such as /dev/ttyUSB0",
                );
            }
        }
        if self.data.personal_retention_days > 366 {
            return invalid(
                "data.personal_retention_days",
                "must be at most 366: personal data is kept no longer than needed",
            );
        }
        self.validate_locker()?;
        let p = &self.pickup;
        for (key, value) in [
            ("pickup.wrong_code_limit", p.wrong_code_limit),
            (
                "pickup.wrong_code_window_minutes",
                p.wrong_code_window_minutes,
            ),
            ("pickup.lockout_minutes", p.lockout_minutes),
            ("pickup.overdue_days", p.overdue_days),
            ("pickup.refresh_seconds", p.refresh_seconds),
        ] {
            if value == 0 {
                return invalid(key, "must be at least 1");
            }
        }
        let a = &self.appointments;
        if a.checkin_before_minutes > 240 {
            return invalid(
                "appointments.checkin_before_minutes",
                "must be at most 240 (four hours)",
            );
        }
        if a.checkin_after_minutes > 120 {
            return invalid(
                "appointments.checkin_after_minutes",
                "must be at most 120 (two hours)",
            );
        }
        if a.cancel_before_hours > 72 {
            return invalid("appointments.cancel_before_hours", "must be at most 72");
        }
        if !(100..=30_000).contains(&a.online_timeout_ms) {
            return invalid(
                "appointments.online_timeout_ms",
                "must be 100 to 30000 (milliseconds)",
            );
        }
        if let Some(url) = &self.platform.url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return invalid("platform.url", "must start with http:// or https://");
            }
            if self.platform.token.as_deref().unwrap_or("").is_empty() {
                return invalid("platform.token", "is required when platform.url is set");
            }
        }
        Ok(())
    }

    fn validate_locker(&self) -> Result<(), ConfigError> {
        use sanban_hardware::locker::{EchoMode, LockerFamily};
        let d = &self.devices;
        let family: LockerFamily =
            d.locker_family
                .parse()
                .map_err(
                    |e: sanban_hardware::locker::LockerError| ConfigError::Invalid {
                        key: "devices.locker_family",
                        message: e.to_string(),
                    },
                )?;
        d.locker_echo
            .parse::<EchoMode>()
            .map_err(|e| ConfigError::Invalid {
                key: "devices.locker_echo",
                message: e.to_string(),
            })?;
        if d.locker_left_open_seconds == 0 {
            return invalid("devices.locker_left_open_seconds", "must be at least 1");
        }
        if !(200..=10_000).contains(&d.locker_confirm_ms) {
            return invalid("devices.locker_confirm_ms", "must be 200..10000");
        }
        if d.locker_boards.is_empty() && d.locker != "none" {
            return invalid(
                "devices.locker_boards",
                "at least one board (address and doors), or devices.locker = \"none\"",
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for b in &d.locker_boards {
            if !seen.insert(b.address) {
                return invalid(
                    "devices.locker_boards",
                    &format!("board address {} is listed twice", b.address),
                );
            }
            let max = family.max_doors_per_board();
            if b.doors == 0 || b.doors > max {
                return invalid(
                    "devices.locker_boards",
                    &format!("board {} has {} doors (1..={max})", b.address, b.doors),
                );
            }
            if b.columns == 0 {
                return invalid(
                    "devices.locker_boards",
                    &format!("board {}: columns must be at least 1", b.address),
                );
            }
        }
        Ok(())
    }

    /// The configured time zone.
    pub fn time_zone(&self) -> Result<chrono_tz::Tz, ConfigError> {
        self.kiosk
            .timezone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| ConfigError::Invalid {
                key: "kiosk.timezone",
                message: format!(
                    "unknown time zone {:?} (use an IANA name such as Asia/Shanghai)",
                    self.kiosk.timezone
                ),
            })
    }

    /// Path of the SQLite database inside the data directory.
    pub fn database_path(&self) -> PathBuf {
        self.data.dir.join("kiosk.sqlite3")
    }
}

/// The dotted key (`session.idle_seconds`) of the `key = value` line holding byte `offset`, and its line number:
/// toml's type errors carry only a span, and a technician wants the key's name.
fn key_at(text: &str, offset: usize) -> (usize, Option<String>) {
    let offset = offset.min(text.len());
    let line_no = text[..offset].matches('\n').count() + 1;
    let mut table = String::new();
    let mut key = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if i + 1 > line_no {
            break;
        }
        if trimmed.starts_with('[') {
            table = trimmed
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
        } else if i + 1 == line_no {
            key = trimmed.split_once('=').map(|(k, _)| k.trim().to_string());
        }
    }
    let key = key.map(|k| {
        if table.is_empty() {
            k
        } else {
            format!("{table}.{k}")
        }
    });
    (line_no, key)
}

fn invalid(key: &'static str, message: &str) -> Result<(), ConfigError> {
    Err(ConfigError::Invalid {
        key,
        message: message.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_an_empty_file_gives_them() {
        let c = Config::from_toml("").unwrap();
        assert_eq!(c, Config::default());
        c.validate().unwrap();
        assert_eq!(c.session.idle_seconds, 60);
        assert_eq!(c.session.countdown_seconds, 10);
        assert_eq!(c.devices.printer, "sim");
    }

    #[test]
    fn the_packaged_config_is_valid() {
        let c = Config::from_toml(include_str!("../packaging/kiosk.toml")).unwrap();
        c.validate().unwrap();
        assert_eq!(c.devices.printer, "/dev/sanban-printer");
        assert_eq!(c.session, SessionConfig::default());
    }

    #[test]
    fn partial_file_keeps_other_defaults() {
        let c =
            Config::from_toml("[session]\nidle_seconds = 30\n[kiosk]\nname = \"2号机\"\n").unwrap();
        assert_eq!(c.session.idle_seconds, 30);
        assert_eq!(c.session.countdown_seconds, 10);
        assert_eq!(c.kiosk.name, "2号机");
        assert_eq!(c.kiosk.timezone, "Asia/Shanghai");
    }

    #[test]
    fn errors_name_the_key() {
        let e = Config::from_toml("[session]\nidle_seconds = \"soon\"\n").unwrap_err();
        assert!(
            e.contains("`session.idle_seconds`") && e.contains("line 2"),
            "{e}"
        );
        let e = Config::from_toml("[session]\nidle_secs = 5\n").unwrap_err();
        assert!(e.contains("idle_secs"), "{e}");
        let mut c = Config::default();
        c.kiosk.timezone = "Mars/Olympus".into();
        let e = c.validate().unwrap_err().to_string();
        assert!(
            e.contains("kiosk.timezone") && e.contains("Mars/Olympus"),
            "{e}"
        );
        c = Config::default();
        c.platform.url = Some("ftp://x".into());
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("platform.url"));
    }

    #[test]
    fn appointment_rules_have_defaults_and_bounds() {
        let c = Config::from_toml("[appointments]\ncheckin_after_minutes = 10\n").unwrap();
        assert_eq!(c.appointments.checkin_after_minutes, 10);
        assert_eq!(c.appointments.checkin_before_minutes, 30);
        assert_eq!(c.appointments.cancel_before_hours, 2);
        c.validate().unwrap();
        let mut c = Config::default();
        c.appointments.online_timeout_ms = 0;
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("appointments.online_timeout_ms"), "{e}");
        let e = Config::from_toml("[appointments]\ncancel_hours = 1\n").unwrap_err();
        assert!(e.contains("cancel_hours"), "{e}");
    }

    #[test]
    fn receipts_and_pages_name_the_kiosk_in_the_citizens_language() {
        let mut k = KioskConfig::default();
        assert_eq!(k.name_in(Lang::En), "Kiosk 1");
        assert_eq!(k.hall_in(Lang::Zh), "汉南区政务服务中心");
        k.name_en.clear();
        k.hall_en.clear();
        assert_eq!(
            k.name_in(Lang::En),
            "1号自助终端",
            "no English name: the Chinese one"
        );
        assert_eq!(k.hall_in(Lang::En), "汉南区政务服务中心");
    }

    #[test]
    fn load_reports_the_file_and_data_dir_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.toml");
        std::fs::write(&path, "[session]\ncountdown_seconds = -1\n").unwrap();
        let e = Config::load(Some(&path), None).unwrap_err().to_string();
        assert!(
            e.contains("k.toml") && e.contains("countdown_seconds"),
            "{e}"
        );
        std::fs::write(&path, "[data]\ndir = \"/var/lib/x\"\n").unwrap();
        let c = Config::load(Some(&path), Some(Path::new("/tmp/override"))).unwrap();
        assert_eq!(c.data.dir, PathBuf::from("/tmp/override"));
        assert!(Config::load(Some(&dir.path().join("missing.toml")), None).is_err());
    }
}
