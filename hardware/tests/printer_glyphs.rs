//! Rare name characters on paper: a line the printer's own font cannot print goes as a raster image drawn with
//! the kiosk's font; a printer whose font has the characters gets GB18030 text; covered lines are unchanged.
//! Uses the bundled UI font (`ui/fonts/NotoSansSC-Regular-GB2312.otf`, which covers the 通用规范汉字表 and
//! common name characters despite its historical name).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sanban_hardware::idcard::SimCard;
use sanban_hardware::printer::{
    render_with, Align, PrintTiming, Printer, PrinterFont, PrinterSim, RasterFont, Receipt,
    CELL_HEIGHT, INK_THRESHOLD, LINE_SPACING, RASTER_BAND_ROWS,
};
use sanban_hardware::transport::SerialTransport;

const NAME_LINE: &str = "申请人：刘䶮堃";

/// The bundled font, or `SANBAN_TEST_FONT` when set.
fn font_bytes() -> Vec<u8> {
    let path = std::env::var_os("SANBAN_TEST_FONT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../ui/fonts/NotoSansSC-Regular-GB2312.otf")
        });
    std::fs::read(&path).unwrap_or_else(|e| panic!("the bundled font {}: {e}", path.display()))
}

/// Parsed once for the whole file: a CJK font takes a while to load.
fn glyphs() -> Arc<RasterFont> {
    static GLYPHS: OnceLock<Arc<RasterFont>> = OnceLock::new();
    GLYPHS
        .get_or_init(|| Arc::new(RasterFont::from_bytes(&font_bytes()).unwrap()))
        .clone()
}

fn gb(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// One `GS v 0` image found in a job.
#[derive(Debug)]
struct Raster {
    width_bytes: usize,
    rows: usize,
    data: Vec<u8>,
}

impl Raster {
    fn ink(&self, x: usize, y: usize) -> bool {
        x < self.width_bytes * 8 && self.data[y * self.width_bytes + x / 8] & (0x80 >> (x % 8)) != 0
    }
}

/// Every `GS v 0 0` image in `job`, decoded from its header (receipt text never holds a 1D byte: control
/// characters are replaced before encoding).
fn rasters(job: &[u8]) -> Vec<Raster> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = job[i..]
        .windows(4)
        .position(|w| w == [0x1D, 0x76, 0x30, 0x00])
    {
        let h = i + p;
        let width_bytes = usize::from(u16::from_le_bytes([job[h + 4], job[h + 5]]));
        let rows = usize::from(u16::from_le_bytes([job[h + 6], job[h + 7]]));
        let data = job[h + 8..h + 8 + width_bytes * rows].to_vec();
        i = h + 8 + data.len();
        out.push(Raster {
            width_bytes,
            rows,
            data,
        });
    }
    out
}

/// Ink of `c` as fontdue rasterises it at 24 px, thresholded like the printer, relative to its own ink box.
fn fontdue_ink(font: &fontdue::Font, c: char) -> Vec<(usize, usize)> {
    let (m, cov) = font.rasterize(c, CELL_HEIGHT as f32);
    let pts: Vec<(usize, usize)> = (0..m.height)
        .flat_map(|y| (0..m.width).map(move |x| (x, y)))
        .filter(|&(x, y)| cov[y * m.width + x] >= INK_THRESHOLD)
        .collect();
    normalise(pts)
}

fn normalise(pts: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let x0 = pts.iter().map(|p| p.0).min().unwrap_or(0);
    let y0 = pts.iter().map(|p| p.1).min().unwrap_or(0);
    let mut v: Vec<_> = pts.into_iter().map(|(x, y)| (x - x0, y - y0)).collect();
    v.sort();
    v
}

#[test]
fn a_gb2312_printer_gets_the_rare_name_line_as_a_raster_of_the_fonts_glyphs() {
    let mut r = Receipt::for_printer(PrinterFont::Gb2312, glyphs());
    r.line(NAME_LINE);
    let job = r.into_bytes();

    assert!(
        !contains(&job, &gb("䶮")) && !contains(&job, &gb("堃")),
        "not sent as text"
    );
    let images = rasters(&job);
    assert_eq!(images.len(), 1);
    let img = &images[0];
    // 7 double-byte cells of 24 dots = 168 dots = 21 bytes; one cell high
    assert_eq!((img.width_bytes, img.rows), (21, 24));
    // the image line is topped up to a text line's height with ESC J
    let after = &job[job.len() - 3..];
    assert_eq!(after, [0x1B, 0x4A, LINE_SPACING - 24]);

    // each cell holds that character's glyph: it matches an independent rasteriser's (fontdue's) drawing of
    // the same character closely, and far better than the drawing of any other character of the line
    let font = fontdue::Font::from_bytes(
        font_bytes(),
        fontdue::FontSettings {
            scale: CELL_HEIGHT as f32,
            ..Default::default()
        },
    )
    .unwrap();
    let chars: Vec<char> = NAME_LINE.chars().collect();
    let reference: Vec<Vec<(usize, usize)>> =
        chars.iter().map(|&c| fontdue_ink(&font, c)).collect();
    for (i, c) in chars.iter().enumerate() {
        let cell: Vec<(usize, usize)> = (0..24)
            .flat_map(|y| (0..24).map(move |x| (x, y)))
            .filter(|&(x, y)| img.ink(i * 24 + x, y))
            .collect();
        assert!(!cell.is_empty(), "{c} has ink");
        let cell = normalise(cell);
        let own = overlap(&cell, &reference[i]);
        assert!(
            own >= 0.8,
            "cell {i} ({c}) matches fontdue's {c} only {own:.2}"
        );
        for (j, other) in chars.iter().enumerate().filter(|&(j, o)| j != i && o != c) {
            let o = overlap(&cell, &reference[j]);
            assert!(
                own > o + 0.2,
                "cell {i} ({c}) looks like {other} ({o:.2} vs {own:.2})"
            );
        }
    }
}

/// Intersection over union of two ink sets.
fn overlap(a: &[(usize, usize)], b: &[(usize, usize)]) -> f64 {
    let a: std::collections::HashSet<_> = a.iter().collect();
    let b: std::collections::HashSet<_> = b.iter().collect();
    a.intersection(&b).count() as f64 / a.union(&b).count().max(1) as f64
}

#[test]
fn a_gb18030_printer_gets_gb18030_bytes_for_the_same_line() {
    let mut r = Receipt::for_printer(PrinterFont::Gb18030, glyphs());
    r.line(NAME_LINE);
    let job = r.into_bytes();
    assert!(rasters(&job).is_empty());
    assert!(contains(&job, &[gb(NAME_LINE), vec![0x0A]].concat()));
    assert_eq!(gb("䶮"), [0xFE, 0x9F], "䶮 is a two-byte GB18030 code");
    // a character beyond the GB18030 core font (a supplementary-plane one) still goes as an image
    let mut r = Receipt::for_printer(PrinterFont::Gb18030, glyphs());
    r.line("姓名：𬌗");
    assert_eq!(rasters(&r.into_bytes()).len(), 1);
}

/// The ticket of `printer_receipt.rs`, with only GB2312 text.
fn plain(r: &mut Receipt) {
    r.align(Align::Center)
        .bold(true)
        .size(2, 2)
        .line("三办")
        .size(1, 1)
        .bold(false)
        .align(Align::Left);
    r.two_columns("窗口", "A012")
        .rule()
        .qr("T1", 4)
        .feed(2)
        .partial_cut(3);
}

#[test]
fn lines_the_printer_covers_are_byte_for_byte_unchanged() {
    let mut old = Receipt::new();
    plain(&mut old);
    let mut new = Receipt::for_printer(PrinterFont::Gb2312, glyphs());
    plain(&mut new);
    assert_eq!(new.into_bytes(), old.into_bytes());
}

#[test]
fn the_raster_line_renders_exactly_as_the_text_would_from_a_font_that_had_it() {
    let font = glyphs();
    let font = Some(&*font);
    let build = |mut r: Receipt| {
        r.line("办理人：李四");
        r.two_columns("申请人", "刘䶮堃");
        r.bold(true).line("地址：示例市喆赟路9号").bold(false);
        r.partial_cut(0);
        r.into_bytes()
    };
    let as_text = build(Receipt::new());
    let as_image = build(Receipt::for_printer(PrinterFont::Gb2312, glyphs()));
    assert_eq!(rasters(&as_image).len(), 2, "the covered line stays text");
    assert_eq!(
        rasters(&as_image)[0].width_bytes,
        72,
        "two columns span the paper"
    );
    // the reference: every character drawn from the font
    let reference = render_with(&as_text, font, None);
    assert_eq!(
        render_with(&as_image, font, None),
        reference,
        "pixel for pixel"
    );
    // and what a GB2312 printer makes of the plain text: boxes where the rare characters should be
    let naive = render_with(&as_text, font, Some(PrinterFont::Gb2312));
    assert!(naive != reference, "boxes differ from glyphs");
    assert_eq!(
        render_with(&as_image, font, Some(PrinterFont::Gb2312)),
        reference
    );
}

#[test]
fn larger_sizes_scale_the_image_and_tall_ones_go_in_bands() {
    let mut r = Receipt::for_printer(PrinterFont::Gb2312, glyphs());
    r.size(2, 2).line("刘䶮堃");
    let images = rasters(&r.into_bytes());
    assert_eq!((images[0].width_bytes, images[0].rows), (3 * 48 / 8, 48));

    let mut r = Receipt::for_printer(PrinterFont::Gb2312, glyphs());
    r.size(8, 8).line("䶮");
    let images = rasters(&r.into_bytes());
    let rows: Vec<usize> = images.iter().map(|i| i.rows).collect();
    assert_eq!(
        rows,
        vec![
            usize::from(RASTER_BAND_ROWS),
            192 - usize::from(RASTER_BAND_ROWS)
        ]
    );
    assert!(images.iter().all(|i| i.width_bytes == 24));

    // text wider than the paper wraps into one image per printed line, as the printer wraps text
    let mut r = Receipt::for_printer(PrinterFont::Gb2312, glyphs());
    r.line(&"堃".repeat(30));
    let images = rasters(&r.into_bytes());
    assert_eq!(
        images.iter().map(|i| i.width_bytes).collect::<Vec<_>>(),
        vec![72, 18]
    );
}

#[test]
fn the_rare_name_card_prints_through_the_simulator() {
    let card = SimCard::rare_name();
    let name = card.record.name().to_string();
    let address = card.record.address().unwrap().to_string();
    let sim = PrinterSim::spawn().unwrap();
    sim.set_print_speed(f32::INFINITY);
    let mut p = Printer::new(SerialTransport::open(sim.path().to_str().unwrap(), 115_200).unwrap())
        .with_timing(PrintTiming {
            margin: Duration::from_millis(300),
            ..Default::default()
        });
    let job = |font: PrinterFont| {
        let mut r = Receipt::for_printer(font, glyphs());
        r.two_columns("姓名", &name)
            .line(&format!("住址：{address}"))
            .partial_cut(0);
        r.into_bytes()
    };

    // the simulator's font is GB18030 unless told otherwise, and it says so
    assert_eq!(p.printer_font(PrinterFont::Gb2312), PrinterFont::Gb18030);
    let gb18030 = job(PrinterFont::Gb18030);
    assert!(rasters(&gb18030).is_empty());
    assert!(contains(&gb18030, &gb(&name)) && contains(&gb18030, &gb(&address)));

    sim.set_font(PrinterFont::Gb2312);
    assert_eq!(p.printer_font(PrinterFont::Gb18030), PrinterFont::Gb2312);
    let gb2312 = job(PrinterFont::Gb2312);
    assert_eq!(
        rasters(&gb2312).len(),
        2,
        "name and address lines as images"
    );
    assert!(!contains(&gb2312, &gb(&name)));

    p.print(&gb2312).unwrap();
    let on_paper = sim.render_job(0, &font_bytes()).unwrap();
    let font = glyphs();
    assert_eq!(
        on_paper,
        render_with(&gb18030, Some(&*font), None),
        "the GB2312 unit prints the name in full"
    );
}
