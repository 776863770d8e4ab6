//! The 80 mm ESC/POS thermal printer with Chinese (GB18030): building jobs ([`Receipt`]), driving the printer
//! ([`Printer`]), decoding its status ([`PrinterStatus`], [`StatusStreamDecoder`]), knowing which characters its
//! font has ([`PrinterFont`]), simulating it ([`PrinterSim`]) and rendering what it printed ([`render`]).
//! See `hardware-protocols.md` section 2.

mod command;
mod coverage;
mod driver;
mod glyph;
mod raster_text;
mod receipt;
mod render;
mod sim;
mod sim_engine;
mod status;

pub use coverage::{PrinterFont, UnknownPrinterFont};
pub use driver::{
    Completion, PrintReport, PrintTiming, Printer, PrinterError, CHUNK, DEFAULT_TIMEOUT,
};
pub use glyph::{FontError, RasterFont, CELL_HEIGHT, INK_THRESHOLD};
pub use receipt::{text_columns, Align, Receipt, COLUMNS, LINE_SPACING, RASTER_BAND_ROWS};
pub use render::{
    paper_dots, render, render_for, render_with, RenderError, RenderedReceipt, ANNOTATION_GREY,
    CUT_FEED_DOTS, DOTS_PER_MM, MAX_HEIGHT, PAPER_DOTS,
};
pub use sim::PrinterSim;
pub use status::{AutoStatus, PaperLevel, PrinterStatus, StatusEvent, StatusStreamDecoder};
