//! Kiosk lock-down of the display and keyboard, asked for by the systemd unit (`SANBAN_LOCKDOWN=1`), so that a
//! keyboard plugged into a USB port cannot leave the app:
//! - the unit runs the kiosk on its own virtual terminal (`TTYPath=/dev/tty1`, `StandardInput=tty`); the app brings
//!   that VT to the front and sets it to graphics mode (no console text over the app) with the kernel's keyboard
//!   handling off (`K_OFF`: no Ctrl+Alt+Fn VT switch, no Ctrl+Alt+Del to init, no ^C reaching the app as SIGINT).
//!   Slint's linuxkms backend does neither on a DRM device (it only does it on the fbdev fallback, and its VT-switch
//!   keys are a TODO). The modes belong to the VT, not to the process: they stay while systemd restarts the app;
//! - on a kms build, libinput keyboard events never reach Slint, whose linuxkms backend quits its event loop on
//!   Ctrl+Alt+Backspace and Ctrl+Alt+Del. The kiosk is a touchscreen; technicians use its maintenance mode.
//!
//! A developer running a kms build on a text console does not set the variable and keeps a working keyboard.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// The environment variable the kiosk unit sets to ask for the lock-down.
pub const LOCKDOWN_ENV: &str = "SANBAN_LOCKDOWN";

/// Prepare the display for `sanban-kiosk run` and return the backend selector to use. Under the kiosk unit this
/// locks the console VT (standard input) and, on a kms build, filters the keyboard out.
pub fn prepare_display() -> slint::BackendSelector {
    let selector = slint::BackendSelector::new();
    if std::env::var(LOCKDOWN_ENV).as_deref() != Ok("1") {
        return selector;
    }
    // SAFETY: fd 0 stays open for the whole process; the borrow ends with this call.
    let stdin = unsafe { BorrowedFd::borrow_raw(0) };
    match lock_vt(stdin) {
        Ok(Some(vt)) => tracing::info!("console locked: tty{vt} in front, graphics mode, keyboard off"),
        Ok(None) => tracing::error!(
            "{LOCKDOWN_ENV}=1 but standard input is not a virtual terminal: the console is not locked (the unit needs TTYPath= and StandardInput=tty)"
        ),
        Err(e) => tracing::error!("cannot lock the console: {e}"),
    }
    #[cfg(feature = "kms")]
    let selector =
        selector.with_libinput_event_hook(|event| matches!(event, input::Event::Keyboard(_)));
    selector
}

// <linux/kd.h> and <linux/vt.h>: a stable kernel ABI the libc crate does not carry.
const KDGETMODE: libc::c_ulong = 0x4B3B;
const KDSETMODE: libc::c_ulong = 0x4B3A;
const KDGKBMODE: libc::c_ulong = 0x4B44;
const KDSKBMODE: libc::c_ulong = 0x4B45;
const VT_ACTIVATE: libc::c_ulong = 0x5606;
const VT_WAITACTIVE: libc::c_ulong = 0x5607;
/// `KDSETMODE` argument: the kernel stops drawing the text console on this VT.
pub const KD_GRAPHICS: libc::c_int = 0x01;
/// `KDSKBMODE` argument: the kernel neither translates nor acts on keys for this VT.
pub const K_OFF: libc::c_int = 0x04;
/// The major number of the virtual terminals /dev/tty1../dev/tty63.
const TTY_MAJOR: u32 = 4;

/// Bring the virtual terminal `fd` to the front, put it in graphics mode and turn its keyboard off. `Ok(None)` (and
/// nothing changed) when `fd` is not a virtual terminal; otherwise the VT number.
pub fn lock_vt(fd: BorrowedFd<'_>) -> io::Result<Option<u32>> {
    let Some(vt) = vt_number(fd) else {
        return Ok(None);
    };
    ioctl(fd, VT_ACTIVATE, vt as libc::c_ulong)?;
    ioctl(fd, VT_WAITACTIVE, vt as libc::c_ulong)?;
    set_vt_modes(fd, KD_GRAPHICS, K_OFF)?;
    Ok(Some(vt))
}

/// The VT's display mode and keyboard mode (`KDGETMODE`, `KDGKBMODE`), e.g. `(KD_GRAPHICS, K_OFF)` once locked.
pub fn vt_modes(fd: BorrowedFd<'_>) -> io::Result<(libc::c_int, libc::c_int)> {
    let mut mode: libc::c_int = 0;
    let mut kb: libc::c_int = 0;
    ioctl(
        fd,
        KDGETMODE,
        &mut mode as *mut libc::c_int as libc::c_ulong,
    )?;
    ioctl(fd, KDGKBMODE, &mut kb as *mut libc::c_int as libc::c_ulong)?;
    Ok((mode, kb))
}

/// Set the VT's display mode (`KD_TEXT`, `KD_GRAPHICS`) and keyboard mode (`K_UNICODE`, `K_OFF`, …).
pub fn set_vt_modes(fd: BorrowedFd<'_>, mode: libc::c_int, kb: libc::c_int) -> io::Result<()> {
    ioctl(fd, KDSETMODE, mode as libc::c_ulong)?;
    ioctl(fd, KDSKBMODE, kb as libc::c_ulong)
}

/// The N of /dev/ttyN behind `fd`, if it is a virtual terminal (not a pseudo-terminal, a serial port or a file).
pub fn vt_number(fd: BorrowedFd<'_>) -> Option<u32> {
    // SAFETY: fstat writes into the zeroed struct we own; fd is a valid borrowed descriptor.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
        return None;
    }
    let (major, minor) = (libc::major(st.st_rdev), libc::minor(st.st_rdev));
    let is_char_device = st.st_mode & libc::S_IFMT == libc::S_IFCHR;
    (is_char_device && major == TTY_MAJOR && (1..=63).contains(&minor)).then_some(minor)
}

fn ioctl(fd: BorrowedFd<'_>, request: libc::c_ulong, arg: libc::c_ulong) -> io::Result<()> {
    // SAFETY: every request above takes an integer argument or a pointer to a c_int we own.
    if unsafe { libc::ioctl(fd.as_raw_fd(), request as _, arg) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;
    use std::os::unix::fs::OpenOptionsExt;

    #[test]
    fn a_file_a_null_device_or_a_pseudo_terminal_is_not_locked() {
        let file = tempfile::tempfile().unwrap();
        assert_eq!(lock_vt(file.as_fd()).unwrap(), None);
        let null = std::fs::File::open("/dev/null").unwrap();
        assert_eq!(lock_vt(null.as_fd()).unwrap(), None);
        let (pty, _other_end) = serialport::TTYPort::pair().unwrap();
        // SAFETY: `pty` outlives the borrow.
        let pty_fd = unsafe { BorrowedFd::borrow_raw(pty.as_raw_fd()) };
        assert_eq!(lock_vt(pty_fd).unwrap(), None);
    }

    /// On a machine with virtual terminals (root): the last VT, never the one in front, gets the kiosk's modes and
    /// then its own back. Elsewhere (a container without /dev/tty63) there is nothing to lock and the test says so.
    #[test]
    fn a_virtual_terminal_goes_to_graphics_mode_with_its_keyboard_off() {
        let Ok(tty) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open("/dev/tty63")
        else {
            eprintln!("no /dev/tty63 to open here: the VT modes are not exercised");
            return;
        };
        assert_eq!(vt_number(tty.as_fd()), Some(63));
        let before = vt_modes(tty.as_fd()).unwrap();
        set_vt_modes(tty.as_fd(), KD_GRAPHICS, K_OFF).unwrap();
        let locked = vt_modes(tty.as_fd());
        set_vt_modes(tty.as_fd(), before.0, before.1).unwrap();
        assert_eq!(locked.unwrap(), (KD_GRAPHICS, K_OFF));
        assert_eq!(vt_modes(tty.as_fd()).unwrap(), before, "restored");
    }
}
