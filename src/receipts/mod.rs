//! Paper receipts. Each is built from the printer driver's building blocks; personal data is masked before it
//! reaches a receipt.

pub mod ticket;
