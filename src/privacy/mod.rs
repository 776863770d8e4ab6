//! Personal data at rest (PIPL; GB/T 35273): what a citizen's errand leaves on the kiosk that names them — the
//! applicant of an application, the answers of its form — is sealed with XChaCha20-Poly1305 under a key kept
//! outside the database ([`key`]), and erased once the platform has acknowledged it and the retention has passed
//! (the outbox keeps a tombstone, see `store::outbox`). Sealed values say nothing in `Debug`, logs or errors.

pub mod key;
pub mod seal;

pub use key::{DataKey, KeyOrigin};
pub use seal::{open, seal, SealError};
