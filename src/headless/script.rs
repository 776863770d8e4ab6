//! The script runner: plays citizen actions through the real UI, one per line, and reports each step as a JSON
//! line. The same scripts serve the tests, acceptance checks on a kiosk and soak runs.
//!
//! ```text
//! tap LABEL            the one visible element with that accessible label (scrolled into view first)
//! type TEXT            taps the on-screen keyboard's keys, one per character (a space is the key "空格")
//! wait PAGE [SECONDS]  until that page is on screen (default 10 s)
//! see TEXT             until visible text contains TEXT (default 10 s)
//! card [SECONDS]       until the identity step on screen has read the card and moved on (default 20 s)
//! hold LABEL SECONDS   a long press
//! shot NAME            the screen as NAME.png in the shots directory
//! sleep SECONDS
//! # a comment
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use slint::ComponentHandle;

use super::driver::{self, sleep, wait_until};
use crate::app::KioskApp;
use crate::ui::{AppWindow, IdentityAdapter, IdentityState, Nav};

/// One parsed line.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Tap(String),
    Type(String),
    Wait(String, Duration),
    See(String, Duration),
    Card(Duration),
    Hold(String, Duration),
    Shot(String),
    Sleep(Duration),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// 1-based line number in the script.
    pub line: usize,
    /// The line as written.
    pub text: String,
    pub action: Action,
}

/// Parse a script; errors name the line.
pub fn parse(script: &str) -> anyhow::Result<Vec<Step>> {
    let mut steps = Vec::new();
    for (i, raw) in script.lines().enumerate() {
        let line = i + 1;
        let text = raw.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let (command, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let rest = rest.trim();
        let seconds = |s: &str, default: f64| -> anyhow::Result<Duration> {
            if s.is_empty() {
                return Ok(Duration::from_secs_f64(default));
            }
            let v: f64 = s
                .parse()
                .map_err(|_| anyhow::anyhow!("line {line}: {s:?} is not a number of seconds"))?;
            anyhow::ensure!(
                (0.0..=3600.0).contains(&v),
                "line {line}: {v} s is out of range"
            );
            Ok(Duration::from_secs_f64(v))
        };
        let need = |what: &str| -> anyhow::Result<String> {
            anyhow::ensure!(!rest.is_empty(), "line {line}: `{command}` needs {what}");
            Ok(rest.to_string())
        };
        // For `wait PAGE [S]` and `hold LABEL S` the number is the last word.
        let split_last = |s: &str| -> (String, String) {
            match s.rsplit_once(char::is_whitespace) {
                Some((a, b)) if b.parse::<f64>().is_ok() => (a.trim().to_string(), b.to_string()),
                _ => (s.to_string(), String::new()),
            }
        };
        let action = match command {
            "tap" => Action::Tap(need("a label")?),
            "type" => Action::Type(need("text")?),
            "see" => Action::See(need("text")?, Duration::from_secs(10)),
            "wait" => {
                let (page, secs) = split_last(&need("a page")?);
                Action::Wait(page, seconds(&secs, 10.0)?)
            }
            "card" => Action::Card(seconds(rest, 20.0)?),
            "hold" => {
                let (label, secs) = split_last(&need("a label and seconds")?);
                anyhow::ensure!(!secs.is_empty(), "line {line}: `hold` needs seconds");
                Action::Hold(label, seconds(&secs, 0.0)?)
            }
            "shot" => Action::Shot(need("a name")?),
            "sleep" => Action::Sleep(seconds(&need("seconds")?, 0.0)?),
            other => anyhow::bail!(
                "line {line}: unknown command {other:?} (tap, type, wait, see, card, hold, shot, sleep)"
            ),
        };
        steps.push(Step {
            line,
            text: text.to_string(),
            action,
        });
    }
    Ok(steps)
}

/// One step's outcome, printed as a JSON line.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub line: usize,
    pub step: String,
    pub ok: bool,
    pub ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// At a failure: the page and every visible text, to see what the citizen saw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub visible: Vec<String>,
}

/// Where the runner writes and reports.
pub struct Options {
    pub shots: Option<PathBuf>,
    /// Print each step's JSON line on stdout as it ends.
    pub print: bool,
}

/// Run `steps` against the app; stops at the first failing step. Returns every step's report.
pub async fn run(app: &KioskApp, steps: &[Step], options: &Options) -> Vec<StepReport> {
    let w = &app.window;
    let mut reports = Vec::new();
    for step in steps {
        let started = Instant::now();
        let outcome = perform(w, &step.action, options).await;
        let mut report = StepReport {
            line: step.line,
            step: step.text.clone(),
            ok: outcome.is_ok(),
            ms: (started.elapsed().as_secs_f64() * 1e4).round() / 10.0,
            error: outcome.as_ref().err().map(|e| format!("{e:#}")),
            page: None,
            visible: Vec::new(),
        };
        if outcome.is_err() {
            report.page = Some(w.global::<Nav>().get_page().to_string());
            report.visible = driver::visible_texts(w);
        }
        if options.print {
            println!(
                "{}",
                serde_json::to_string(&report).unwrap_or_else(|_| "{}".into())
            );
        }
        let failed = !report.ok;
        reports.push(report);
        if failed {
            break;
        }
    }
    reports
}

/// How long `tap` waits for its label to appear (pages change after asynchronous work: a card read, a print).
const TAP_WAIT: Duration = Duration::from_secs(5);

async fn perform(w: &AppWindow, action: &Action, options: &Options) -> anyhow::Result<()> {
    match action {
        Action::Tap(label) => {
            wait_for_label(w, label).await?;
            driver::tap(w, label).await
        }
        Action::Type(text) => {
            for c in text.chars() {
                let key = if c == ' ' {
                    "空格".to_string()
                } else {
                    c.to_lowercase().to_string()
                };
                wait_for_label(w, &key).await?;
                driver::tap(w, &key).await?;
            }
            Ok(())
        }
        Action::Wait(page, timeout) => wait_until(w, &format!("page {page}"), *timeout, |w| {
            w.global::<Nav>().get_page() == page.as_str()
        })
        .await
        .map(|_| ()),
        Action::See(text, timeout) => wait_until(w, &format!("text {text:?}"), *timeout, |w| {
            driver::visible_texts(w)
                .iter()
                .any(|t| t.contains(text.as_str()))
        })
        .await
        .map(|_| ()),
        Action::Card(timeout) => card(w, *timeout).await,
        Action::Hold(label, d) => {
            wait_for_label(w, label).await?;
            driver::hold(w, label, *d).await
        }
        Action::Shot(name) => match &options.shots {
            Some(dir) => {
                sleep(Duration::from_millis(30)).await; // let the frame settle
                super::snapshot_png(w, &dir.join(format!("{name}.png")))
            }
            None => Ok(()),
        },
        Action::Sleep(d) => {
            sleep(*d).await;
            Ok(())
        }
    }
}

async fn wait_for_label(w: &AppWindow, label: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    loop {
        match driver::find(w, label) {
            Ok(_) => return Ok(()),
            // Perhaps further down a scrolling page: the tap will swipe to it.
            Err(_) if start.elapsed() > TAP_WAIT / 5 && driver::any_scroll_area(w) => return Ok(()),
            Err(e) if start.elapsed() > TAP_WAIT => return Err(e),
            Err(_) => sleep(Duration::from_millis(20)).await,
        }
    }
}

/// The identity step reads the card and moves on; a step that stops (read failure, expired card, no reader)
/// fails with what it says.
async fn card(w: &AppWindow, timeout: Duration) -> anyhow::Result<()> {
    const PAGE: &str = crate::app::flows::identity::PAGE;
    wait_until(w, "the identity step", Duration::from_secs(3), |w| {
        w.global::<Nav>().get_page() == PAGE
    })
    .await?;
    let start = Instant::now();
    loop {
        if w.global::<Nav>().get_page() != PAGE {
            return Ok(());
        }
        let state = w.global::<IdentityAdapter>().get_state();
        let stuck = match state {
            IdentityState::Failed => Some("the card could not be read"),
            IdentityState::Expired => Some("the card has expired"),
            IdentityState::Unavailable => Some("no card reader"),
            IdentityState::Waiting | IdentityState::Read => None,
        };
        if let Some(why) = stuck {
            anyhow::bail!("identity step stopped: {why}");
        }
        if start.elapsed() > timeout {
            anyhow::bail!("no card read within {timeout:?} (is a card on the reader?)");
        }
        sleep(Duration::from_millis(20)).await;
    }
}

/// `sanban-kiosk run --headless --script FILE [--shots DIR]`: the outcome of the whole script.
pub fn failed(reports: &[StepReport]) -> bool {
    reports.iter().any(|r| !r.ok)
}

/// Read and parse a script file.
pub fn load(path: &Path) -> anyhow::Result<Vec<Step>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read script {}: {e}", path.display()))?;
    parse(&text).map_err(|e| anyhow::anyhow!("script {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command_and_names_the_bad_line() {
        let steps = parse(
            "# a ticket\ntap 取号\ntype ylbx\nwait guide.detail 5\nwait home.main\nsee 前面还有\ncard\ncard 20\nhold 维护 3\nshot home\nsleep 0.5\n",
        )
        .unwrap();
        let actions: Vec<_> = steps.iter().map(|s| s.action.clone()).collect();
        assert_eq!(
            actions,
            vec![
                Action::Tap("取号".into()),
                Action::Type("ylbx".into()),
                Action::Wait("guide.detail".into(), Duration::from_secs(5)),
                Action::Wait("home.main".into(), Duration::from_secs(10)),
                Action::See("前面还有".into(), Duration::from_secs(10)),
                Action::Card(Duration::from_secs(20)),
                Action::Card(Duration::from_secs(20)),
                Action::Hold("维护".into(), Duration::from_secs(3)),
                Action::Shot("home".into()),
                Action::Sleep(Duration::from_millis(500)),
            ]
        );
        assert_eq!(steps[0].line, 2, "comments count as lines");
        let e = parse("tap 取号\njump 3\n").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("jump"), "{e}");
        assert!(parse("hold 维护").is_err());
        assert!(parse("sleep soon")
            .unwrap_err()
            .to_string()
            .contains("line 1"));
        // A label may contain spaces; only a trailing number is read as seconds.
        assert_eq!(
            parse("tap Take a ticket").unwrap()[0].action,
            Action::Tap("Take a ticket".into())
        );
    }
}
