//! The idle rule: after `idle` seconds without a touch a visible countdown starts; when it reaches zero the
//! session is wiped and the kiosk returns home. Driven by one-second ticks so it needs no clock of its own.

/// What the screen should show this second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleState {
    Active,
    /// The countdown is visible with this many seconds left.
    Countdown(u32),
    /// Time is up: wipe the session.
    Expired,
}

#[derive(Debug, Clone)]
pub struct IdleTracker {
    idle_seconds: u32,
    countdown_seconds: u32,
    quiet: u32,
}

impl IdleTracker {
    pub fn new(idle_seconds: u32, countdown_seconds: u32) -> Self {
        Self {
            idle_seconds,
            countdown_seconds,
            quiet: 0,
        }
    }

    /// New limits (a technician changed them); the quiet time so far still counts.
    pub fn set_limits(&mut self, idle_seconds: u32, countdown_seconds: u32) {
        self.idle_seconds = idle_seconds;
        self.countdown_seconds = countdown_seconds;
    }

    /// A touch: the citizen is here.
    pub fn touch(&mut self) {
        self.quiet = 0;
    }

    /// One more second without a touch.
    pub fn tick(&mut self) -> IdleState {
        self.quiet = self.quiet.saturating_add(1);
        self.state()
    }

    pub fn state(&self) -> IdleState {
        if self.quiet < self.idle_seconds {
            IdleState::Active
        } else {
            let into_countdown = self.quiet - self.idle_seconds;
            if into_countdown >= self.countdown_seconds {
                IdleState::Expired
            } else {
                IdleState::Countdown(self.countdown_seconds - into_countdown)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_limits_apply_to_the_quiet_time_so_far() {
        let mut t = IdleTracker::new(10, 5);
        for _ in 0..4 {
            assert_eq!(t.tick(), IdleState::Active);
        }
        t.set_limits(3, 2);
        assert_eq!(t.state(), IdleState::Countdown(1));
        assert_eq!(t.tick(), IdleState::Expired);
    }

    #[test]
    fn counts_down_then_expires_and_a_touch_resets() {
        let mut t = IdleTracker::new(3, 2);
        assert_eq!(t.tick(), IdleState::Active);
        assert_eq!(t.tick(), IdleState::Active);
        assert_eq!(t.tick(), IdleState::Countdown(2));
        assert_eq!(t.tick(), IdleState::Countdown(1));
        t.touch();
        assert_eq!(t.tick(), IdleState::Active);
        for _ in 0..3 {
            t.tick();
        }
        assert_eq!(t.tick(), IdleState::Expired);
    }
}
