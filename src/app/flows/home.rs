//! The home page: a tile for each service the registered flows offer, disabled while what it needs is down.

use slint::{ComponentHandle, Model, ModelRc, VecModel};

use super::{Flow, PageSpec, Preview};
use crate::app::{Kiosk, HOME};
use crate::ui::{AppWindow, HomeAdapter, HomeTile};

pub struct Home;

impl Flow for Home {
    fn name(&self) -> &'static str {
        "home"
    }

    fn pages(&self) -> &'static [PageSpec] {
        const PAGES: [PageSpec; 1] = [PageSpec::new(HOME)];
        &PAGES
    }

    fn wire(&self, kiosk: &Kiosk) {
        let k = kiosk.clone();
        kiosk.with_window(|w| {
            w.global::<HomeAdapter>().on_start(move |code| {
                let (name, entry) = code.split_once(':').unwrap_or((&code, ""));
                match super::all().iter().find(|f| f.name() == name) {
                    Some(flow) => flow.start(&k, entry),
                    None => tracing::error!("home tile {code:?} names no flow"),
                }
            })
        });
        refresh_tiles(kiosk);
    }

    fn start(&self, kiosk: &Kiosk, _entry: &str) {
        kiosk.home();
    }

    fn clear(&self, _kiosk: &Kiosk, _window: &AppWindow) {}

    fn preview<'a>(&'a self, kiosk: &'a Kiosk, _preview: &'a str) -> Preview<'a> {
        Box::pin(async move {
            kiosk.go(HOME);
            Ok(())
        })
    }
}

/// Every flow's tiles, in registration order, each marked available or not (called every second).
pub(crate) fn refresh_tiles(kiosk: &Kiosk) {
    let tiles: Vec<HomeTile> = super::all()
        .iter()
        .flat_map(|flow| {
            flow.tiles().iter().map(move |t| HomeTile {
                code: t.code.into(),
                primary: t.primary,
                available: flow.tile_available(kiosk, t.code),
            })
        })
        .collect();
    kiosk.with_window(|w| {
        let adapter = w.global::<HomeAdapter>();
        let current = adapter.get_tiles();
        let same =
            current.row_count() == tiles.len() && current.iter().zip(&tiles).all(|(a, b)| a == *b);
        if !same {
            adapter.set_tiles(ModelRc::new(VecModel::from(tiles)));
        }
    });
}
