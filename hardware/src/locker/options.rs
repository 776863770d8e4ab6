//! How a bus talks on its line, with defaults for 9600-baud lock boards.

use std::time::Duration;

use super::LockerError;

/// Whether the RS-485 adapter hands back every byte the host sends (see [`super::echo`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EchoMode {
    /// Learn it from the line: the first read of a board tells (the default).
    #[default]
    Auto,
    /// The adapter echoes: drop the copy of each command that comes back first.
    On,
    /// The adapter does not echo: every byte that comes back is a board's.
    Off,
}

impl std::str::FromStr for EchoMode {
    type Err = LockerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(EchoMode::Auto),
            "on" | "yes" | "true" => Ok(EchoMode::On),
            "off" | "no" | "false" => Ok(EchoMode::Off),
            other => Err(LockerError::Config(format!(
                "locker echo {other:?}: expected \"auto\", \"on\" or \"off\""
            ))),
        }
    }
}

/// Timing and echo handling of one bus. `BusOptions::default()` suits 9600-baud boards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusOptions {
    /// Echo handling; [`EchoMode::Auto`] unless the adapter is known.
    pub echo: EchoMode,
    /// Least quiet time on the line before the host sends a frame, counted from the last byte sent or heard.
    ///
    /// Default 20 ms. Modbus RTU's rule is 3.5 character times (3.6 ms at 9600 8N1), but the small controllers on
    /// lock boards often find a frame's end with a software timer of about 10 ms and need a moment to turn their
    /// transceiver around after answering; 20 ms covers both and still puts an open command on the wire within
    /// 20 + 5.2 ms of the previous frame, well inside the 50 ms pickup budget.
    pub frame_gap: Duration,
    /// How long to wait for a board's answer before sending again (boards answer within ~50 ms; a 7-byte answer
    /// takes 7.3 ms at 9600).
    pub reply_timeout: Duration,
    /// Times a command is sent before the board counts as not answering. Both commands are safe to repeat: a lock
    /// fired twice only clicks twice.
    pub attempts: u8,
    /// How long after the pulse the door has to read open before it counts as jammed. An opening later than
    /// this is not the pulse's doing (the open call has already said "jammed"): it is reported as unexpected.
    pub confirm_timeout: Duration,
    /// While waiting for a door (opening it, or [`super::LockerBus::wait_closed`]), read its board this often, in
    /// case a pushed change was lost or the board does not push.
    pub sensor_poll: Duration,
    /// A door's last reading younger than this is trusted as its state before a pulse; an older one makes
    /// `open` read the board first (one more exchange before the pulse, ~25 ms at 9600). Keep the app's board
    /// poll shorter than this so opening never waits for a read.
    pub fresh_reading: Duration,
}

impl Default for BusOptions {
    fn default() -> Self {
        BusOptions {
            echo: EchoMode::Auto,
            frame_gap: Duration::from_millis(20),
            reply_timeout: Duration::from_millis(300),
            attempts: 2,
            confirm_timeout: Duration::from_millis(1500),
            sensor_poll: Duration::from_millis(200),
            fresh_reading: Duration::from_secs(10),
        }
    }
}

impl BusOptions {
    /// Refuse settings that would make the bus hang or never answer.
    pub fn check(&self) -> Result<(), LockerError> {
        let bad = |what: &str| Err(LockerError::Config(format!("locker bus: {what}")));
        if self.attempts == 0 {
            return bad("attempts must be at least 1");
        }
        if self.reply_timeout.is_zero() {
            return bad("reply_timeout must be more than zero");
        }
        if self.sensor_poll.is_zero() {
            return bad("sensor_poll must be more than zero");
        }
        if self.frame_gap > Duration::from_secs(1) {
            return bad("frame_gap above 1 s would stall the line");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_mode_parses_from_config() {
        assert_eq!("Auto".parse::<EchoMode>().unwrap(), EchoMode::Auto);
        assert_eq!(" on".parse::<EchoMode>().unwrap(), EchoMode::On);
        assert_eq!("off".parse::<EchoMode>().unwrap(), EchoMode::Off);
        assert!("maybe"
            .parse::<EchoMode>()
            .unwrap_err()
            .to_string()
            .contains("\"auto\""));
    }

    #[test]
    fn defaults_pass_and_nonsense_is_refused() {
        BusOptions::default().check().unwrap();
        let zero_attempts = BusOptions {
            attempts: 0,
            ..BusOptions::default()
        };
        assert!(zero_attempts.check().is_err());
        let no_wait = BusOptions {
            reply_timeout: Duration::ZERO,
            ..BusOptions::default()
        };
        assert!(no_wait.check().is_err());
    }
}
