//! The PIN pad: digits are kept here (zeroized when dropped), the screen shows only how many there are. A try is
//! checked off the UI thread (Argon2id takes a while by design) through the lock-out in `crate::maintenance`.

use std::cell::RefCell;

use slint::ComponentHandle;
use zeroize::Zeroizing;

use super::{enter_as, t, PAD};
use crate::app::Kiosk;
use crate::maintenance::{Attempt, Entry, Gate};
use crate::ui::{AppWindow, MaintenanceAdapter};

/// The longest PIN or code the pad takes.
const MAX_DIGITS: usize = 12;

thread_local! {
    static TYPED: RefCell<Zeroizing<String>> = RefCell::new(Zeroizing::new(String::new()));
}

fn gate(kiosk: &Kiosk) -> Gate {
    let s = kiosk.services();
    Gate::new(&s.config, s.store.clone(), s.clock.clone(), s.tz)
}

pub(super) fn wire(kiosk: &Kiosk, w: &AppWindow) {
    let adapter = w.global::<MaintenanceAdapter>();
    let k = kiosk.clone();
    adapter.on_pad_key(move |c| {
        let n = TYPED.with(|t| {
            let mut t = t.borrow_mut();
            if t.len() < MAX_DIGITS && c.chars().all(|c| c.is_ascii_digit()) {
                t.push_str(&c);
            }
            t.len()
        });
        show_typed(&k, n);
    });
    let k = kiosk.clone();
    adapter.on_pad_erase(move || {
        let n = TYPED.with(|t| {
            let mut t = t.borrow_mut();
            t.pop();
            t.len()
        });
        show_typed(&k, n);
    });
    let k = kiosk.clone();
    adapter.on_pad_clear(move || forget_typed(&k));
    let k = kiosk.clone();
    adapter.on_pad_switch(move || {
        forget_typed(&k);
        k.with_window(|w| {
            let a = w.global::<MaintenanceAdapter>();
            a.set_code_mode(!a.get_code_mode());
        });
        explain(&k);
    });
    let k = kiosk.clone();
    adapter.on_pad_submit(move || submit(&k));
}

fn show_typed(kiosk: &Kiosk, n: usize) {
    kiosk.with_window(|w| w.global::<MaintenanceAdapter>().set_typed(n as i32));
}

/// Drop what was typed (zeroized).
pub(super) fn forget_typed(kiosk: &Kiosk) {
    TYPED.with(|t| *t.borrow_mut() = Zeroizing::new(String::new()));
    show_typed(kiosk, 0);
}

/// The hidden entry was held: the pad (a citizen's session is wiped first).
pub(super) fn open(kiosk: &Kiosk) {
    if kiosk.page().starts_with("maintenance.") {
        return;
    }
    tracing::info!("maintenance pad opened");
    kiosk.home();
    kiosk.go(PAD);
    explain(kiosk);
}

/// "锁定中…" or "未设置…" or nothing, for the pad's current mode.
fn explain(kiosk: &Kiosk) {
    let gate = gate(kiosk);
    let Some(w) = kiosk.window() else { return };
    let adapter = w.global::<MaintenanceAdapter>();
    let provisioning = gate.provisioning();
    let code_mode = adapter.get_code_mode();
    let provisioned = if code_mode {
        provisioning.code
    } else {
        provisioning.pins
    };
    if let Some(until) = gate.locked_until() {
        let local = until.with_timezone(&kiosk.services().tz).format("%H:%M");
        adapter.set_pad_open(false);
        adapter.set_pad_message(locked_message(kiosk, &local.to_string()));
        adapter.set_pad_tone("fault".into());
    } else if !provisioned {
        adapter.set_pad_open(false);
        adapter.set_pad_message(unprovisioned_message(kiosk, code_mode));
        adapter.set_pad_tone("warn".into());
    } else {
        adapter.set_pad_open(true);
        adapter.set_pad_message("".into());
    }
}

pub(super) fn locked_message(kiosk: &Kiosk, until: &str) -> slint::SharedString {
    match kiosk.session().lang {
        crate::lang::Lang::Zh => format!("输错次数过多，已锁定，请于 {until} 后再试。"),
        crate::lang::Lang::En => format!("Too many wrong tries: locked until {until}."),
    }
    .into()
}

pub(super) fn unprovisioned_message(kiosk: &Kiosk, code: bool) -> slint::SharedString {
    if code {
        t(
            kiosk,
            "本机尚未设置一次性维护码密钥：在平台上运行 sanban-platform maintenance-secret 本机编号，再在本机以 root 身份运行 sanban-kiosk maintenance set-code-secret。",
            "No one-time code secret on this kiosk: run sanban-platform maintenance-secret KIOSK-ID on the platform, then sanban-kiosk maintenance set-code-secret here as root.",
        )
    } else {
        t(
            kiosk,
            "本机尚未设置维护密码：请以 root 身份运行 sanban-kiosk maintenance set-pin，再重启本机应用。",
            "No technician PIN on this kiosk: run sanban-kiosk maintenance set-pin as root, then restart the kiosk app.",
        )
    }
    .into()
}

fn submit(kiosk: &Kiosk) {
    let Some(w) = kiosk.window() else { return };
    let adapter = w.global::<MaintenanceAdapter>();
    if adapter.get_busy() {
        return;
    }
    let typed =
        TYPED.with(|t| std::mem::replace(&mut *t.borrow_mut(), Zeroizing::new(String::new())));
    show_typed(kiosk, 0);
    if typed.is_empty() {
        return;
    }
    let attempt = if adapter.get_code_mode() {
        Attempt::Code(typed)
    } else {
        Attempt::Pin(typed)
    };
    adapter.set_busy(true);
    adapter.set_pad_message(t(kiosk, "正在核对…", "Checking…").into());
    adapter.set_pad_tone("info".into());
    let gate = gate(kiosk);
    let task = kiosk
        .services()
        .runtime
        .spawn_blocking(move || gate.try_enter(attempt));
    let k = kiosk.downgrade();
    let _ = slint::spawn_local(async move {
        let entry = task
            .await
            .unwrap_or_else(|e| Entry::Unavailable(format!("the check stopped: {e}")));
        let Some(kiosk) = k.upgrade() else { return };
        kiosk.with_window(|w| w.global::<MaintenanceAdapter>().set_busy(false));
        if kiosk.page() != PAD {
            return;
        }
        answer(&kiosk, entry);
    });
}

fn answer(kiosk: &Kiosk, entry: Entry) {
    let Some(w) = kiosk.window() else { return };
    let adapter = w.global::<MaintenanceAdapter>();
    let say = |message: slint::SharedString, tone: &str| {
        adapter.set_pad_message(message);
        adapter.set_pad_tone(tone.into());
    };
    match entry {
        Entry::Granted { technician, .. } => {
            adapter.set_pad_message("".into());
            enter_as(kiosk, &technician);
        }
        Entry::Refused { tries_left } => say(
            match kiosk.session().lang {
                crate::lang::Lang::Zh => format!("密码错误，还可以再试 {tries_left} 次"),
                crate::lang::Lang::En => format!("Wrong PIN or code: {tries_left} tries left"),
            }
            .into(),
            "warn",
        ),
        Entry::LockedOut { .. } | Entry::Locked { .. } => explain(kiosk),
        Entry::NotProvisioned => explain(kiosk),
        Entry::Unavailable(why) => say(
            match kiosk.session().lang {
                crate::lang::Lang::Zh => format!("维护模式暂不可用：{why}"),
                crate::lang::Lang::En => format!("Maintenance mode is unavailable: {why}"),
            }
            .into(),
            "fault",
        ),
    }
}
