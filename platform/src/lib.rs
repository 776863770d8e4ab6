//! Sanban reference central platform: the sync API v1 server the kiosks talk to, its SQLite store, the catalog,
//! queue number leases, appointment slots, pickups and the technicians' fleet page.
//!
//! Entry points for embedding (the kiosk's end-to-end tests run it in-process): [`serve`], [`router`] with
//! [`AppState`], [`add_kiosk`], and the read API [`PlatformDb`].

pub mod api;
pub mod auth;
pub mod cli;
pub mod error;
pub mod fleet;
pub mod ingest;
pub mod maintenance;
pub mod openapi;
pub mod schedule;
pub mod server;
pub mod state;
pub mod store;

pub use api::{router, served_routes, AppState};
pub use server::{add_kiosk, rotate_kiosk, serve, serve_with_shutdown};
pub use store::{PlatformDb, StoredTicket};
