//! The mock clock: every `created`, cooldown, expiry and generated transaction date reads it.
//!
//! Mock time is real time plus an offset, or a frozen instant. QA freezes and advances it
//! through the control API; nothing in fcmock reads the system clock directly.

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// How mock time relates to real time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClockState {
    /// Real time shifted by this many seconds.
    Running {
        /// Seconds added to the system clock.
        offset: i64,
    },
    /// Time stands still at this Unix timestamp.
    Frozen {
        /// The frozen instant.
        at: i64,
    },
}

/// A clock move outside years 0 to 9999, which Stripe's timestamps cannot express.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockOutOfRange;

/// Unix seconds of 0000-01-01 and 9999-12-31.
const EARLIEST: i64 = -62_167_219_200;
const LATEST: i64 = 253_402_300_799;

fn in_range(t: i64) -> bool {
    (EARLIEST..=LATEST).contains(&t)
}

/// A shared mock clock.
#[derive(Debug)]
pub struct Clock {
    state: RwLock<ClockState>,
}

fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Clock {
    /// A clock that follows real time, or stands frozen at `frozen_at`.
    pub fn new(frozen_at: Option<i64>) -> Self {
        let state = match frozen_at {
            Some(at) => ClockState::Frozen { at },
            None => ClockState::Running { offset: 0 },
        };
        Clock {
            state: RwLock::new(state),
        }
    }

    /// The current mock time, in Unix seconds.
    pub fn now(&self) -> i64 {
        match *self.state.read() {
            ClockState::Running { offset } => system_now().saturating_add(offset),
            ClockState::Frozen { at } => at,
        }
    }

    /// Freezes mock time at `at` (Unix seconds, years 0 to 9999).
    pub fn freeze_at(&self, at: i64) -> Result<(), ClockOutOfRange> {
        if !in_range(at) {
            return Err(ClockOutOfRange);
        }
        *self.state.write() = ClockState::Frozen { at };
        Ok(())
    }

    /// Moves mock time forward (or back, with a negative value), frozen or not. Refuses a
    /// move that would leave mock time outside years 0 to 9999.
    pub fn advance(&self, seconds: i64) -> Result<(), ClockOutOfRange> {
        let mut state = self.state.write();
        let moved = match *state {
            ClockState::Running { offset } => offset
                .checked_add(seconds)
                .map(|offset| ClockState::Running { offset }),
            ClockState::Frozen { at } => {
                at.checked_add(seconds).map(|at| ClockState::Frozen { at })
            }
        };
        let moved = moved.ok_or(ClockOutOfRange)?;
        let now = match moved {
            ClockState::Running { offset } => system_now().checked_add(offset),
            ClockState::Frozen { at } => Some(at),
        };
        if !now.is_some_and(in_range) {
            return Err(ClockOutOfRange);
        }
        *state = moved;
        Ok(())
    }

    /// Lets mock time run again from where it stands.
    pub fn unfreeze(&self) {
        let mut state = self.state.write();
        if let ClockState::Frozen { at } = *state {
            *state = ClockState::Running {
                offset: at - system_now(),
            };
        }
    }

    /// The state, for the control API and state export.
    pub fn state(&self) -> ClockState {
        *self.state.read()
    }

    /// Restores a state saved by [`Clock::state`].
    pub fn restore(&self, state: ClockState) {
        *self.state.write() = state;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_clock_advances_only_when_told() {
        let clock = Clock::new(Some(1_700_000_000));
        assert_eq!(clock.now(), 1_700_000_000);
        clock.advance(86_400).expect("in range");
        assert_eq!(clock.now(), 1_700_086_400);
        assert_eq!(clock.advance(i64::MAX), Err(ClockOutOfRange));
        assert_eq!(clock.freeze_at(i64::MAX), Err(ClockOutOfRange));
        assert_eq!(clock.now(), 1_700_086_400);
        clock.unfreeze();
        assert!((clock.now() - 1_700_086_400).abs() <= 1);
    }
}
