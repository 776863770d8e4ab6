//! Receipts rendered as the paper would look: layout, a QR that really scans, cut lines, and the simulator's
//! job list rendered end to end. Glyph shapes need a CJK font: `SANBAN_TEST_FONT=/path/to/font.otf`, else the
//! project's `ui/fonts/NotoSansSC-Regular-GB2312.otf` if present; without either, box glyphs are drawn and only
//! structure is checked.

use std::path::PathBuf;
use std::time::Duration;

use sanban_hardware::printer::{
    render, Align, Printer, PrinterSim, Receipt, RenderedReceipt, ANNOTATION_GREY, PAPER_DOTS,
};
use sanban_hardware::transport::SerialTransport;

const TICKET_URL: &str = "https://sanban.example.gov.cn/q/A012?k=7f3a";

fn test_font() -> Option<Vec<u8>> {
    let path = std::env::var_os("SANBAN_TEST_FONT")
        .map(PathBuf::from)
        .or_else(|| {
            let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../ui/fonts/NotoSansSC-Regular-GB2312.otf");
            p.exists().then_some(p)
        })?;
    std::fs::read(path).ok()
}

fn ticket() -> Vec<u8> {
    let mut r = Receipt::new();
    r.align(Align::Center)
        .bold(true)
        .size(2, 2)
        .line("三办 政务服务大厅")
        .size(1, 1)
        .bold(false);
    r.line("24小时自助服务终端").feed(1);
    r.size(3, 3).bold(true).line("A012").size(1, 1).bold(false);
    r.line("社会事务类 · 普通号").align(Align::Left).rule();
    r.two_columns("前方等候", "5 人");
    r.two_columns("取号时间", "2025-03-08 09:41");
    r.two_columns("申请人", "张*");
    r.two_columns("身份证号", "4201********1234");
    r.two_columns("办理事项：城乡居民基本医疗保险参保登记（含变更）", "窗口 7");
    r.rule()
        .align(Align::Center)
        .qr(TICKET_URL, 6)
        .line("扫码查看排队进度");
    r.line("请留意叫号，过号请重新取号").feed(2).partial_cut(3);
    r.into_bytes()
}

/// A QR decoder that knows nothing of how the image was made.
fn decode_qr(img: &RenderedReceipt) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        img.width as usize,
        img.height as usize,
        |x, y| img.pixel(x as u32, y as u32),
    );
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect()
}

fn ink_rows(img: &RenderedReceipt) -> Vec<u32> {
    (0..img.height)
        .filter(|&y| (0..img.width).any(|x| img.pixel(x, y) == 0))
        .collect()
}

fn cut_rows(img: &RenderedReceipt) -> Vec<u32> {
    (0..img.height)
        .filter(|&y| {
            (0..img.width)
                .filter(|&x| img.pixel(x, y) == ANNOTATION_GREY)
                .count()
                >= (img.width / 2) as usize
        })
        .collect()
}

#[test]
fn ticket_renders_with_a_scannable_qr_and_a_cut() {
    let font = test_font().unwrap_or_default();
    let img = render(&ticket(), &font).unwrap();
    assert_eq!(img.width, PAPER_DOTS);
    assert!(
        img.height > 600 && img.height < 1400,
        "height {}",
        img.height
    );
    assert_eq!(decode_qr(&img), vec![TICKET_URL.to_string()]);
    let cuts = cut_rows(&img);
    assert!(!cuts.is_empty(), "a cut line is drawn");
    assert!(
        ink_rows(&img).iter().all(|y| y < &cuts[0]),
        "nothing printed below the cut"
    );

    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sample_receipt.png");
    img.write_png(&out).unwrap();
    eprintln!("sample receipt: {}", out.display());
}

#[test]
fn more_lines_make_a_longer_receipt() {
    let height = |lines: usize| {
        let mut r = Receipt::new();
        for i in 0..lines {
            r.line(&format!("第{i}行"));
        }
        render(&r.into_bytes(), &[]).unwrap().height
    };
    assert_eq!(height(1), 32);
    assert_eq!(height(10), 320);
}

#[test]
fn glyphs_come_from_the_font() {
    let Some(font) = test_font() else {
        eprintln!("no CJK font (set SANBAN_TEST_FONT): glyph shapes not checked");
        return;
    };
    let mut r = Receipt::new();
    r.line("一");
    let one = render(&r.into_bytes(), &font).unwrap();
    let mut r = Receipt::new();
    r.line("\u{E000}"); // a private-use code point: no font has a glyph for it
    let missing = render(&r.into_bytes(), &font).unwrap();
    let ink = |img: &RenderedReceipt| img.pixels.iter().filter(|&&p| p == 0).count();
    // 一 is one horizontal stroke: little ink, in a wide, flat band
    let rows = ink_rows(&one);
    assert!(rows.len() <= 4, "一 spans {} rows", rows.len());
    assert!(ink(&one) > 20);
    // the box fallback for a character the font lacks is drawn, not skipped
    assert!(ink(&missing) > 0);
}

#[test]
fn simulator_jobs_render_end_to_end() {
    let sim = PrinterSim::spawn().unwrap();
    let mut p = Printer::new(SerialTransport::open(sim.path().to_str().unwrap(), 115_200).unwrap());
    p.print(&ticket()).unwrap();
    assert_eq!(sim.wait_for_jobs(1, Duration::from_secs(2)).len(), 1);
    let img = sim.render_job(0, &test_font().unwrap_or_default()).unwrap();
    assert_eq!(decode_qr(&img), vec![TICKET_URL.to_string()]);
    assert!(sim.render_job(1, &[]).is_err());
}
