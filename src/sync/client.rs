//! HTTP client of the sync API v1 (reqwest + rustls). Every call has a timeout; errors say whether a retry can
//! help.

use std::time::Duration;

use reqwest::StatusCode;
use sanban_wire::{
    ApplicationList, AppointmentLookup, AppointmentReply, AppointmentRequest, BatchReply, Catalog,
    CitizenAppointments, CitizenKeyReply, EventBatch, HallCalendar, Heartbeat, LeaseReply,
    LeaseRequest, PickupList, SequenceGap, SlotList,
};

/// A sync failure. `Retryable` ones (network, timeouts, 5xx) are retried with backoff.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("platform unreachable: {0}")]
    Unreachable(String),
    #[error("platform error {status}: {body}")]
    Server { status: u16, body: String },
    #[error("platform refused the request ({status}): {body}")]
    Refused { status: u16, body: String },
    #[error("sequence conflict: the platform expects seq {expected} ({reason})")]
    Gap { expected: u64, reason: String },
    #[error("unexpected reply: {0}")]
    Protocol(String),
    #[error("local database: {0}")]
    Store(String),
}

impl SyncError {
    pub fn store(e: crate::store::StoreError) -> SyncError {
        SyncError::Store(e.to_string())
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self, SyncError::Unreachable(_) | SyncError::Server { .. })
    }
}

#[derive(Clone)]
pub struct PlatformClient {
    http: reqwest::Client,
    base: String,
    kiosk_id: String,
    token: String,
}

impl PlatformClient {
    pub fn new(
        base: &str,
        kiosk_id: &str,
        token: &str,
        timeout: Duration,
    ) -> Result<PlatformClient, SyncError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("sanban-kiosk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        Ok(PlatformClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            kiosk_id: kiosk_id.to_string(),
            token: token.to_string(),
        })
    }

    /// The kiosk id this client speaks for.
    pub fn kiosk_id(&self) -> &str {
        &self.kiosk_id
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path.replace("{id}", &self.kiosk_id))
    }

    /// `POST /v1/kiosks/{id}/events`
    pub async fn send_events(&self, batch: &EventBatch) -> Result<BatchReply, SyncError> {
        let response = self
            .http
            .post(self.url("/v1/kiosks/{id}/events"))
            .bearer_auth(&self.token)
            .json(batch)
            .send()
            .await;
        let response = response.map_err(net)?;
        if response.status() == StatusCode::CONFLICT {
            let gap: SequenceGap = response.json().await.map_err(net)?;
            return Err(SyncError::Gap {
                expected: gap.expected_seq,
                reason: gap.error,
            });
        }
        json(response).await
    }

    /// `POST /v1/kiosks/{id}/ticket-leases`
    pub async fn lease(&self, req: &LeaseRequest) -> Result<LeaseReply, SyncError> {
        let r = self
            .http
            .post(self.url("/v1/kiosks/{id}/ticket-leases"))
            .bearer_auth(&self.token)
            .json(req)
            .send()
            .await;
        json(r.map_err(net)?).await
    }

    /// `GET /v1/catalog?since=V`
    pub async fn catalog(&self, since: u64) -> Result<Catalog, SyncError> {
        let r = self
            .http
            .get(self.url(&format!("/v1/catalog?since={since}")))
            .bearer_auth(&self.token)
            .send()
            .await;
        json(r.map_err(net)?).await
    }

    /// `GET /v1/kiosks/{id}/citizen-key`
    pub async fn citizen_key(&self) -> Result<CitizenKeyReply, SyncError> {
        let r = self
            .http
            .get(self.url("/v1/kiosks/{id}/citizen-key"))
            .bearer_auth(&self.token)
            .send()
            .await;
        json(r.map_err(net)?).await
    }

    /// `GET /v1/kiosks/{id}/pickups`
    pub async fn pickups(&self) -> Result<PickupList, SyncError> {
        let r = self
            .http
            .get(self.url("/v1/kiosks/{id}/pickups"))
            .bearer_auth(&self.token)
            .send()
            .await;
        json(r.map_err(net)?).await
    }

    /// `GET /v1/slots?service=…&date=…`
    pub async fn slots(&self, service: &str, date: &str) -> Result<SlotList, SyncError> {
        let r = self
            .http
            .get(self.url("/v1/slots"))
            .query(&[("service", service), ("date", date)])
            .bearer_auth(&self.token)
            .send()
            .await;
        json(r.map_err(net)?).await
    }

    /// `POST /v1/appointments`: a refusal comes back as [`SyncError::Refused`] whose body is a
    /// [`sanban_wire::AppointmentRefused`].
    pub async fn book(&self, req: &AppointmentRequest) -> Result<AppointmentReply, SyncError> {
        let r = self
            .http
            .post(self.url("/v1/appointments"))
            .bearer_auth(&self.token)
            .json(req)
            .send()
            .await;
        json(r.map_err(net)?).await
    }

    /// `POST /v1/appointments/lookup`: a citizen's bookings (the reference travels in the body, not in a URL).
    pub async fn citizen_appointments(
        &self,
        citizen_ref: &str,
    ) -> Result<CitizenAppointments, SyncError> {
        let r = self
            .http
            .post(self.url("/v1/appointments/lookup"))
            .bearer_auth(&self.token)
            .json(&AppointmentLookup {
                citizen_ref: citizen_ref.to_string(),
            })
            .send()
            .await;
        json(r.map_err(net)?).await
    }

    /// `GET /v1/applications?citizen_ref=…`: the citizen's applications, whichever kiosk took them.
    pub async fn citizen_applications(
        &self,
        citizen_ref: &str,
    ) -> Result<ApplicationList, SyncError> {
        self.applications(&[("citizen_ref", citizen_ref)]).await
    }

    /// `GET /v1/applications?number=…`: the application with that number (an empty list if none).
    pub async fn application(&self, number: &str) -> Result<ApplicationList, SyncError> {
        self.applications(&[("number", number)]).await
    }

    async fn applications(&self, query: &[(&str, &str)]) -> Result<ApplicationList, SyncError> {
        let r = self
            .http
            .get(self.url("/v1/applications"))
            .query(query)
            .bearer_auth(&self.token)
            .send()
            .await;
        json(r.map_err(net)?).await
    }

    /// `GET /v1/calendar`
    pub async fn calendar(&self) -> Result<HallCalendar, SyncError> {
        let r = self
            .http
            .get(self.url("/v1/calendar"))
            .bearer_auth(&self.token)
            .send()
            .await;
        json(r.map_err(net)?).await
    }

    /// `POST /v1/kiosks/{id}/heartbeat`
    pub async fn heartbeat(&self, beat: &Heartbeat) -> Result<(), SyncError> {
        let r = self
            .http
            .post(self.url("/v1/kiosks/{id}/heartbeat"))
            .bearer_auth(&self.token)
            .json(beat)
            .send()
            .await;
        let r = r.map_err(net)?;
        check(r).await.map(|_| ())
    }
}

fn net(e: reqwest::Error) -> SyncError {
    SyncError::Unreachable(e.without_url().to_string())
}

async fn check(r: reqwest::Response) -> Result<reqwest::Response, SyncError> {
    let status = r.status();
    if status.is_success() {
        return Ok(r);
    }
    let body: String = r
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    // 408 (the platform timed out) and 429 (too busy) pass with time, like a 5xx: retry with backoff.
    if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        Err(SyncError::Server {
            status: status.as_u16(),
            body,
        })
    } else {
        Err(SyncError::Refused {
            status: status.as_u16(),
            body,
        })
    }
}

async fn json<T: serde::de::DeserializeOwned>(r: reqwest::Response) -> Result<T, SyncError> {
    let r = check(r).await?;
    // A connection reset while the body streams is a network failure, not a protocol one.
    let bytes = r.bytes().await.map_err(net)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| SyncError::Protocol(format!("bad JSON from the platform: {e}")))
}
