//! Sanban reference central platform: the sync API v1 server the kiosks talk to, its store (SQLite, or PostgreSQL
//! shared by several instances), the catalog, queue number leases, appointment slots, pickups and the
//! technicians' fleet page.
//!
//! Entry points for embedding (the kiosk's end-to-end tests run it in-process): [`serve`], [`router`] with
//! [`AppState`], [`add_kiosk`], the store interface [`Store`] and the synchronous SQLite read handle
//! [`PlatformDb`].

pub mod api;
pub mod applications;
pub mod appointments;
pub mod auth;
pub mod cli;
pub mod error;
pub mod fleet;
pub mod ingest;
pub mod kpi;
pub mod maintenance;
pub mod openapi;
pub mod operators;
pub mod pages;
pub mod privacy;
pub mod reports;
pub mod schedule;
pub mod server;
pub mod state;
pub mod store;
pub mod text;
pub mod tokens;

pub use api::{router, served_routes, AppState};
pub use server::{
    add_kiosk, register, rotate_kiosk, serve, serve_state, serve_with, serve_with_shutdown,
    ServeOptions,
};
pub use store::{DbUrl, PlatformDb, Store, StoredTicket};
