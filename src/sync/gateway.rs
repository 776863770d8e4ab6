//! Request/reply calls to the platform for the flows (slots, bookings, pickups, status look-ups). Each call runs
//! on the shared tokio runtime with a timeout and comes back as an [`Answer`]; the UI awaits it on its own event
//! loop (`slint::spawn_local`), so no tap ever waits on the network.

use std::future::Future;
use std::time::Duration;

use super::client::{PlatformClient, SyncError};
use super::SharedSyncStatus;

/// How a call to the platform ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer<T> {
    Online(T),
    /// No platform configured, unreachable, too slow, or failing (5xx): the flow takes its offline path.
    Offline(String),
    /// The platform answered and said no (4xx): the reason is the platform's.
    Refused {
        status: u16,
        reason: String,
    },
}

impl<T> Answer<T> {
    pub fn online(self) -> Option<T> {
        match self {
            Answer::Online(v) => Some(v),
            _ => None,
        }
    }
}

/// The flows' door to the platform. Cheap to clone.
#[derive(Clone)]
pub struct Gateway {
    client: Option<PlatformClient>,
    runtime: tokio::runtime::Handle,
    status: SharedSyncStatus,
}

impl Gateway {
    pub fn new(
        client: Option<PlatformClient>,
        runtime: tokio::runtime::Handle,
        status: SharedSyncStatus,
    ) -> Gateway {
        Gateway {
            client,
            runtime,
            status,
        }
    }

    /// Is there a platform at all (else every call answers offline at once)?
    pub fn configured(&self) -> bool {
        self.client.is_some()
    }

    /// Call the platform with `call`, within `timeout`. The returned future can be awaited on any executor (the
    /// Slint event loop included): the work itself runs on the tokio runtime.
    pub fn request<T, F, Fut>(&self, timeout: Duration, call: F) -> impl Future<Output = Answer<T>>
    where
        T: Send + 'static,
        F: FnOnce(PlatformClient) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, SyncError>> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        match &self.client {
            None => {
                let _ = tx.send(Answer::Offline("no platform configured".into()));
            }
            Some(client) => {
                let client = client.clone();
                let status = self.status.clone();
                self.runtime.spawn(async move {
                    let answer = match tokio::time::timeout(timeout, call(client)).await {
                        Err(_) => {
                            Answer::Offline(format!("no answer within {} ms", timeout.as_millis()))
                        }
                        Ok(Ok(v)) => Answer::Online(v),
                        Ok(Err(SyncError::Refused { status, body })) => Answer::Refused {
                            status,
                            reason: body,
                        },
                        Ok(Err(e)) => Answer::Offline(e.to_string()),
                    };
                    // A call that reached the platform is news for the status bar too.
                    if let Ok(mut s) = status.lock() {
                        s.online = !matches!(answer, Answer::Offline(_));
                    }
                    let _ = tx.send(answer);
                });
            }
        }
        async move {
            rx.await
                .unwrap_or_else(|_| Answer::Offline("the runtime stopped".into()))
        }
    }
}
