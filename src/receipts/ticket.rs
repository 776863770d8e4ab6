//! The queue ticket slip (取号凭条).

use chrono_tz::Tz;
use sanban_hardware::printer::{Align, Receipt};

use crate::lang::{category_name, Lang};
use crate::store::IssuedTicket;

/// Everything printed on a ticket besides the ticket itself.
pub struct TicketContext<'a> {
    pub hall: &'a str,
    pub kiosk_name: &'a str,
    pub tz: Tz,
    pub lang: Lang,
    /// An acceptance-test slip: marked so that nobody queues with it.
    pub test: bool,
    /// The rating address, `{id}` standing for the errand's number (the ticket number).
    pub rating_url: &'a str,
}

/// Text of the QR code: identifies the ticket (its UUIDv7) for the hall's caller and the platform.
pub fn qr_payload(ticket: &IssuedTicket) -> String {
    format!("SANBAN:T:{}", ticket.id)
}

/// ESC/POS bytes of the ticket slip.
pub fn render(ticket: &IssuedTicket, ctx: &TicketContext) -> Vec<u8> {
    let l = ctx.lang;
    let local = ticket.issued_at.with_timezone(&ctx.tz);
    let mut r = Receipt::new();
    if ctx.test {
        r.align(Align::Center)
            .bold(true)
            .line("** 测试凭条 TEST · 无效 NOT VALID **")
            .bold(false);
    }
    r.align(Align::Center).bold(true).size(1, 1).line(ctx.hall);
    r.bold(false).line(l.pick("排队取号凭条", "Queue ticket"));
    r.rule();
    r.size(1, 2).line(category_name(&ticket.category, l));
    if ticket.priority {
        r.size(1, 1)
            .bold(true)
            .line(l.pick("★ 绿色通道 优先办理", "★ Priority lane"))
            .bold(false);
    }
    r.size(4, 4).bold(true).line(&ticket.number).bold(false);
    r.size(1, 2);
    super::paragraph(
        &mut r,
        &match l {
            Lang::Zh => format!("前面还有 {} 人等候", ticket.ahead),
            Lang::En => format!("{} waiting ahead of you", ticket.ahead),
        },
        1,
    );
    r.size(1, 1);
    if ticket.offline {
        super::paragraph(
            &mut r,
            l.pick(
                "（网络中断时领取，同样有效）",
                "(Taken while the network was down: valid too)",
            ),
            1,
        );
    }
    r.rule();
    r.align(Align::Left);
    r.two_columns(
        l.pick("取号时间", "Issued"),
        &local.format("%Y-%m-%d %H:%M:%S").to_string(),
    );
    r.two_columns(l.pick("办理地点", "Hall"), ctx.hall);
    r.two_columns(l.pick("自助终端", "Kiosk"), ctx.kiosk_name);
    r.align(Align::Center);
    super::qr(&mut r, &qr_payload(ticket));
    r.feed(1);
    super::paragraph(
        &mut r,
        l.pick(
            "请留意叫号，过号请重新取号",
            "If you miss your call, please take a new ticket",
        ),
        1,
    );
    super::paragraph(
        &mut r,
        l.pick(
            "请保留凭条，二维码为本号凭证",
            "Keep this slip: the QR code identifies your ticket",
        ),
        1,
    );
    super::rating_invitation(
        &mut r,
        l,
        &ctx.rating_url.replace("{id}", &ticket.number),
        false,
    );
    r.feed(2).partial_cut(3);
    r.into_bytes()
}
