//! 打印一次性告知书: the notice of the service on screen, from the newest catalog the kiosk holds, committed with its
//! `guide.printed` event in one errand transaction, then printed by the printing service.

use std::time::Instant;

use sanban_wire::{EventPayload, GuidePrinted};
use slint::ComponentHandle;

use super::STATE;
use crate::app::Kiosk;
use crate::receipts::guide_notice::{self, NoticeContext};
use crate::store::{Errand, PrintJob, Subject};
use crate::ui::GuideAdapter;

pub(super) fn print(kiosk: &Kiosk, tapped_at: Instant) {
    let Some(id) = STATE.with(|s| s.borrow().open.as_ref().map(|(s, _)| s.id.clone())) else {
        return;
    };
    let services = kiosk.services();
    let lang = kiosk.session().lang;
    let cfg = &services.config;
    let mut bytes = Vec::new();
    // The errand's number (what a rating refers to).
    let errand_no = format!("G{}", uuid::Uuid::now_v7().simple());
    let committed = services
        .store()
        .commit_errand(services.clock.now(), services.tz, |tx| {
            // Read inside the transaction: the notice follows the catalog as it is now, even if it changed while the
            // citizen was reading.
            let store_version: u64 = tx
                .query_row(
                    "SELECT value FROM meta WHERE key = 'catalog.version'",
                    [],
                    |r| r.get::<_, String>(0),
                )
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let service = crate::store::catalog::service_in(tx, &id)?.ok_or_else(|| {
                crate::store::StoreError::Invalid(format!(
                    "service {id} is no longer in the catalog"
                ))
            })?;
            let online_guide = service
                .online_url
                .clone()
                .unwrap_or_else(|| cfg.guide.online_guide_url.replace("{code}", &service.code));
            bytes = guide_notice::render(
                &service,
                &NoticeContext {
                    hall: cfg.kiosk.hall_in(lang),
                    kiosk_name: cfg.kiosk.name_in(lang),
                    tz: services.tz,
                    lang,
                    catalog_version: store_version,
                    online_guide,
                    printed_at: services.clock.now(),
                    test: services.test_mode,
                    rating_url: cfg.guide.rating_url.replace("{id}", &errand_no),
                },
            );
            Ok(Errand {
                value: (),
                event: EventPayload::GuidePrinted(GuidePrinted {
                    service: service.id.clone(),
                    catalog_version: store_version,
                    language: lang.code().into(),
                }),
                print: Some(PrintJob {
                    subject: Subject::GuideNotice,
                    subject_id: service.id.clone(),
                    bytes: bytes.clone(),
                }),
            })
        });
    let Some(w) = kiosk.window() else { return };
    let a = w.global::<GuideAdapter>();
    match committed {
        Ok(c) => {
            services.poke_sync();
            a.set_notice_sent(true);
            a.set_notice_failed(false);
            kiosk.complete_errand(crate::app::CompletedErrand {
                errand: "guide",
                id: errand_no.clone(),
                service: Some(id),
            });
            if let Some(job) = c.print_job {
                crate::app::printing::print(kiosk, job, bytes, tapped_at);
            }
        }
        Err(e) => {
            tracing::error!(service = %id, "notice not printed: {e}");
            a.set_notice_failed(true);
        }
    }
}
