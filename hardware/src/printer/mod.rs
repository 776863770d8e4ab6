//! The 80 mm ESC/POS thermal printer with Chinese (GB18030): building jobs ([`Receipt`]), driving the printer
//! ([`Printer`]), decoding its status ([`PrinterStatus`], [`StatusStreamDecoder`]) and simulating it
//! ([`PrinterSim`]) and rendering what it printed ([`render`]). See `hardware-protocols.md` section 2.

mod command;
mod driver;
mod receipt;
mod render;
mod sim;
mod status;

pub use driver::{PrintReport, Printer, PrinterError, CHUNK, DEFAULT_TIMEOUT};
pub use receipt::{text_columns, Align, Receipt, COLUMNS, LINE_SPACING, RASTER_BAND_ROWS};
pub use render::{render, RenderError, RenderedReceipt, ANNOTATION_GREY, MAX_HEIGHT, PAPER_DOTS};
pub use sim::PrinterSim;
pub use status::{AutoStatus, PaperLevel, PrinterStatus, StatusEvent, StatusStreamDecoder};
