//! Citizen flows as units. A flow is its module here, its pages and Adapter global in `ui/flows/<flow>/`, its
//! migration and its translations — and one line in [`all`]. Navigation, the session wipe, screenshots, the
//! layout test and the tour learn about pages from here, never from a `match` over pages.

pub mod apply;
pub mod appointment;
pub mod guide;
pub mod home;
pub mod identity;
pub mod maintenance;
pub mod pickup;
pub mod priority;
pub mod rating;
pub mod ticket;
pub mod track;

use std::future::Future;
use std::pin::Pin;

use super::Kiosk;
use crate::ui::AppWindow;

/// Every registered flow, in the order of their home tiles.
pub fn all() -> &'static [&'static dyn Flow] {
    &[
        &home::Home,
        &identity::IdentityStep,
        &ticket::Ticket,
        &priority::Priority,
        &guide::Guide,
        &apply::Apply,
        &pickup::Pickup,
        &rating::Rating,
        &maintenance::Maintenance,
        &appointment::Appointment,
        &track::Track,
    ]
}

/// One page of a flow.
#[derive(Debug)]
pub struct PageSpec {
    /// "flow.page", e.g. "guide.detail": the name `Nav.page` holds and the script runner's `wait` uses.
    pub name: &'static str,
    /// Whether "返回" can come back to it. Steps that only pass (reading a card) are not remembered.
    pub in_history: bool,
}

impl PageSpec {
    pub const fn new(name: &'static str) -> PageSpec {
        PageSpec {
            name,
            in_history: true,
        }
    }

    /// A page "返回" skips over.
    pub const fn passing(name: &'static str) -> PageSpec {
        PageSpec {
            name,
            in_history: false,
        }
    }

    /// The flow part of the name.
    pub fn flow(&self) -> &'static str {
        self.name.split('.').next().unwrap_or(self.name)
    }
}

/// A home tile a flow offers: `code` is "flow" or "flow:entry".
#[derive(Debug, Clone, Copy)]
pub struct TileSpec {
    pub code: &'static str,
    pub primary: bool,
}

/// The work of [`Flow::preview`].
pub type Preview<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + 'a>>;

pub trait Flow {
    /// The flow's name, the prefix of its pages.
    fn name(&self) -> &'static str;
    /// Its pages.
    fn pages(&self) -> &'static [PageSpec];
    /// Its home tiles.
    fn tiles(&self) -> &'static [TileSpec] {
        &[]
    }
    /// Whether a tile's service can be used now (its device is there, …).
    fn tile_available(&self, _kiosk: &Kiosk, _code: &str) -> bool {
        true
    }
    /// Connect its adapter's callbacks.
    fn wire(&self, kiosk: &Kiosk);
    /// A home tile of this flow was tapped; `entry` is what follows "flow:" in the tile's code ("" if none).
    fn start(&self, kiosk: &Kiosk, _entry: &str) {
        if let Some(first) = self.pages().first() {
            kiosk.go(first.name);
        }
    }
    /// Leaving one of its pages.
    fn leave(&self, _kiosk: &Kiosk, _page: &str) {}
    /// "完成" on one of its pages; `true` when the flow took it (a staff page returns to its own list, not home).
    fn done(&self, _kiosk: &Kiosk, _page: &str) -> bool {
        false
    }
    /// A service's guide page offers this flow for that service ("预约", "申办"): the code of its button
    /// (`GuideStrings.next-step` in ui/flows/guide/guide-adapter.slint translates it), or `None`.
    fn offer_for_service(&self, _service: &sanban_wire::Service) -> Option<&'static str> {
        None
    }
    /// Start with the service chosen on its guide page (the button of [`Flow::offer_for_service`]).
    fn start_for_service(&self, _kiosk: &Kiosk, _service_id: &str) {}
    /// Forget the citizen: reset the adapter to its empty state.
    fn clear(&self, kiosk: &Kiosk, window: &AppWindow);
    /// The states worth a picture: each page, and "page#variant" for other states of a page (a failed print, a
    /// long list). Screenshots, the layout test and the tour walk these.
    fn previews(&self) -> Vec<String> {
        self.pages().iter().map(|p| p.name.to_string()).collect()
    }
    /// Put the page of `preview` ("page" or "page#variant") into that state with sample data.
    fn preview<'a>(&'a self, kiosk: &'a Kiosk, preview: &'a str) -> Preview<'a>;
}

/// The registered page called `name`.
pub fn page(name: &str) -> Option<&'static PageSpec> {
    all()
        .iter()
        .flat_map(|f| f.pages().iter())
        .find(|p| p.name == name)
}

/// The flow a page belongs to.
pub fn flow_of(page: &str) -> Option<&'static dyn Flow> {
    let name = page.split('.').next()?;
    all().iter().copied().find(|f| f.name() == name)
}

/// Every registered page, in registration order.
pub fn all_pages() -> impl Iterator<Item = &'static PageSpec> {
    all().iter().flat_map(|f| f.pages().iter())
}

/// Every preview of every flow, in registration order.
pub fn all_previews() -> Vec<String> {
    all().iter().flat_map(|f| f.previews()).collect()
}

/// Put the kiosk into preview state `name` (see [`Flow::previews`]).
pub async fn preview(kiosk: &Kiosk, name: &str) -> anyhow::Result<()> {
    let page = name.split('#').next().unwrap_or(name);
    let flow = flow_of(page).ok_or_else(|| anyhow::anyhow!("no flow owns {name:?}"))?;
    anyhow::ensure!(
        flow.previews().iter().any(|p| p == name),
        "unknown preview {name:?}; previews: {}",
        all_previews().join(", ")
    );
    flow.preview(kiosk, name).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_names_are_unique_and_belong_to_their_flow() {
        let mut seen = std::collections::BTreeSet::new();
        for flow in all() {
            for page in flow.pages() {
                assert!(seen.insert(page.name), "{} registered twice", page.name);
                assert_eq!(
                    page.flow(),
                    flow.name(),
                    "{} is not named after its flow",
                    page.name
                );
            }
        }
        assert!(page(super::super::kiosk::HOME).is_some());
    }
}
