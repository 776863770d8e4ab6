//! 免费邮寄's address: the ID card's, or edited on the on-screen pinyin keyboard ("3栋2单元501" after the card's
//! street, or a different address altogether). The address being edited is shown in full on its own page (the
//! citizen must see what they type) and masked everywhere else. It lives in the pickup session only, and goes out
//! sealed in the `pickup.post_requested` event exactly as the card's address does.

use slint::ComponentHandle;

use super::{with_session, ADDRESS, POST};
use crate::app::{pinyin, Kiosk};
use crate::receipts::pickup::mask_address;
use crate::ui::PickupAdapter;

/// The shortest address the post can deliver to: a city, a district, a street and a number ("武汉市汉南区纱帽街3号"
/// is 11 characters). Anything shorter is a fragment ("3栋2单元501") typed in place of the whole address.
pub const MIN_CHARS: usize = 10;
/// The longest address taken: the ID card's address field holds at most 35 characters; room for a flat after it.
pub const MAX_CHARS: usize = 60;

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Empty,
    Short,
}

impl Problem {
    /// The adapter's `address-error`.
    fn as_str(self) -> &'static str {
        match self {
            Problem::Empty => "empty",
            Problem::Short => "short",
        }
    }
}

/// What is wrong with `address` (already trimmed), if anything.
pub fn problem(address: &str) -> Option<Problem> {
    let chars = address.chars().filter(|c| !c.is_whitespace()).count();
    match chars {
        0 => Some(Problem::Empty),
        n if n < MIN_CHARS => Some(Problem::Short),
        _ => None,
    }
}

/// The address as typed: trimmed, inner runs of spaces made one.
pub fn normalized(typed: &str) -> String {
    typed.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn wire(kiosk: &Kiosk, a: &PickupAdapter) {
    let k = kiosk.clone();
    a.on_edit_address(move || edit(&k));
    let k = kiosk.clone();
    a.on_address_done(move || done(&k));
    let k = kiosk.clone();
    // "使用身份证地址" on the post page, once the address was edited.
    a.on_use_card_address(move || {
        let card = card_address(&k);
        with_session(|s| {
            s.address = card;
            s.address_edited = false;
        });
        show(&k);
    });
}

/// The address on the card in the session ("" when the card has none or no card was read).
pub(super) fn card_address(kiosk: &Kiosk) -> String {
    kiosk
        .session()
        .identity
        .as_ref()
        .and_then(|id| id.full().address().map(str::to_string))
        .unwrap_or_default()
}

/// Show the session's address on the post page: masked, and whether it is the card's.
pub(super) fn show(kiosk: &Kiosk) {
    let (address, edited) = with_session(|s| (s.address.clone(), s.address_edited));
    kiosk.with_window(|w| {
        let a = w.global::<PickupAdapter>();
        a.set_address(mask_address(&address).into());
        a.set_has_address(!address.is_empty());
        a.set_address_edited(edited);
        a.set_has_card_address(!card_address(kiosk).is_empty());
        a.set_address_error("".into());
    });
}

/// "修改地址": the keyboard, with the address so far (the card's, or the one edited before) to change.
fn edit(kiosk: &Kiosk) {
    let address = with_session(|s| s.address.clone());
    pinyin::begin(kiosk, &address, MAX_CHARS);
    kiosk.with_window(|w| w.global::<PickupAdapter>().set_address_error("".into()));
    kiosk.go(ADDRESS);
}

/// "确定" on the address page: keep it if it can be posted to, else say why next to it.
fn done(kiosk: &Kiosk) {
    let typed = normalized(&pinyin::text(kiosk));
    if let Some(p) = problem(&typed) {
        kiosk.with_window(|w| {
            w.global::<PickupAdapter>()
                .set_address_error(p.as_str().into())
        });
        return;
    }
    let edited = typed != card_address(kiosk);
    with_session(|s| {
        s.address = typed;
        s.address_edited = edited;
    });
    pinyin::clear(kiosk);
    show(kiosk);
    kiosk.return_to(POST);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_fragment_address_is_refused_and_a_whole_one_taken() {
        assert_eq!(problem(""), Some(Problem::Empty));
        assert_eq!(problem("   "), Some(Problem::Empty));
        assert_eq!(problem("3栋2单元501"), Some(Problem::Short));
        assert_eq!(problem("武汉市汉南区纱帽街3号"), None);
        assert_eq!(
            problem("湖北省武汉市汉南区纱帽街汉南大道88号3栋2单元501"),
            None
        );
    }

    #[test]
    fn spaces_typed_around_and_between_words_are_tidied() {
        assert_eq!(normalized("  汉南大道 88 号   3栋 "), "汉南大道 88 号 3栋");
    }
}
