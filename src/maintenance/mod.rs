//! Maintenance mode's rules, apart from any screen: who may get in (technician PINs as Argon2id hashes, the
//! platform's offline one-time code), the lock-out that survives a restart, and the settings a technician may
//! change. The touchscreen pages (`app::flows::maintenance`) and the `sanban-kiosk maintenance` commands use them.

pub mod credentials;
pub mod gate;
pub mod lockout;
pub mod pin;
pub mod settings;

pub use gate::{Attempt, Entry, Gate, Provisioning};
pub use settings::Settings;
