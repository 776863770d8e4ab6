//! `sanban-kiosk device render FILE.escpos --out FILE.png`: a receipt preview from saved printer bytes.

use std::path::Path;

/// The CJK font receipts are previewed with (the one the UI ships).
pub const RECEIPT_FONT: &[u8] = include_bytes!("../../ui/fonts/NotoSansSC-Regular-GB2312.otf");

/// Render `file` to `out`; the preview's size in printer dots.
pub fn render(file: &Path, out: &Path) -> anyhow::Result<(u32, u32)> {
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let preview = sanban_hardware::printer::render(&bytes, RECEIPT_FONT)?;
    preview.write_png(out)?;
    Ok((preview.width, preview.height))
}
