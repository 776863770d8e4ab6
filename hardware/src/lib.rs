//! Sanban device drivers and simulators.
//!
//! Each device speaks its wire protocol (see `hardware-protocols.md`) over a [`transport::Transport`]; each has a
//! simulator that speaks the same bytes over a pseudo-terminal. Nothing here knows about the UI or the database.

pub mod idcard;
pub mod locker;
pub mod printer;
mod pty;
pub mod transport;
