//! 取件 receipts: the pickup proof (取件凭证), the note a citizen takes to the staff when a door did not open
//! (取件说明), and the free-post receipt (免费邮寄回执). Personal data only masked.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sanban_hardware::printer::{Align, Receipt};

use super::{labelled, paragraph};
use crate::lang::Lang;

/// Everything printed besides the document itself.
pub struct PickupContext<'a> {
    pub hall: &'a str,
    pub kiosk_name: &'a str,
    pub tz: Tz,
    pub lang: Lang,
    pub test: bool,
    /// The rating address of this errand (`{id}` already replaced).
    pub rating_url: String,
    pub help_phone: &'a str,
    pub at: DateTime<Utc>,
}

/// The document a receipt is about.
pub struct DocumentLine<'a> {
    pub document: &'a str,
    pub door: u16,
    /// Where the door is ("终端右侧柜体 · 第 2 排第 3 列").
    pub place: &'a str,
    /// Masked (张*); empty when unknown.
    pub holder: &'a str,
}

fn head(r: &mut Receipt, ctx: &PickupContext, title_zh: &str, title_en: &str) {
    if ctx.test {
        r.align(Align::Center)
            .bold(true)
            .line("** 测试凭条 TEST · 无效 NOT VALID **")
            .bold(false);
    }
    r.align(Align::Center).bold(true).line(ctx.hall);
    r.size(1, 2).line(ctx.lang.pick(title_zh, title_en));
    r.size(1, 1).bold(false);
    r.rule();
    r.align(Align::Left);
}

fn document_lines(r: &mut Receipt, d: &DocumentLine, ctx: &PickupContext) {
    let l = ctx.lang;
    labelled(r, l.pick("文件", "Document"), d.document);
    labelled(
        r,
        l.pick("柜门", "Door"),
        &match l {
            Lang::Zh => format!("{} 号柜门（{}）", d.door, d.place),
            Lang::En => format!("{} ({})", d.door, d.place),
        },
    );
    if !d.holder.is_empty() {
        labelled(r, l.pick("领取人", "Recipient"), d.holder);
    }
}

fn foot(mut r: Receipt, ctx: &PickupContext, with_qr: bool) -> Vec<u8> {
    let l = ctx.lang;
    r.two_columns(
        l.pick("时间", "Time"),
        &ctx.at
            .with_timezone(&ctx.tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
    );
    r.two_columns(l.pick("自助终端", "Kiosk"), ctx.kiosk_name);
    r.rule();
    super::rating_invitation(&mut r, l, &ctx.rating_url, with_qr);
    r.feed(2).partial_cut(3);
    r.into_bytes()
}

/// 取件凭证: the document was handed over through its door.
pub fn proof(d: &DocumentLine, ctx: &PickupContext) -> Vec<u8> {
    let mut r = Receipt::new();
    head(&mut r, ctx, "取件凭证", "Pickup proof");
    document_lines(&mut r, d, ctx);
    paragraph(
        &mut r,
        ctx.lang.pick(
            "文件已由本终端柜门交付。请核对文件，如有疑问请联系工作人员。",
            "The document was handed over through this kiosk's locker. Please check it; ask the staff if anything is wrong.",
        ),
        1,
    );
    foot(r, ctx, true)
}

/// 取件说明: the door did not open; the document is still inside and the staff will hand it over.
pub fn door_note(d: &DocumentLine, ctx: &PickupContext) -> Vec<u8> {
    let l = ctx.lang;
    let mut r = Receipt::new();
    head(&mut r, ctx, "取件说明", "Pickup note");
    document_lines(&mut r, d, ctx);
    r.bold(true);
    paragraph(
        &mut r,
        &match l {
            Lang::Zh => format!("{} 号柜门未能打开，文件仍在柜中，未被取走。", d.door),
            Lang::En => format!(
                "Door {} did not open. The document is still inside and has not been collected.",
                d.door
            ),
        },
        1,
    );
    r.bold(false);
    paragraph(
        &mut r,
        &match l {
            Lang::Zh => format!(
                "请持本说明到服务台，或拨打 {}，工作人员会为您取出文件。",
                ctx.help_phone
            ),
            Lang::En => format!(
                "Take this note to the service desk, or call {}: the staff will hand you the document.",
                ctx.help_phone
            ),
        },
        1,
    );
    // A door that failed the citizen is worth a rating too; the note has room for the code.
    foot(r, ctx, true)
}

/// What a free-post receipt shows of the recipient: masked.
pub struct PostLine<'a> {
    pub request_no: &'a str,
    pub name_masked: &'a str,
    pub phone_masked: &'a str,
    pub address_masked: &'a str,
}

/// 免费邮寄回执: the document will be posted free of charge.
pub fn post_receipt(d: &DocumentLine, p: &PostLine, ctx: &PickupContext) -> Vec<u8> {
    let l = ctx.lang;
    let mut r = Receipt::new();
    head(&mut r, ctx, "免费邮寄回执", "Free post receipt");
    labelled(&mut r, l.pick("文件", "Document"), d.document);
    labelled(&mut r, l.pick("邮寄编号", "Request"), p.request_no);
    labelled(&mut r, l.pick("收件人", "To"), p.name_masked);
    labelled(&mut r, l.pick("手机", "Mobile"), p.phone_masked);
    labelled(&mut r, l.pick("地址", "Address"), p.address_masked);
    paragraph(
        &mut r,
        l.pick(
            "工作人员将从柜中取出文件，免费寄给您。寄出后会短信通知您。",
            "The staff will take the document out of the locker and post it to you free of charge. You will get a text message when it is sent.",
        ),
        1,
    );
    foot(r, ctx, true)
}

/// `13812345678` → `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().collect();
    if digits.len() < 7 {
        return "*".repeat(digits.len());
    }
    let head: String = digits[..3].iter().collect();
    let tail: String = digits[digits.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// The address with everything after its first six characters hidden (province and city stay readable).
pub fn mask_address(address: &str) -> String {
    let shown: String = address.chars().take(6).collect();
    if address.chars().count() <= 6 {
        return shown;
    }
    format!("{shown}****")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_addresses_are_masked() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("123"), "***");
        assert_eq!(
            mask_address("湖北省武汉市汉南区纱帽街汉南大道88号"),
            "湖北省武汉市****"
        );
        assert!(!mask_address("湖北省武汉市汉南区纱帽街汉南大道88号").contains("88"));
    }
}
