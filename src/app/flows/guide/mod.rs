//! 办事指南 / 一次性告知书: find a service (pinyin initials, full pinyin, keyword chips, or browsing by window
//! category and department), read its guide, print its one-time notice, go on to take a ticket.

use slint::ComponentHandle;

use super::{Flow, PageSpec, Preview, TileSpec};
use crate::app::Kiosk;
use crate::ui::{AppWindow, GuideAdapter};

pub const SEARCH: &str = "guide.search";
pub const BROWSE: &str = "guide.browse";
pub const LIST: &str = "guide.list";
pub const DETAIL: &str = "guide.detail";

pub struct Guide;

impl Flow for Guide {
    fn name(&self) -> &'static str {
        "guide"
    }

    fn pages(&self) -> &'static [PageSpec] {
        const PAGES: [PageSpec; 4] = [
            PageSpec::new(SEARCH),
            PageSpec::new(BROWSE),
            PageSpec::new(LIST),
            PageSpec::new(DETAIL),
        ];
        &PAGES
    }

    fn tiles(&self) -> &'static [TileSpec] {
        &[TileSpec {
            code: "guide",
            primary: false,
        }]
    }

    fn wire(&self, _kiosk: &Kiosk) {}

    fn clear(&self, _kiosk: &Kiosk, window: &AppWindow) {
        let adapter = window.global::<GuideAdapter>();
        adapter.set_query("".into());
        adapter.set_chip("".into());
        adapter.set_notice_sent(false);
        adapter.set_notice_failed(false);
        adapter.set_outdated(false);
    }

    fn preview<'a>(&'a self, kiosk: &'a Kiosk, preview: &'a str) -> Preview<'a> {
        Box::pin(async move {
            kiosk.go(preview);
            Ok(())
        })
    }
}
