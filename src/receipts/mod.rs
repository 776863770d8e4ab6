//! Paper receipts. Each is built from the printer driver's building blocks; personal data is masked before it
//! reaches a receipt. Text is wrapped here, not by the printer: the printer breaks a line wherever it runs out of
//! columns, which splits English words ("tick/et").

pub mod application;
pub mod appointment;
pub mod guide_notice;
pub mod pickup;
pub mod ticket;

use sanban_hardware::printer::{text_columns, Receipt, COLUMNS, PAPER_DOTS};

/// The width a printed QR code needs to scan reliably from a phone held over the paper: 25 mm at 203 dpi.
pub const QR_MIN_DOTS: u32 = 200;

/// The module size (dots) that prints `data`'s QR code at least [`QR_MIN_DOTS`] wide: the printer picks the
/// symbol's version from the data (error correction M, as [`qr`] selects), so longer data has more modules and
/// needs smaller ones. Never wider than the paper with its quiet zone.
pub fn qr_module(data: &str) -> u8 {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M) else {
        return 4;
    };
    let modules = code.width() as u32;
    let fits = PAPER_DOTS / (modules + 8);
    QR_MIN_DOTS.div_ceil(modules).min(fits).clamp(1, 16) as u8
}

/// Print `data` as a QR code big enough to scan ([`qr_module`]).
pub fn qr(r: &mut Receipt, data: &str) {
    r.qr(data, qr_module(data));
}

/// Break `text` into lines of at most `columns` printer columns (ASCII 1, CJK 2): at spaces for words, anywhere
/// between CJK characters, and inside a word only when the word alone is longer than a line. A line never starts
/// with closing punctuation (，。、：；）!? …), which moves to the end of the line before (标点避头).
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(2);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut width = 0;
        // Tokens: a run of non-space ASCII (a word), one space, or one other character.
        let mut tokens: Vec<String> = Vec::new();
        for c in paragraph.chars() {
            let ascii_word = c.is_ascii() && !c.is_ascii_whitespace();
            match tokens.last_mut() {
                Some(last)
                    if ascii_word
                        && last
                            .chars()
                            .last()
                            .is_some_and(|l| l.is_ascii() && !l.is_ascii_whitespace()) =>
                {
                    last.push(c)
                }
                _ => tokens.push(c.to_string()),
            }
        }
        for token in tokens {
            let w = text_columns(&token);
            let closing = token
                .chars()
                .all(|c| "，。、：；）)!?！？…,.;:」』”’》".contains(c));
            if width + w > columns && !line.is_empty() && !(closing && width + w <= columns + 2) {
                lines.push(line.trim_end().to_string());
                line = String::new();
                width = 0;
                if token == " " {
                    continue;
                }
            }
            if w > columns {
                // A word longer than a line: cut it.
                for c in token.chars() {
                    let cw = text_columns(&c.to_string());
                    if width + cw > columns {
                        lines.push(std::mem::take(&mut line));
                        width = 0;
                    }
                    line.push(c);
                    width += cw;
                }
                continue;
            }
            line.push_str(&token);
            width += w;
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// The invitation every receipt ends with: rate this errand (好差评), here or later by the QR code with the errand's
/// number. `rate_url` is the configured address with `{id}` replaced by the errand's number.
pub fn rating_invitation(r: &mut Receipt, lang: crate::lang::Lang, rate_url: &str, with_qr: bool) {
    r.align(sanban_hardware::printer::Align::Center);
    paragraph(
        r,
        lang.pick(
            "欢迎对本次服务作出评价（好差评）",
            "Please rate this service (好差评)",
        ),
        1,
    );
    if with_qr {
        // Said plainly: a receipt may carry another QR code (the online guide) that does not rate anything.
        paragraph(
            r,
            lang.pick("扫描下方二维码评价", "Scan the code below to rate it"),
            1,
        );
        qr(r, rate_url);
        r.feed(1);
    }
}

/// Print `text` wrapped to the receipt's width at character width multiplier `width_mul`.
pub fn paragraph(r: &mut Receipt, text: &str, width_mul: usize) {
    for l in wrap(text, COLUMNS / width_mul.max(1)) {
        r.line(&l);
    }
}

/// "label: text" with the text wrapped under the label (hanging indent of two columns).
pub fn labelled(r: &mut Receipt, label: &str, text: &str) {
    let first = format!("{label}：");
    let lines = wrap(&format!("{first}{text}"), COLUMNS);
    for (i, l) in lines.iter().enumerate() {
        if i == 0 {
            r.line(l);
        } else {
            for w in wrap(l, COLUMNS - 2) {
                r.line(&format!("  {w}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_breaks_between_words_and_chinese_between_characters() {
        let lines = wrap(
            "If you miss your call, please take a new ticket at the kiosk",
            20,
        );
        assert!(lines.iter().all(|l| text_columns(l) <= 20), "{lines:?}");
        assert!(!lines.iter().any(|l| l.ends_with("tick")), "{lines:?}");
        assert_eq!(
            lines.join(" "),
            "If you miss your call, please take a new ticket at the kiosk"
        );
        let zh = wrap("请留意叫号，过号请重新取号。请保留凭条。", 10);
        assert!(zh.iter().all(|l| text_columns(l) <= 12), "{zh:?}");
        assert!(
            zh.iter()
                .all(|l| !l.starts_with('，') && !l.starts_with('。')),
            "{zh:?}"
        );
        assert_eq!(zh.concat(), "请留意叫号，过号请重新取号。请保留凭条。");
    }

    #[test]
    fn a_qr_code_prints_at_least_25_mm_wide_whatever_its_length() {
        for data in [
            "T:E012",
            "https://zwfw.hubei.gov.cn/hcp?bjbh=YJ-7C4D9E10AB",
            &"https://zwfw.hubei.gov.cn/guide/".repeat(4),
        ] {
            let modules = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M)
                .unwrap()
                .width() as u32;
            let dots = modules * u32::from(qr_module(data));
            assert!(
                (QR_MIN_DOTS..=PAPER_DOTS).contains(&dots),
                "{data}: {dots} dots"
            );
        }
    }

    #[test]
    fn a_word_longer_than_a_line_is_cut_and_paragraphs_are_kept() {
        let lines = wrap("https://zwfw.hubei.gov.cn/a/very/long/address\nnext", 16);
        assert!(lines.iter().all(|l| text_columns(l) <= 16), "{lines:?}");
        assert_eq!(lines.last().unwrap(), "next");
    }
}
