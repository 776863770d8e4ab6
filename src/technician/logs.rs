//! 最近日志: the running kiosk's recent log lines (the in-memory ring of [`crate::logbook`]), newest first,
//! filtered by level. Only the running app holds the ring; over SSH the same lines (and older ones) are in the
//! journal: `journalctl -u sanban-kiosk`.

use serde::Serialize;

use crate::logbook::{LogLine, LogRing};

/// Which lines to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelChoice {
    /// 全部
    All,
    /// 警告: warnings and errors.
    Warnings,
    /// 错误
    Errors,
}

impl LevelChoice {
    pub fn parse(name: &str) -> Option<LevelChoice> {
        match name {
            "all" => Some(LevelChoice::All),
            "warn" => Some(LevelChoice::Warnings),
            "error" => Some(LevelChoice::Errors),
            _ => None,
        }
    }

    fn admits(self, line: &LogLine) -> bool {
        match self {
            LevelChoice::All => true,
            LevelChoice::Warnings => line.is_warning_or_worse(),
            LevelChoice::Errors => line.is_error(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogReport {
    pub choice: LevelChoice,
    /// Lines the ring keeps at most.
    pub capacity: usize,
    /// Lines kept now, all levels.
    pub kept: usize,
    /// The chosen lines, newest first, at most `limit` of them.
    pub lines: Vec<LogLine>,
}

impl LogReport {
    /// The ring's lines of `choice`, newest first, at most `limit`.
    pub fn of(ring: &LogRing, choice: LevelChoice, limit: usize) -> LogReport {
        let all = ring.newest_first();
        let kept = all.len();
        let lines = all
            .into_iter()
            .filter(|l| choice.admits(l))
            .take(limit)
            .collect();
        LogReport {
            choice,
            capacity: ring.capacity(),
            kept,
            lines,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn line(i: u32, level: &'static str) -> LogLine {
        LogLine {
            at: Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, i).unwrap(),
            level,
            target: "sanban_kiosk::sync".into(),
            message: format!("line {i}"),
        }
    }

    fn ring() -> LogRing {
        let ring = LogRing::new(10);
        for (i, level) in ["INFO", "WARN", "ERROR", "INFO", "WARN"]
            .into_iter()
            .enumerate()
        {
            ring.push(line(i as u32, level));
        }
        ring
    }

    fn messages(r: &LogReport) -> Vec<&str> {
        r.lines.iter().map(|l| l.message.as_str()).collect()
    }

    #[test]
    fn all_levels_newest_first_up_to_the_limit() {
        let r = LogReport::of(&ring(), LevelChoice::All, 3);
        assert_eq!(messages(&r), ["line 4", "line 3", "line 2"]);
        assert_eq!((r.kept, r.capacity), (5, 10));
    }

    #[test]
    fn warnings_include_errors_and_errors_are_alone() {
        let ring = ring();
        let warnings = LogReport::of(&ring, LevelChoice::Warnings, 100);
        assert_eq!(messages(&warnings), ["line 4", "line 2", "line 1"]);
        let errors = LogReport::of(&ring, LevelChoice::Errors, 100);
        assert_eq!(messages(&errors), ["line 2"]);
    }

    #[test]
    fn level_choices_parse_from_the_page_names() {
        assert_eq!(LevelChoice::parse("all"), Some(LevelChoice::All));
        assert_eq!(LevelChoice::parse("warn"), Some(LevelChoice::Warnings));
        assert_eq!(LevelChoice::parse("error"), Some(LevelChoice::Errors));
        assert_eq!(LevelChoice::parse("debug"), None);
    }
}
