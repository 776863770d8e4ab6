//! The one-time notice (一次性告知书): a service's whole guide on paper — every field of the national service-item
//! list, the materials as a □ checklist with counts, a QR code to the online guide, the catalog version and the
//! print time — so the citizen comes back once, with everything.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sanban_hardware::printer::{Align, Receipt};
use sanban_wire::Service;

use super::{labelled, paragraph};
use crate::lang::{category_name, Lang};

pub struct NoticeContext<'a> {
    pub hall: &'a str,
    pub kiosk_name: &'a str,
    pub tz: Tz,
    pub lang: Lang,
    pub catalog_version: u64,
    /// Where the QR code leads: the service's online address, or the online guide.
    pub online_guide: String,
    pub printed_at: DateTime<Utc>,
    pub test: bool,
    /// The rating address of this errand (`{id}` already replaced).
    pub rating_url: String,
}

/// Days as the notice says them.
fn days(n: u32, l: Lang) -> String {
    match (n, l) {
        (0, Lang::Zh) => "当场办结".into(),
        (0, Lang::En) => "on the spot".into(),
        (n, Lang::Zh) => format!("{n} 个工作日"),
        (1, Lang::En) => "1 working day".into(),
        (n, Lang::En) => format!("{n} working days"),
    }
}

fn yes_no(v: bool, l: Lang) -> &'static str {
    match (v, l) {
        (true, Lang::Zh) => "是",
        (false, Lang::Zh) => "否",
        (true, Lang::En) => "yes",
        (false, Lang::En) => "no",
    }
}

/// The ESC/POS bytes of the notice for `s`.
pub fn render(s: &Service, ctx: &NoticeContext) -> Vec<u8> {
    let l = ctx.lang;
    let mut r = Receipt::new();
    if ctx.test {
        r.align(Align::Center)
            .bold(true)
            .line("** 测试凭条 TEST · 无效 NOT VALID **")
            .bold(false);
    }
    r.align(Align::Center).bold(true).line(ctx.hall);
    r.size(1, 2).line(l.pick("一次性告知书", "One-time notice"));
    r.size(1, 1).bold(false);
    r.rule();
    r.align(Align::Left).bold(true).size(1, 2);
    paragraph(&mut r, l.pick(&s.name_zh, &s.name_en), 1);
    r.size(1, 1).bold(false);
    labelled(&mut r, l.pick("实施编码", "Code"), &s.code);
    labelled(
        &mut r,
        l.pick("事项类型", "Type"),
        l.pick(s.item_type.label_zh(), s.item_type.label_en()),
    );
    labelled(
        &mut r,
        l.pick("办件类型", "Handling"),
        l.pick(s.handling.label_zh(), s.handling.label_en()),
    );
    labelled(
        &mut r,
        l.pick("实施机构", "Department"),
        l.pick(&s.department, &s.department_en),
    );
    labelled(
        &mut r,
        l.pick("办事窗口", "Window"),
        category_name(&s.category, l),
    );
    labelled(
        &mut r,
        l.pick("法定办结时限", "Legal time limit"),
        &days(s.legal_limit_days, l),
    );
    labelled(
        &mut r,
        l.pick("承诺办结时限", "Promised time limit"),
        &days(s.promised_limit_days, l),
    );
    let visits = match (s.visits, l) {
        (0, Lang::Zh) => "0 次（全程网办）".to_string(),
        (0, Lang::En) => "none (fully online)".to_string(),
        (n, Lang::Zh) => format!("{n} 次"),
        (n, Lang::En) => format!("{n}"),
    };
    labelled(&mut r, l.pick("到现场次数", "Visits to the hall"), &visits);

    r.rule().bold(true);
    r.line(&match l {
        Lang::Zh => format!("申请材料（共 {} 项，请逐项勾选）", s.materials.len()),
        Lang::En => format!("Materials ({}; tick each)", s.materials.len()),
    });
    r.bold(false);
    for (i, m) in s.materials.iter().enumerate() {
        paragraph(
            &mut r,
            &format!("□ {}. {}", i + 1, l.pick(&m.name, &m.name_en)),
            1,
        );
        let mut facts = Vec::new();
        if m.originals > 0 {
            facts.push(match l {
                Lang::Zh => format!("原件 {} 份", m.originals),
                Lang::En => format!("{} original(s)", m.originals),
            });
        }
        if m.copies > 0 {
            facts.push(match l {
                Lang::Zh => format!("复印件 {} 份", m.copies),
                Lang::En => format!("{} copy(ies)", m.copies),
            });
        }
        facts.push(l.pick(m.form.label_zh(), m.form.label_en()).to_string());
        facts.push(if m.core {
            l.pick("必要材料", "required").to_string()
        } else if m.deferrable {
            match l {
                Lang::Zh => format!(
                    "可容缺，受理后 {} 个工作日内补交",
                    m.defer_days.unwrap_or(0)
                ),
                Lang::En => format!(
                    "may follow within {} working days",
                    m.defer_days.unwrap_or(0)
                ),
            }
        } else {
            l.pick("非核心材料", "non-core").to_string()
        });
        facts.push(l.pick(m.source.label_zh(), m.source.label_en()).to_string());
        for w in super::wrap(&facts.join(" · "), sanban_hardware::printer::COLUMNS - 4) {
            r.line(&format!("    {w}"));
        }
        if let Some(form) = &m.blank_form {
            for w in super::wrap(
                &format!("{}{}", l.pick("空白表格：", "Blank form: "), form.name),
                sanban_hardware::printer::COLUMNS - 4,
            ) {
                r.line(&format!("    {w}"));
            }
        }
        if !m.note.is_empty() {
            for w in super::wrap(&m.note, sanban_hardware::printer::COLUMNS - 4) {
                r.line(&format!("    {w}"));
            }
        }
    }

    r.rule();
    labelled(
        &mut r,
        l.pick("受理条件", "Conditions"),
        &s.conditions.join("；"),
    );
    r.line(l.pick("办理流程：", "Steps:"));
    for (i, step) in s.steps.iter().enumerate() {
        for (j, w) in super::wrap(step, sanban_hardware::printer::COLUMNS - 4)
            .iter()
            .enumerate()
        {
            if j == 0 {
                r.line(&format!("{:>2}. {w}", i + 1));
            } else {
                r.line(&format!("    {w}"));
            }
        }
    }
    labelled(
        &mut r,
        l.pick("设定依据", "Legal basis"),
        &s.legal_basis.join("；"),
    );
    let fee = if s.fee.charged {
        format!("{}（{}）", s.fee.standard, s.fee.basis)
    } else {
        l.pick("不收费", "free of charge").to_string()
    };
    labelled(&mut r, l.pick("收费", "Fee"), &fee);
    labelled(&mut r, l.pick("办理地点", "Where"), &s.location);
    labelled(&mut r, l.pick("办理时间", "Hours"), &s.hours_text);
    labelled(&mut r, l.pick("咨询电话", "Enquiries"), &s.phone);
    labelled(
        &mut r,
        l.pick("监督电话", "Complaints"),
        &s.supervision_phone,
    );
    let online = match (&s.online_url, s.online) {
        (Some(url), true) => format!("{} {url}", yes_no(true, l)),
        _ => yes_no(s.online, l).to_string(),
    };
    labelled(&mut r, l.pick("是否网办", "Online"), &online);
    labelled(
        &mut r,
        l.pick("是否可预约", "Appointments"),
        yes_no(s.bookable, l),
    );
    labelled(
        &mut r,
        l.pick("是否可快递", "Results by post"),
        yes_no(s.postable, l),
    );
    if !s.faq.is_empty() {
        r.rule().line(l.pick("常见问题：", "Questions:"));
        for f in &s.faq {
            labelled(&mut r, l.pick("问", "Q"), &f.question);
            labelled(&mut r, l.pick("答", "A"), &f.answer);
        }
    }

    r.rule().align(Align::Center);
    r.line(l.pick("扫码查看网上办事指南", "Scan for the online guide"));
    super::qr(&mut r, &ctx.online_guide);
    r.feed(1);
    r.align(Align::Left);
    r.two_columns(
        l.pick("目录版本", "Catalog version"),
        &ctx.catalog_version.to_string(),
    );
    r.two_columns(
        l.pick("打印时间", "Printed"),
        &ctx.printed_at
            .with_timezone(&ctx.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
    );
    r.two_columns(l.pick("自助终端", "Kiosk"), ctx.kiosk_name);
    r.align(Align::Center);
    paragraph(
        &mut r,
        l.pick(
            "材料备齐后请到对应窗口办理，一次办结。",
            "With everything on this list, one visit is enough.",
        ),
        1,
    );
    super::rating_invitation(&mut r, l, &ctx.rating_url, true);
    r.feed(2).partial_cut(3);
    r.into_bytes()
}
