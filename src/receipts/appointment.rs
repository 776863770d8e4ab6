//! The appointment slip (预约凭条): service, window category, day and time, where, the citizen's masked name, the
//! booking code (large, and in a QR code), how to check in and how to cancel — and, for a booking taken while the
//! platform was unreachable, plainly that it awaits confirmation.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use sanban_hardware::printer::{Align, Receipt};
use sanban_wire::{spaced_code, ClockTime};

use super::{labelled, paragraph};
use crate::lang::{category_name, Lang};
use crate::store::appointments::{Booking, BookingStatus};

/// Everything printed on a slip besides the booking.
pub struct SlipContext<'a> {
    pub hall: &'a str,
    pub kiosk_name: &'a str,
    pub tz: Tz,
    pub lang: Lang,
    /// An acceptance-test slip: marked so that nobody comes with it.
    pub test: bool,
    /// The rating address of this errand (`{id}` already replaced by the booking code).
    pub rating_url: String,
    /// The check-in window around the slot's start, in minutes.
    pub checkin_before: u32,
    pub checkin_after: u32,
    /// Cancel until this many hours before the slot.
    pub cancel_hours: u32,
    pub printed_at: DateTime<Utc>,
}

/// The booking as printed.
pub struct Slip<'a> {
    pub booking: &'a Booking,
    /// In the slip's language.
    pub service_name: &'a str,
    /// Where the service is handled (the catalog's 办理地点, with the hall's address).
    pub location: &'a str,
    /// `张*`.
    pub masked_name: &'a str,
}

/// Text of the QR code: the booking code, for the hall's staff and the check-in.
pub fn qr_payload(code: &str) -> String {
    format!("SANBAN:A:{code}")
}

/// A day as the kiosk says it: `2026年12月2日 周三`, `Wed 2 Dec 2026`.
pub fn date_label(date: NaiveDate, lang: Lang) -> String {
    let weekday = date.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Zh => format!(
            "{}年{}月{}日 {}",
            date.year(),
            date.month(),
            date.day(),
            ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][weekday]
        ),
        Lang::En => format!(
            "{} {} {} {}",
            ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][weekday],
            date.day(),
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
                [date.month0() as usize],
            date.year()
        ),
    }
}

/// `t` moved by `minutes` (within the day).
pub fn shifted(t: ClockTime, minutes: i64) -> ClockTime {
    let m = (t.minutes() as i64 + minutes).clamp(0, 24 * 60 - 1);
    ClockTime::from_minutes(m as u32).unwrap_or(t)
}

/// ESC/POS bytes of the slip.
pub fn render(slip: &Slip, ctx: &SlipContext) -> Vec<u8> {
    let l = ctx.lang;
    let b = slip.booking;
    let pending = b.status == BookingStatus::Pending;
    let mut r = Receipt::new();
    if ctx.test {
        r.align(Align::Center)
            .bold(true)
            .line("** 测试凭条 TEST · 无效 NOT VALID **")
            .bold(false);
    }
    r.align(Align::Center).bold(true).line(ctx.hall);
    r.size(1, 2).line(l.pick("预约凭条", "Appointment slip"));
    r.size(1, 1).bold(false);
    if pending {
        r.rule().bold(true).size(1, 2);
        paragraph(&mut r, l.pick("待确认", "AWAITING CONFIRMATION"), 1);
        r.size(1, 1).bold(false);
        paragraph(
            &mut r,
            l.pick(
                "网络中断时提交，网络恢复后自动送达，以平台确认为准。如未能确认，您下次在本大厅任一自助终端刷身份证时会看到原因。",
                "Taken while the network was down: it is sent as soon as the network is back and counts once the platform confirms it. If it cannot be confirmed, any kiosk of this hall tells you why the next time you read your ID card.",
            ),
            1,
        );
    }
    r.rule();
    r.align(Align::Left).bold(true).size(1, 2);
    paragraph(&mut r, slip.service_name, 1);
    r.size(1, 1).bold(false);
    labelled(
        &mut r,
        l.pick("办理窗口", "Window"),
        category_name(&b.category, l),
    );
    labelled(&mut r, l.pick("预约日期", "Day"), &date_label(b.date, l));
    r.bold(true);
    labelled(
        &mut r,
        l.pick("预约时段", "Time"),
        &format!("{}–{}", b.start, b.end),
    );
    r.bold(false);
    labelled(&mut r, l.pick("办理地点", "Where"), slip.location);
    labelled(&mut r, l.pick("预约人", "Booked by"), slip.masked_name);
    r.rule();
    r.align(Align::Center);
    r.line(l.pick("预约码", "Booking code"));
    r.size(2, 2)
        .bold(true)
        .line(&spaced_code(&b.code))
        .size(1, 1)
        .bold(false);
    super::qr(&mut r, &qr_payload(&b.code));
    r.feed(1);
    r.align(Align::Left);
    let open = shifted(b.start, -(ctx.checkin_before as i64));
    let close = shifted(b.start, ctx.checkin_after as i64);
    r.bold(true)
        .line(l.pick("如何签到", "How to check in"))
        .bold(false);
    paragraph(
        &mut r,
        &match l {
            Lang::Zh => format!(
                "请于当天 {open}–{close} 到达大厅，在自助终端点“预约签到”并刷身份证，领取绿色通道优先号。超过 {close} 未签到，预约作废，可取普通号办理。"
            ),
            Lang::En => format!(
                "On the day, between {open} and {close}, tap \"Check in\" at a kiosk of the hall and read your ID card: you get a priority ticket. After {close} the booking lapses; you may take a normal ticket."
            ),
        },
        1,
    );
    r.bold(true)
        .line(l.pick("如何取消", "How to cancel"))
        .bold(false);
    paragraph(
        &mut r,
        &match l {
            Lang::Zh => format!(
                "最迟在预约时段开始 {} 小时前，可在自助终端点“我的预约”刷身份证取消。无故未到将记为爽约，多次爽约将暂停预约。",
                ctx.cancel_hours
            ),
            Lang::En => format!(
                "Until {} hours before your time, tap \"My appointments\" at a kiosk and read your ID card to cancel. Missed appointments are recorded; repeated ones suspend booking for a while.",
                ctx.cancel_hours
            ),
        },
        1,
    );
    r.rule();
    r.two_columns(
        l.pick("打印时间", "Printed"),
        &ctx.printed_at
            .with_timezone(&ctx.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
    );
    r.two_columns(l.pick("自助终端", "Kiosk"), ctx.kiosk_name);
    super::rating_invitation(&mut r, l, &ctx.rating_url, false);
    r.feed(2).partial_cut(3);
    r.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::appointments::Origin;
    use chrono::TimeZone;

    fn booking(status: BookingStatus) -> Booking {
        Booking {
            code: "7KQ2M9XC".into(),
            service: "SOC-01".into(),
            category: "social".into(),
            date: "2026-12-02".parse().unwrap(),
            slot_id: "0930".into(),
            start: ClockTime::parse("09:30").unwrap(),
            end: ClockTime::parse("10:00").unwrap(),
            status,
            reason: None,
            detail: None,
            refusal_seen: false,
            origin: Origin::Here,
        }
    }

    fn text(bytes: &[u8]) -> String {
        let (t, _, _) = encoding_rs::GB18030.decode(bytes);
        t.chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .collect()
    }

    fn ctx(lang: Lang) -> SlipContext<'static> {
        SlipContext {
            hall: "汉南区政务服务中心",
            kiosk_name: "1号自助终端",
            tz: "Asia/Shanghai".parse().unwrap(),
            lang,
            test: false,
            rating_url: "https://example/hcp?bjbh=7KQ2M9XC".into(),
            checkin_before: 30,
            checkin_after: 15,
            cancel_hours: 2,
            printed_at: Utc.with_ymd_and_hms(2026, 11, 30, 1, 5, 0).unwrap(),
        }
    }

    #[test]
    fn the_slip_says_what_where_when_who_and_how() {
        let b = booking(BookingStatus::Confirmed);
        let slip = Slip {
            booking: &b,
            service_name: "城乡居民基本医疗保险参保登记",
            location: "汉南区政务服务中心(汉南大道318号)一楼B区",
            masked_name: "张*",
        };
        // Wrapped lines may split a phrase: compare with the line breaks removed.
        let t: String = text(&render(&slip, &ctx(Lang::Zh)))
            .split('\n')
            .map(str::trim)
            .collect();
        for part in [
            "预约凭条",
            "城乡居民基本医疗保险参保登记",
            "社会事务类",
            "2026年12月2日 周三",
            "09:30–10:00",
            "汉南大道318号",
            "张*",
            "7KQ2-M9XC",
            "09:00–09:45",
            "我的预约",
            "2 小时前",
            "2026-11-30",
        ] {
            assert!(t.contains(part), "the slip has {part}:\n{t}");
        }
        assert!(!t.contains("待确认"));
        let qr = qr_payload("7KQ2M9XC");
        assert!(
            render(&slip, &ctx(Lang::Zh))
                .windows(qr.len())
                .any(|w| w == qr.as_bytes()),
            "the QR code carries the booking code"
        );
    }

    #[test]
    fn an_offline_booking_says_it_awaits_confirmation_in_either_language() {
        let b = booking(BookingStatus::Pending);
        let slip = Slip {
            booking: &b,
            service_name: "Enrolment",
            location: "Hall",
            masked_name: "张*",
        };
        assert!(text(&render(&slip, &ctx(Lang::Zh))).contains("待确认"));
        let en = text(&render(&slip, &ctx(Lang::En)));
        assert!(en.contains("AWAITING CONFIRMATION"), "{en}");
        assert!(en.contains("Wed 2 Dec 2026"), "{en}");
    }

    #[test]
    fn check_in_times_stay_within_the_day() {
        let t = ClockTime::parse("00:10").unwrap();
        assert_eq!(shifted(t, -30).to_string(), "00:00");
        assert_eq!(shifted(t, 15).to_string(), "00:25");
        assert_eq!(
            shifted(ClockTime::parse("23:50").unwrap(), 30).to_string(),
            "23:59"
        );
    }
}
