//! The kiosk's recent log lines, kept in memory for the maintenance page 最近日志: a `tracing_subscriber` layer
//! beside the stderr/journald output keeps the last [`CAPACITY`] lines (time, level, target, message), each
//! message cut to [`MAX_MESSAGE`] bytes, so the ring's memory is bounded. Personal data is never logged; the ring
//! masks anything shaped like an ID or mobile number anyway ([`mask`]). The journal keeps the full history
//! (`journalctl -u sanban-kiosk`).

pub mod mask;

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Lines the ring keeps.
pub const CAPACITY: usize = 500;
/// A longer message is cut (on a character boundary) and marked with "…".
pub const MAX_MESSAGE: usize = 400;

/// One captured line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub at: DateTime<Utc>,
    /// "ERROR", "WARN", "INFO", "DEBUG", "TRACE".
    pub level: &'static str,
    /// The module that logged it (`sanban_kiosk::sync`).
    pub target: String,
    /// The message and its fields (`key=value`), masked.
    pub message: String,
}

impl LogLine {
    /// Warnings and errors.
    pub fn is_warning_or_worse(&self) -> bool {
        matches!(self.level, "WARN" | "ERROR")
    }

    pub fn is_error(&self) -> bool {
        self.level == "ERROR"
    }
}

/// The last lines logged, oldest first; shared by the layer that fills it and the pages that read it.
#[derive(Clone)]
pub struct LogRing {
    lines: Arc<Mutex<VecDeque<LogLine>>>,
    capacity: usize,
}

impl LogRing {
    pub fn new(capacity: usize) -> LogRing {
        LogRing {
            lines: Arc::new(Mutex::new(VecDeque::with_capacity(capacity))),
            capacity,
        }
    }

    /// Keep `line`, dropping the oldest when full.
    pub fn push(&self, line: LogLine) {
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        if lines.len() == self.capacity {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// Every kept line, newest first.
    pub fn newest_first(&self) -> Vec<LogLine> {
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().rev().cloned().collect()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The layer that fills this ring.
    pub fn layer(&self) -> RingLayer {
        RingLayer { ring: self.clone() }
    }
}

static RING: OnceLock<LogRing> = OnceLock::new();

/// The process's ring, created on first use; [`layer`] feeds it once a subscriber is installed with it.
pub fn ring() -> &'static LogRing {
    RING.get_or_init(|| LogRing::new(CAPACITY))
}

/// Whether a layer feeding the process's ring has been made (logging was set up with it).
pub fn capturing() -> bool {
    CAPTURING.get().is_some()
}

static CAPTURING: OnceLock<()> = OnceLock::new();

/// The layer to install beside the log output, feeding [`ring`].
pub fn layer() -> RingLayer {
    let _ = CAPTURING.set(());
    ring().layer()
}

/// Logs go to stderr (the journal under systemd) and to the ring; `RUST_LOG` filters both (default: info).
/// A second call does nothing (a subscriber is already set).
pub fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(layer())
        .try_init();
}

/// Captures events into a [`LogRing`].
pub struct RingLayer {
    ring: LogRing,
}

impl<S: Subscriber> Layer<S> for RingLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut text = Text::default();
        event.record(&mut text);
        let message = mask::mask_personal(&text.finish());
        self.ring.push(LogLine {
            at: Utc::now(),
            level: level_name(*meta.level()),
            target: meta.target().to_string(),
            message: cut(message, MAX_MESSAGE),
        });
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARN",
        Level::INFO => "INFO",
        Level::DEBUG => "DEBUG",
        Level::TRACE => "TRACE",
    }
}

/// `text` cut to at most `max` bytes on a character boundary, with "…" when cut.
fn cut(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
    text
}

/// The message first, then the other fields as `key=value`.
#[derive(Default)]
struct Text {
    message: String,
    fields: String,
}

impl Text {
    fn finish(self) -> String {
        match (self.message.is_empty(), self.fields.is_empty()) {
            (_, true) => self.message,
            (true, false) => self.fields,
            (false, false) => format!("{} {}", self.message, self.fields),
        }
    }

    fn field(&mut self, field: &Field, value: std::fmt::Arguments<'_>) {
        if field.name() == "message" {
            let _ = self.message.write_fmt(value);
        } else {
            if !self.fields.is_empty() {
                self.fields.push(' ');
            }
            let _ = write!(self.fields, "{}={}", field.name(), value);
        }
    }
}

impl Visit for Text {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.field(field, format_args!("{value:?}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    fn capture(ring: &LogRing, f: impl FnOnce()) {
        let subscriber = tracing_subscriber::registry().with(ring.layer());
        tracing::subscriber::with_default(subscriber, f);
    }

    #[test]
    fn lines_carry_time_level_target_message_and_fields_newest_first() {
        let ring = LogRing::new(10);
        let before = Utc::now();
        capture(&ring, || {
            tracing::info!(seq = 7, kind = "ticket.issued", "event applied");
            tracing::warn!(target: "sanban_kiosk::sync", "platform unreachable");
        });
        let lines = ring.newest_first();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].level, "WARN");
        assert_eq!(lines[0].target, "sanban_kiosk::sync");
        assert_eq!(lines[0].message, "platform unreachable");
        assert_eq!(lines[1].level, "INFO");
        assert_eq!(lines[1].target, module_path!());
        assert_eq!(lines[1].message, "event applied seq=7 kind=ticket.issued");
        assert!(lines[1].at >= before && lines[0].at >= lines[1].at);
        assert!(lines[0].is_warning_or_worse() && !lines[0].is_error());
    }

    #[test]
    fn the_ring_keeps_only_the_last_lines() {
        let ring = LogRing::new(3);
        capture(&ring, || {
            for i in 0..10 {
                tracing::info!("line {i}");
            }
        });
        let messages: Vec<String> = ring.newest_first().into_iter().map(|l| l.message).collect();
        assert_eq!(messages, ["line 9", "line 8", "line 7"]);
    }

    #[test]
    fn a_long_message_is_cut_on_a_character_boundary() {
        let ring = LogRing::new(3);
        let long = "维".repeat(MAX_MESSAGE);
        capture(&ring, || tracing::error!("{long}"));
        let line = &ring.newest_first()[0];
        assert!(line.message.len() <= MAX_MESSAGE + '…'.len_utf8());
        assert!(line.message.ends_with('…'));
    }

    #[test]
    fn id_and_mobile_numbers_never_reach_the_ring() {
        let ring = LogRing::new(3);
        capture(&ring, || {
            tracing::warn!(phone = "13812345678", "read 110101199003074518 by mistake");
        });
        let line = &ring.newest_first()[0];
        assert_eq!(
            line.message,
            format!(
                "read {} by mistake phone={}",
                mask::ID_MASK,
                mask::PHONE_MASK
            )
        );
    }
}
