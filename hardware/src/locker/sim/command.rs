//! The simulator's command language, one command a line (what `sanban-kiosk device sim locker` reads on stdin).

use std::time::Duration;

use super::model::Citizen;
use crate::locker::LockerError;

/// The one-line help the technician's CLI prints.
pub const HELP: &str = "Commands: close <door> | force <door> | jam <door> on|off | sensor <door> ok|broken | \
citizen <door> <open-ms> [<shut-ms>|never] | echo on|off | push on|off | silent on|off [<board>] | noise <hex bytes> | state | log | help";

/// One simulator command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimCommand {
    /// `close <door>`: a citizen shuts the door; the lock latches and the board pushes the change.
    Close(u16),
    /// `force <door>`: the door is pulled open with no command (an unexpected opening).
    Force(u16),
    /// `jam <door> on|off`: the lock clicks but the door stays shut.
    Jam(u16, bool),
    /// `sensor <door> ok|broken`: a broken sensor wire reads open whatever the door does.
    SensorBroken(u16, bool),
    /// `citizen <door> <open-ms> [<shut-ms>|never]`: what the citizen at that door does once it is released.
    Citizen(u16, Citizen),
    /// `echo on|off`: the RS-485 adapter hands the host's bytes back.
    Echo(bool),
    /// `push on|off`: boards push door changes by themselves (off: the host must read to find them).
    Push(bool),
    /// `silent on|off [<board>]`: a board (or every board) stops answering, as if unpowered.
    Silent(bool, Option<u8>),
    /// `noise <hex bytes>`: raw bytes on the line, e.g. `noise 00 FF 82`.
    Noise(Vec<u8>),
    /// `state`: every door, and the line.
    State,
    /// `log`: what happened to the doors lately.
    Log,
    /// `help`: the command list.
    Help,
}

fn bad(line: &str, why: &str) -> LockerError {
    LockerError::Config(format!("simulator command {line:?}: {why} ({HELP})"))
}

fn on_off(word: &str, line: &str) -> Result<bool, LockerError> {
    match word {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(bad(line, "expected on or off")),
    }
}

fn number<N: std::str::FromStr>(word: &str, line: &str, what: &str) -> Result<N, LockerError> {
    word.parse()
        .map_err(|_| bad(line, &format!("{what} expected, got {word:?}")))
}

impl std::str::FromStr for SimCommand {
    type Err = LockerError;

    fn from_str(line: &str) -> Result<Self, Self::Err> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let door = |w: &str| number::<u16>(w, line, "door number");
        let ms = |w: &str| number::<u64>(w, line, "milliseconds").map(Duration::from_millis);
        Ok(match words.as_slice() {
            ["close", d] => SimCommand::Close(door(d)?),
            ["force", d] => SimCommand::Force(door(d)?),
            ["jam", d, on] => SimCommand::Jam(door(d)?, on_off(on, line)?),
            ["sensor", d, "ok"] => SimCommand::SensorBroken(door(d)?, false),
            ["sensor", d, "broken"] => SimCommand::SensorBroken(door(d)?, true),
            ["citizen", d, open] => SimCommand::Citizen(
                door(d)?,
                Citizen {
                    opens_after: ms(open)?,
                    shuts_after: None,
                },
            ),
            ["citizen", d, open, shut] => SimCommand::Citizen(
                door(d)?,
                Citizen {
                    opens_after: ms(open)?,
                    shuts_after: match *shut {
                        "never" => None,
                        m => Some(ms(m)?),
                    },
                },
            ),
            ["echo", on] => SimCommand::Echo(on_off(on, line)?),
            ["push", on] => SimCommand::Push(on_off(on, line)?),
            ["silent", on] => SimCommand::Silent(on_off(on, line)?, None),
            ["silent", on, b] => {
                SimCommand::Silent(on_off(on, line)?, Some(number(b, line, "board address")?))
            }
            ["noise", hex @ ..] if !hex.is_empty() => SimCommand::Noise(
                hex.iter()
                    .map(|h| {
                        u8::from_str_radix(h, 16)
                            .map_err(|_| bad(line, &format!("hex byte expected, got {h:?}")))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            ["state"] => SimCommand::State,
            ["log"] => SimCommand::Log,
            ["help"] => SimCommand::Help,
            _ => return Err(bad(line, "unknown command")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> SimCommand {
        s.parse().unwrap()
    }

    #[test]
    fn every_command_of_the_help_parses() {
        assert_eq!(parse("close 3"), SimCommand::Close(3));
        assert_eq!(parse("force 17"), SimCommand::Force(17));
        assert_eq!(parse("jam 2 on"), SimCommand::Jam(2, true));
        assert_eq!(parse("sensor 2 broken"), SimCommand::SensorBroken(2, true));
        assert_eq!(parse(" sensor  2 ok "), SimCommand::SensorBroken(2, false));
        assert_eq!(
            parse("citizen 4 300 2000"),
            SimCommand::Citizen(
                4,
                Citizen {
                    opens_after: Duration::from_millis(300),
                    shuts_after: Some(Duration::from_secs(2))
                }
            )
        );
        assert_eq!(
            parse("citizen 4 300 never"),
            parse("citizen 4 300"),
            "never shutting is the default"
        );
        assert_eq!(parse("echo on"), SimCommand::Echo(true));
        assert_eq!(parse("push off"), SimCommand::Push(false));
        assert_eq!(parse("silent on"), SimCommand::Silent(true, None));
        assert_eq!(parse("silent off 2"), SimCommand::Silent(false, Some(2)));
        assert_eq!(
            parse("noise 00 ff 82"),
            SimCommand::Noise(vec![0x00, 0xFF, 0x82])
        );
        assert_eq!(parse("state"), SimCommand::State);
        assert_eq!(parse("log"), SimCommand::Log);
        assert_eq!(parse("help"), SimCommand::Help);
    }

    #[test]
    fn a_bad_command_says_what_is_wrong_and_shows_the_help() {
        let e = |s: &str| s.parse::<SimCommand>().unwrap_err().to_string();
        assert!(e("open 3").contains("unknown command"));
        assert!(e("close x").contains("door number expected"));
        assert!(e("jam 1 maybe").contains("on or off"));
        assert!(e("noise zz").contains("hex byte"));
        assert!(e("noise").contains(HELP));
    }
}
