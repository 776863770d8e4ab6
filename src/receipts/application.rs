//! The application receipt (申办回执): the application number (the kiosk's own, issued offline too), the service,
//! the applicant masked, the date, the promised completion date in working days, the materials still owed with their
//! deadline and where to bring them, and a QR code for tracking. With materials owed, a 容缺 commitment (承诺书)
//! follows on its own cut, for the citizen to sign at the window.

use chrono_tz::Tz;
use sanban_hardware::printer::{Align, Receipt};

use super::{labelled, paragraph};
use crate::lang::Lang;
use crate::store::applications::StoredApplication;

/// Everything printed besides the application itself.
pub struct ApplicationContext<'a> {
    pub hall: &'a str,
    pub kiosk_name: &'a str,
    pub tz: Tz,
    pub lang: Lang,
    pub test: bool,
    /// The service's name in the receipt's language.
    pub service_name: &'a str,
    /// Where owed materials go (the service's window / department).
    pub where_to_bring: &'a str,
    /// Masked: `张*`, `4201**********1234`.
    pub applicant_masked: &'a str,
    pub id_masked: &'a str,
    /// The tracking address, `{no}` replaced.
    pub track_url: String,
    /// The rating address, `{id}` replaced.
    pub rating_url: String,
}

/// ESC/POS bytes of the receipt (and the commitment when materials are owed).
pub fn render(app: &StoredApplication, ctx: &ApplicationContext) -> Vec<u8> {
    let l = ctx.lang;
    let local = app.submitted_at.with_timezone(&ctx.tz);
    let mut r = Receipt::new();
    if ctx.test {
        r.align(Align::Center)
            .bold(true)
            .line("** 测试凭条 TEST · 无效 NOT VALID **")
            .bold(false);
    }
    r.align(Align::Center).bold(true).line(ctx.hall);
    r.size(1, 2).line(l.pick("申办回执", "Application receipt"));
    r.size(1, 1).bold(false).rule();
    r.line(l.pick("申办编号", "Application number"));
    r.size(1, 2)
        .bold(true)
        .line(&app.number)
        .bold(false)
        .size(1, 1);
    r.rule().align(Align::Left);
    labelled(&mut r, l.pick("事项", "Service"), ctx.service_name);
    labelled(
        &mut r,
        l.pick("申请人", "Applicant"),
        &format!("{} {}", ctx.applicant_masked, ctx.id_masked),
    );
    labelled(
        &mut r,
        l.pick("提交时间", "Submitted"),
        &local.format("%Y-%m-%d %H:%M").to_string(),
    );
    let promised = match app.promised_by {
        Some(d) => match l {
            Lang::Zh => format!("{d}（遇法定节假日顺延）"),
            Lang::En => format!("{d} (working days; public holidays extend it)"),
        },
        None => l.pick("即办件", "On the spot").to_string(),
    };
    labelled(&mut r, l.pick("承诺办结", "Promised by"), &promised);
    if !app.materials_deferred.is_empty() {
        r.rule().bold(true);
        paragraph(
            &mut r,
            l.pick("容缺材料（先办后补）", "Materials owed (容缺)"),
            1,
        );
        r.bold(false);
        for m in &app.materials_deferred {
            paragraph(
                &mut r,
                &match l {
                    Lang::Zh => format!("□ {}：{} 前补交", m.name, m.due),
                    Lang::En => format!("□ {}: bring by {}", m.name, m.due),
                },
                1,
            );
        }
        labelled(&mut r, l.pick("补交地点", "Bring to"), ctx.where_to_bring);
    }
    r.rule().align(Align::Center);
    super::qr(&mut r, &ctx.track_url);
    r.feed(1);
    paragraph(
        &mut r,
        l.pick(
            "扫码或在自助终端“办件查询”查看进度",
            "Scan, or use “Application status” at a kiosk, to follow it",
        ),
        1,
    );
    labelled(&mut r, l.pick("自助终端", "Kiosk"), ctx.kiosk_name);
    super::rating_invitation(&mut r, l, &ctx.rating_url, false);
    r.feed(2).partial_cut(3);
    if !app.materials_deferred.is_empty() {
        commitment(&mut r, app, ctx);
    }
    r.into_bytes()
}

/// The 容缺 commitment (承诺书): what is owed, by when, and lines to sign at the window.
fn commitment(r: &mut Receipt, app: &StoredApplication, ctx: &ApplicationContext) {
    let l = ctx.lang;
    r.align(Align::Center).bold(true).size(1, 2);
    r.line(l.pick("容缺受理承诺书", "Commitment (容缺受理)"));
    r.size(1, 1).bold(false).rule().align(Align::Left);
    labelled(r, l.pick("申办编号", "Application number"), &app.number);
    labelled(r, l.pick("事项", "Service"), ctx.service_name);
    paragraph(
        r,
        l.pick(
            "本人申请容缺受理，承诺在下列期限内补交以下材料，并对所提交材料的真实性负责。逾期未补交的，同意按不予受理处理。",
            "I ask for my application to be accepted with these materials owed. I will bring them by the dates below \
             and answer for the truth of what I submit. If I do not, the application may be refused.",
        ),
        1,
    );
    for m in &app.materials_deferred {
        paragraph(
            r,
            &match l {
                Lang::Zh => format!("□ {}：{} 前", m.name, m.due),
                Lang::En => format!("□ {}: by {}", m.name, m.due),
            },
            1,
        );
    }
    labelled(r, l.pick("补交地点", "Bring to"), ctx.where_to_bring);
    r.feed(1);
    r.line(l.pick(
        "承诺人（签字）：________________",
        "Signed: ________________",
    ));
    r.feed(1);
    r.line(l.pick("日期：______年____月____日", "Date: ____________"));
    r.feed(2).partial_cut(3);
}
