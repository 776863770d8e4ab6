//! The simulated printer's mechanism: it works through the receive buffer in order, one command or character at
//! a time, feeding the paper each one needs (the [`PaperModel`]), answering the non-real-time queries (`GS r`,
//! `GS I`) only when it reaches them, and collecting what it printed into jobs (a cut ends a job).
//!
//! Pure state: the simulator's engine thread turns each [`Action::Feed`] into real time at the configured speed
//! and tells the engine how much paper there was ([`EngineState::paper_for`]).

use std::collections::VecDeque;

use super::command::{ESC, GS};
use super::coverage::PrinterFont;
use super::render::PaperModel;
use super::status::{PaperLevel, PrinterStatus};

/// What the engine does next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Send these bytes to the host (a `GS r` or `GS I` answer).
    Reply(Vec<u8>),
    /// Feed `dots` of paper; `ends_job`: this unit was a cut, and once fed the job is complete.
    Feed { dots: u32, ends_job: bool },
}

/// A feed interrupted by a stop (paper out, cover open): the rest is fed once the printer can print again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stall {
    pub dots: u32,
    pub ends_job: bool,
}

pub(crate) struct EngineState {
    /// Bytes received and not yet processed (the printer's receive buffer), in order.
    pub buffer: VecDeque<u8>,
    /// The job being printed: every processed byte since the last cut, queries excepted.
    pub current: Vec<u8>,
    /// Complete jobs, each ending with its cut.
    pub jobs: Vec<Vec<u8>>,
    /// A feed to finish before anything else.
    pub stalled: Option<Stall>,
    /// Dots of paper left on the roll; `None`: plenty.
    pub paper_left: Option<u32>,
    /// Firmware without `GS r`: the query is read and ignored.
    pub legacy: bool,
    /// What `GS I 69` answers and which characters render.
    pub font: PrinterFont,
    model: PaperModel,
}

impl Default for EngineState {
    fn default() -> Self {
        EngineState {
            buffer: VecDeque::new(),
            current: Vec::new(),
            jobs: Vec::new(),
            stalled: None,
            paper_left: None,
            legacy: false,
            font: PrinterFont::Gb18030,
            model: PaperModel::new(),
        }
    }
}

impl EngineState {
    /// Power lost: the buffer, the job in progress and the mechanism's settings are gone; printed jobs stay.
    pub(crate) fn power_cut(&mut self) {
        self.buffer.clear();
        self.current.clear();
        self.stalled = None;
        self.model = PaperModel::new();
    }

    /// Take the next complete unit from the buffer and act on it; `None` when the buffer holds no complete
    /// unit. Queries the engine ignores are consumed and the next unit is taken.
    pub(crate) fn next_action(&mut self, status: &PrinterStatus) -> Option<Action> {
        loop {
            let buf = self.buffer.make_contiguous();
            let n = self.model.unit_len(buf)?;
            let unit: Vec<u8> = self.buffer.drain(..n).collect();
            match unit.as_slice() {
                // GS r n, n = 1 or 49: paper sensor status, answered when reached, i.e. once everything before
                // it has printed. Bits 0+1 paper near end, bits 2+3 paper end; bits 4 and 7 are 0, which tells
                // it apart from DLE EOT replies (0xx1xx10) in the same stream.
                [GS, b'r', 1 | 49] if !self.legacy => {
                    return Some(Action::Reply(vec![gs_r_paper(status)]))
                }
                [GS, b'r', _] => continue,
                [GS, b'I', 69] => return Some(Action::Reply(font_id_reply(self.font))),
                [GS, b'I', _] => continue,
                _ => {}
            }
            let before = self.model.fed();
            self.model.step(&unit);
            self.current.extend_from_slice(&unit);
            let ends_job = matches!(unit.as_slice(), [GS, b'V', ..] | [ESC, b'i'] | [ESC, b'm']);
            let dots = self.model.fed().saturating_sub(before);
            return Some(Action::Feed { dots, ends_job });
        }
    }

    /// How many of `dots` the roll still has; takes them off the roll. Fewer than asked: the paper ran out.
    pub(crate) fn paper_for(&mut self, dots: u32) -> u32 {
        match &mut self.paper_left {
            None => dots,
            Some(left) => {
                let got = dots.min(*left);
                *left -= got;
                got
            }
        }
    }

    /// The cut's feed is done: the job is complete.
    pub(crate) fn finish_job(&mut self) {
        self.jobs.push(std::mem::take(&mut self.current));
    }
}

fn gs_r_paper(status: &PrinterStatus) -> u8 {
    match status.paper {
        PaperLevel::Ok => 0x00,
        PaperLevel::NearEnd => 0x03,
        PaperLevel::Out => 0x0F,
    }
}

/// What `GS I 69` answers: header 5F, the font name, NUL.
fn font_id_reply(font: PrinterFont) -> Vec<u8> {
    match font {
        PrinterFont::Gb18030 => b"_CHINA GB18030\0".to_vec(),
        PrinterFont::Gb2312 => b"_CHINA GB2312\0".to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(bytes: &[u8]) -> EngineState {
        let mut e = EngineState::default();
        e.buffer.extend(bytes);
        e
    }

    fn drain(e: &mut EngineState) -> Vec<Action> {
        let status = PrinterStatus::default();
        let mut out = Vec::new();
        while let Some(a) = e.next_action(&status) {
            if let Action::Feed { ends_job: true, .. } = a {
                e.finish_job();
            }
            out.push(a);
        }
        out
    }

    #[test]
    fn lines_feed_paper_and_the_completion_query_waits_its_turn() {
        let mut e = engine(b"\x1b3\x20AB\n\x1dVB\x03\x1dr\x01");
        let actions = drain(&mut e);
        let fed: u32 = actions
            .iter()
            .map(|a| match a {
                Action::Feed { dots, .. } => *dots,
                Action::Reply(_) => 0,
            })
            .sum();
        // the line, the cut's own line feed, its 3 dots and the way to the knife
        assert_eq!(fed, 32 + 32 + 3 + crate::printer::CUT_FEED_DOTS);
        assert_eq!(
            actions.last(),
            Some(&Action::Reply(vec![0x00])),
            "answered after the cut"
        );
        assert_eq!(
            e.jobs,
            vec![b"\x1b3\x20AB\n\x1dVB\x03".to_vec()],
            "the query is not part of the job"
        );
    }

    #[test]
    fn legacy_firmware_ignores_gs_r_but_answers_gs_i() {
        let mut e = engine(b"\x1dr\x01\x1dIE");
        e.legacy = true;
        e.font = PrinterFont::Gb2312;
        assert_eq!(
            drain(&mut e),
            vec![Action::Reply(b"_CHINA GB2312\0".to_vec())]
        );
    }

    #[test]
    fn incomplete_units_wait_for_more_bytes() {
        let mut e = engine(&[0xB0]); // half a GB18030 character
        assert_eq!(e.next_action(&PrinterStatus::default()), None);
        e.buffer.extend([0xEC, b'\n']);
        assert!(matches!(
            e.next_action(&PrinterStatus::default()),
            Some(Action::Feed { dots: 0, .. })
        ));
        assert!(matches!(
            e.next_action(&PrinterStatus::default()),
            Some(Action::Feed { dots: 30, .. })
        ));
    }

    #[test]
    fn the_roll_runs_out_where_told() {
        let mut e = EngineState {
            paper_left: Some(100),
            ..Default::default()
        };
        assert_eq!(e.paper_for(60), 60);
        assert_eq!(e.paper_for(60), 40);
        assert_eq!(e.paper_for(1), 0);
        e.paper_left = None;
        assert_eq!(e.paper_for(1000), 1000);
    }
}
