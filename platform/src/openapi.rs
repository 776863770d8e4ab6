//! The OpenAPI 3.1 document of API v1: hand-written (`platform/openapi.json`), kept true by `tests/openapi.rs`,
//! which checks it against the router's own route table and the real replies.

pub const OPENAPI_JSON: &str = include_str!("../openapi.json");
