//! Resident ID card reader (二代身份证阅读器) over the SAM serial protocol, and its simulator.
//!
//! - [`frame`]: command frames and an incremental, bounded response decoder.
//! - [`status`]: the SW3 status codes.
//! - [`record`], [`nation`], [`idnumber`], [`date`]: the card's text block as a typed, privacy-safe record.
//! - [`driver`]: [`IdReader`], find → select → read with timings and byte counts.
//! - [`sim`]: [`IdCardSim`], the same bytes on a pseudo-terminal, with fault injection.
//!
//! Privacy: card data is personal information. Nothing in this module logs it, and every type holding it prints
//! only masked forms or lengths in `Debug`/`Display`.

#![warn(missing_docs)]

pub mod date;
pub mod driver;
pub mod frame;
pub mod idnumber;
pub mod nation;
pub mod record;
pub mod sim;
pub mod status;

pub use date::Date;
pub use driver::{
    parse_read_data, CardRead, Exchange, IdCardError, IdReader, SamId, Step, DEFAULT_TIMEOUT,
};
pub use frame::{Command, FrameError, Response, ResponseDecoder};
pub use idnumber::{IdNumber, IdNumberError};
pub use nation::Nation;
pub use record::{Blob, CardDetails, CardKind, CardRecord, Personal, RecordError, Sex, ValidTo};
pub use sim::{Fault, IdCardSim, SimCard};
pub use status::ReaderStatus;
