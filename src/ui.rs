//! The compiled Slint UI (ui/app-window.slint). Rust reaches it only through its Adapter globals.
#![allow(clippy::all)]
slint::include_modules!();
