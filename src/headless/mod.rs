//! Pictures, scripted walks and layout checks of the real UI with no display: Slint's testing backend with its
//! software renderer. Used by `sanban-kiosk screenshot`, `run --headless --script`, `tour`, the UI tests and the
//! benchmarks.

pub mod driver;
pub mod layout;
pub mod screenshot;
pub mod script;
pub mod tour;

use std::path::Path;

use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};
use slint::ComponentHandle;

/// Install the headless platform: software renderer, real system time, an event loop (for timers and taps).
/// Call once per process, before any window is created.
pub fn init_headless() -> anyhow::Result<()> {
    let backend = TestingBackend::new(TestingBackendOptions {
        mock_time: false,
        threading: true,
        renderer_name: Some("software".into()),
    });
    slint::platform::set_platform(Box::new(backend))
        .map_err(|e| anyhow::anyhow!("cannot install the headless renderer: {e:?}"))
}

/// Size the window (physical pixels = logical at scale 1).
pub fn set_size(window: &impl ComponentHandle, width: u32, height: u32) {
    window
        .window()
        .set_size(slint::PhysicalSize::new(width, height));
}

/// Render the window's current frame and write it as a PNG.
pub fn snapshot_png(window: &impl ComponentHandle, out: &Path) -> anyhow::Result<()> {
    let buffer = window
        .window()
        .take_snapshot()
        .map_err(|e| anyhow::anyhow!("render failed: {e}"))?;
    write_png(out, buffer.width(), buffer.height(), buffer.as_bytes())
}

/// Write RGBA8 pixels as a PNG file.
pub fn write_png(out: &Path, width: u32, height: u32, rgba: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::io::BufWriter::new(std::fs::File::create(out)?);
    let mut encoder = png::Encoder::new(file, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(rgba)?;
    Ok(())
}

/// Parse "WIDTHxHEIGHT".
pub fn parse_size(text: &str) -> anyhow::Result<(u32, u32)> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| anyhow::anyhow!("size must look like 1080x1920"))?;
    let (w, h): (u32, u32) = (w.trim().parse()?, h.trim().parse()?);
    anyhow::ensure!(
        (200..=8000).contains(&w) && (200..=8000).contains(&h),
        "size {w}x{h} out of range"
    );
    Ok((w, h))
}
