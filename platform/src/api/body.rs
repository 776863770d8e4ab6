//! Request body decoding with JSON error replies (axum's own `Json` rejections are plain text).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::{ApiError, MAX_BODY_BYTES};

/// The raw body, or 413/400 with a reason.
pub fn bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!("request body exceeds {MAX_BODY_BYTES} bytes"))
        } else {
            ApiError::BadRequest(format!(
                "cannot read request body: {}",
                rejection.body_text()
            ))
        }
    })
}

/// The body as `T` (unknown fields refused where `T` says so), or 400/413 with a reason.
pub fn json<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = bytes(body)?;
    // Integers written as `3.0` are integers: judged as rewritten (the reason then names the real problem, if any).
    serde_json::from_slice(&bytes)
        .or_else(|e| match integral_numbers_as_integers(&bytes) {
            Some(fixed) => serde_json::from_slice(&fixed),
            None => Err(e),
        })
        .map_err(|e| ApiError::BadRequest(format!("malformed request body: {e}")))
}

/// Longest integer (in digits) worth rewriting: beyond, no field of the API can hold it anyway.
const MAX_INTEGER_DIGITS: usize = 20;

/// The JSON text with every number that denotes an integer but is not written as one (`3.0`, `1e3`, `2.50e1`,
/// `-0.0`) rewritten as a plain integer, or `None` when there is none. JSON (and JSON Schema's `integer`) holds
/// them to be integers; serde does not. Callers try the text as sent first, so a well-written body costs nothing.
pub fn integral_numbers_as_integers(json: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(json.len());
    let mut changed = false;
    let mut i = 0;
    let mut in_string = false;
    while i < json.len() {
        let b = json[i];
        if in_string {
            out.push(b);
            match b {
                b'\\' if i + 1 < json.len() => {
                    out.push(json[i + 1]);
                    i += 1;
                }
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
        }
        if b == b'-' || b.is_ascii_digit() {
            let end = json[i..]
                .iter()
                .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                .map_or(json.len(), |n| i + n);
            let token = &json[i..end];
            match as_integer(token) {
                Some(integer) => {
                    out.extend_from_slice(integer.as_bytes());
                    changed = true;
                }
                None => out.extend_from_slice(token),
            }
            i = end;
            continue;
        }
        out.push(b);
        i += 1;
    }
    changed.then_some(out)
}

/// `token` as a plain integer, if it has a fraction or an exponent and still denotes an integer.
fn as_integer(token: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(token).ok()?;
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], unsigned[at + 1..].parse::<i64>().ok()?),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if mantissa == unsigned && fraction.is_empty() && !unsigned.contains(['e', 'E']) {
        return None; // Already an integer.
    }
    if whole.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    let point = i64::try_from(whole.len()).ok()?.checked_add(exponent)?;
    if point > (MAX_INTEGER_DIGITS + digits.len()) as i64 {
        return None;
    }
    let (integer, rest) = if point <= 0 {
        (String::new(), digits.as_str())
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            "",
        )
    } else {
        (
            digits[..point as usize].to_string(),
            &digits[point as usize..],
        )
    };
    if !rest.bytes().all(|c| c == b'0') {
        return None;
    }
    let integer = integer.trim_start_matches('0');
    if integer.len() > MAX_INTEGER_DIGITS {
        return None;
    }
    Some(match (integer.is_empty(), negative) {
        (true, _) => "0".into(),
        (false, true) => format!("-{integer}"),
        (false, false) => integer.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(text: &str) -> Option<String> {
        integral_numbers_as_integers(text.as_bytes()).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn integral_numbers_are_rewritten_as_integers_and_nothing_else_changes() {
        assert_eq!(
            fix(r#"{"a": 102339.0, "b": [1e3, 2.50e1, -0.0, 7.000, 1E+2]}"#).as_deref(),
            Some(r#"{"a": 102339, "b": [1000, 25, 0, 7, 100]}"#)
        );
        assert_eq!(fix(r#"{"a": 1, "b": -5, "c": "3.0"}"#), None);
        assert_eq!(fix(r#"{"a": 1.5, "b": 2e-1, "c": "x\"1.0"}"#), None);
        assert_eq!(fix("[15e-1, 150e-1]").as_deref(), Some("[15e-1, 15]"));
        // Too big for any field: left for serde to refuse.
        assert_eq!(fix("[1e400]"), None);
        assert_eq!(
            fix("[1.8446744073709551615e19]").as_deref(),
            Some("[18446744073709551615]")
        );
    }
}
