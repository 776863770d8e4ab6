//! ESC/POS command framing: how many bytes the command at the start of a buffer spans.
//!
//! Shared by the simulator (which must tell real-time queries and cuts apart from image data that may contain
//! the same byte values) and the renderer. Only the *extent* is decided here; the meaning is up to the caller.

/// DLE (0x10), the real-time command prefix.
pub(crate) const DLE: u8 = 0x10;
/// ESC (0x1B).
pub(crate) const ESC: u8 = 0x1B;
/// FS (0x1C), the Chinese-mode command prefix.
pub(crate) const FS: u8 = 0x1C;
/// GS (0x1D).
pub(crate) const GS: u8 = 0x1D;

/// Longest run of a NUL-terminated parameter list we wait for before giving up on the terminator.
const MAX_NUL_SCAN: usize = 256;

/// The number of bytes of the command starting at `buf[0]`.
///
/// `None`: the header is not complete yet (more bytes are needed to know the length; headers are short, so a
/// caller that buffers until `Some` buffers a bounded amount). `Some(n)`: the command is `n >= 1` bytes long,
/// which may be more than `buf.len()` when its data has not all arrived (e.g. a raster image).
/// A byte that starts no command (text, LF, unknown control) spans 1 byte.
pub(crate) fn command_extent(buf: &[u8]) -> Option<usize> {
    let first = *buf.first()?;
    match first {
        DLE => dle_extent(buf),
        ESC => esc_extent(buf),
        FS => fs_extent(buf),
        GS => gs_extent(buf),
        _ => Some(1),
    }
}

fn byte(buf: &[u8], i: usize) -> Option<usize> {
    buf.get(i).map(|&b| b as usize)
}

/// `pL pH` at `i`: a little-endian 16-bit length.
fn le16(buf: &[u8], i: usize) -> Option<usize> {
    Some(byte(buf, i)? | byte(buf, i + 1)? << 8)
}

/// Length up to and including a NUL at or after `start`, bounded so noise cannot make us wait forever.
fn nul_terminated(buf: &[u8], start: usize) -> Option<usize> {
    let window = buf.get(start..).unwrap_or(&[]);
    match window.iter().take(MAX_NUL_SCAN).position(|&b| b == 0) {
        Some(p) => Some(start + p + 1),
        None if window.len() >= MAX_NUL_SCAN => Some(start + MAX_NUL_SCAN),
        None => None,
    }
}

fn dle_extent(buf: &[u8]) -> Option<usize> {
    match buf.get(1) {
        None => None,
        Some(0x04) | Some(0x05) => Some(3),
        Some(0x14) => match byte(buf, 2)? {
            7 => Some(4),
            8 => Some(10),
            _ => Some(5),
        },
        // A lone DLE is not a command we know: step over it alone.
        Some(_) => Some(1),
    }
}

fn esc_extent(buf: &[u8]) -> Option<usize> {
    let c = *buf.get(1)?;
    Some(match c {
        b'@' | b'2' | b'L' | b'S' | b'i' | b'm' | b'<' | 0x0C => 2,
        b' ' | b'!' | b'%' | b'-' | b'3' | b'J' | b'K' | b'a' | b'd' | b'e' | b'E' | b'G'
        | b'M' | b'R' | b'r' | b't' | b'U' | b'V' | b'{' | b'=' | b'T' | b'?' | b'u' | b'v'
        | b'I' => 3,
        b'$' | b'\\' | b'c' => 4,
        b'p' => 5,
        b'W' => 10,
        b'*' => {
            let m = byte(buf, 2)?;
            let n = le16(buf, 3)?;
            5 + n * if m <= 1 { 1 } else { 3 }
        }
        b'(' => 5 + le16(buf, 3)?,
        b'D' => return nul_terminated(buf, 2),
        b'&' => return user_chars_extent(buf),
        _ => 2,
    })
}

/// `ESC & y c1 c2 [x d1..d(y*x)]...`: one block per character code from c1 to c2.
fn user_chars_extent(buf: &[u8]) -> Option<usize> {
    let y = byte(buf, 2)?;
    let c1 = byte(buf, 3)?;
    let c2 = byte(buf, 4)?;
    let mut at = 5;
    if c2 >= c1 {
        for _ in c1..=c2 {
            let x = byte(buf, at)?;
            at += 1 + x * y;
        }
    }
    Some(at)
}

fn fs_extent(buf: &[u8]) -> Option<usize> {
    let c = *buf.get(1)?;
    Some(match c {
        b'&' | b'.' => 2,
        b'!' | b'-' | b'C' | b'W' | b'g' => 3,
        b'S' | b'p' => 4,
        b'2' => 76,
        b'(' => 5 + le16(buf, 3)?,
        _ => 2,
    })
}

fn gs_extent(buf: &[u8]) -> Option<usize> {
    let c = *buf.get(1)?;
    Some(match c {
        b'!' | b'B' | b'H' | b'I' | b'a' | b'b' | b'f' | b'h' | b'r' | b'w' | b'T' | b'/'
        | b'E' | b'j' => 3,
        b'V' => match byte(buf, 2)? {
            65 | 66 | 97 | 98 | 103 | 104 => 4,
            _ => 3,
        },
        b'v' => {
            // GS v 0 m xL xH yL yH d1..dk, k = x·y
            let x = le16(buf, 4)?;
            let y = le16(buf, 6)?;
            8 + x * y
        }
        b'(' => 5 + le16(buf, 3)?,
        b'8' => {
            let len =
                byte(buf, 3)? | byte(buf, 4)? << 8 | byte(buf, 5)? << 16 | byte(buf, 6)? << 24;
            7usize.saturating_add(len)
        }
        b'L' | b'W' | b'$' | b'\\' | b'P' => 4,
        b'*' => 4 + byte(buf, 2)? * byte(buf, 3)? * 8,
        b'k' => {
            let m = byte(buf, 2)?;
            if m <= 6 {
                return nul_terminated(buf, 3);
            }
            4 + byte(buf, 3)?
        }
        b'^' => 5,
        b'g' => 6,
        _ => 2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_commands_have_their_spec_lengths() {
        assert_eq!(command_extent(b"\x10\x04\x01"), Some(3));
        assert_eq!(command_extent(b"\x1b@"), Some(2));
        assert_eq!(command_extent(b"\x1b3\x20"), Some(3));
        assert_eq!(command_extent(b"\x1c&"), Some(2));
        assert_eq!(command_extent(b"\x1dVB\x03"), Some(4));
        assert_eq!(command_extent(b"\x1dV\x01"), Some(3));
        assert_eq!(command_extent(b"\x1dIE"), Some(3));
        assert_eq!(command_extent(b"A"), Some(1));
    }

    #[test]
    fn variable_commands_take_their_declared_data() {
        // GS v 0, 2 bytes wide, 3 dots high: 8 + 6
        assert_eq!(command_extent(b"\x1dv0\x00\x02\x00\x03\x00"), Some(14));
        // GS ( k with pL=4
        assert_eq!(command_extent(b"\x1d(k\x04\x001A2\x00"), Some(9));
        assert_eq!(command_extent(b"\x1dk\x04ABC\x00"), Some(7));
    }

    #[test]
    fn incomplete_headers_ask_for_more() {
        assert_eq!(command_extent(b""), None);
        assert_eq!(command_extent(b"\x10"), None);
        assert_eq!(command_extent(b"\x1dv0\x00\x02"), None);
        assert_eq!(command_extent(b"\x1dV"), None);
    }
}
