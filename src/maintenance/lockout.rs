//! The maintenance pad's lock-out: the first wrong tries cost nothing; from the fifth wrong try in a row the pad
//! locks, one minute, then twice as long after each further wrong try, up to an hour. A right PIN or code resets
//! it. The state lives in the kiosk database (`store::maintenance`), so pulling the plug does not reset it.

use chrono::{DateTime, Duration, Utc};

use crate::store::maintenance::PadRow;

/// Wrong tries in a row that lock the pad.
pub const FREE_TRIES: u32 = 5;
/// The first lock; each further wrong try doubles it.
pub const FIRST_LOCK_SECS: i64 = 60;
/// The longest lock: a technician with the right PIN must still get in the same hour.
pub const MAX_LOCK_SECS: i64 = 60 * 60;

/// How long the pad locks after `failures` wrong tries in a row (`None`: not locked).
pub fn lock_length(failures: u32) -> Option<Duration> {
    if failures < FREE_TRIES {
        return None;
    }
    let doublings = (failures - FREE_TRIES).min(16);
    let secs = (FIRST_LOCK_SECS << doublings).min(MAX_LOCK_SECS);
    Some(Duration::seconds(secs))
}

/// Until when the pad refuses every try, if it does at `now`.
pub fn locked_until(pad: &PadRow, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    pad.locked_until.filter(|until| *until > now)
}

/// The pad after a wrong try at `now`.
pub fn after_failure(pad: &PadRow, now: DateTime<Utc>) -> PadRow {
    let failures = pad.failures.saturating_add(1);
    PadRow {
        failures,
        locked_until: lock_length(failures).map(|d| now + d),
        last_code_window: pad.last_code_window,
    }
}

/// The pad after a right PIN or code (`code_window`: the window of the code used, so it works only once).
pub fn after_success(pad: &PadRow, code_window: Option<u64>) -> PadRow {
    PadRow {
        failures: 0,
        locked_until: None,
        last_code_window: code_window.or(pad.last_code_window),
    }
}

/// Tries left before the pad locks.
pub fn tries_left(pad: &PadRow) -> u32 {
    FREE_TRIES.saturating_sub(pad.failures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_wrong_tries_are_free_the_fifth_locks_and_each_next_doubles_up_to_an_hour() {
        let now = Utc::now();
        let mut pad = PadRow::default();
        for n in 1..=4 {
            pad = after_failure(&pad, now);
            assert_eq!(pad.failures, n);
            assert_eq!(locked_until(&pad, now), None, "try {n} is free");
        }
        assert_eq!(tries_left(&pad), 1);
        let expected = [1, 2, 4, 8, 16, 32, 60, 60];
        for minutes in expected {
            pad = after_failure(&pad, now);
            assert_eq!(
                locked_until(&pad, now),
                Some(now + Duration::minutes(minutes)),
                "after {} wrong tries",
                pad.failures
            );
        }
        assert_eq!(
            locked_until(&pad, now + Duration::minutes(61)),
            None,
            "the lock ends"
        );
        assert_eq!(lock_length(u32::MAX), Some(Duration::hours(1)));
    }

    #[test]
    fn a_success_resets_the_count_and_remembers_the_code_window() {
        let now = Utc::now();
        let mut pad = PadRow::default();
        for _ in 0..6 {
            pad = after_failure(&pad, now);
        }
        let ok = after_success(&pad, Some(7));
        assert_eq!(ok.failures, 0);
        assert_eq!(ok.locked_until, None);
        assert_eq!(ok.last_code_window, Some(7));
        assert_eq!(after_success(&ok, None).last_code_window, Some(7));
        assert_eq!(after_failure(&ok, now).last_code_window, Some(7));
    }
}
