//! Sanban (三办) kiosk: the touchscreen app and its services.
//!
//! Layers, dependencies flowing one way: `app` (controllers between the Slint UI and services) → `store`,
//! `receipts`, `devices` → the `sanban-hardware` drivers and the `sanban-wire` API types.

pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod devices;
pub mod headless;
pub mod keys;
pub mod lang;
pub mod lockdown;
pub mod logbook;
pub mod maintenance;
pub mod printing;
pub mod privacy;
pub mod qr;
pub mod receipts;
pub mod restart;
pub mod session;
pub mod store;
pub mod sync;
pub mod systemd;
pub mod technician;
pub mod ui;
pub mod workdays;
