//! QR codes for the screen (the printer draws its own from the native GS ( k command).

use qrcode::{EcLevel, QrCode};

/// A QR code as a square of RGBA pixels, `scale` pixels a module, with a 4-module quiet zone.
pub fn qr_rgba(data: &str, scale: u32) -> (u32, Vec<u8>) {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .expect("ticket QR payloads are short enough for a QR code");
    let modules = code.width() as u32;
    let colors = code.to_colors();
    let quiet = 4;
    let size = (modules + 2 * quiet) * scale;
    let mut pixels = vec![255u8; (size * size * 4) as usize];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i as u32 % modules + quiet, i as u32 / modules + quiet);
        for y in my * scale..(my + 1) * scale {
            for x in mx * scale..(mx + 1) * scale {
                let p = ((y * size + x) * 4) as usize;
                pixels[p..p + 3].copy_from_slice(&[0, 0, 0]);
            }
        }
    }
    (size, pixels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_quiet_zone_and_dark_finder_corner() {
        let (size, px) = qr_rgba("SANBAN:T:0193", 2);
        assert_eq!(px.len(), (size * size * 4) as usize);
        assert_eq!(&px[0..4], &[255, 255, 255, 255]);
        // Top-left finder pattern starts right after the 4-module quiet zone.
        let p = ((8 * size + 8) * 4) as usize;
        assert_eq!(&px[p..p + 3], &[0, 0, 0]);
    }
}
