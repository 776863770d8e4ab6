//! Test harness: a real platform on 127.0.0.1 (ephemeral port) over a temp SQLite file, and a few request helpers.
#![allow(dead_code)]

use std::path::PathBuf;

use sanban_platform::PlatformDb;
use serde_json::{json, Value};
use tokio::sync::oneshot;
use uuid::Uuid;

pub struct Platform {
    pub base: String,
    pub db: PathBuf,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Platform {
    pub async fn start() -> Platform {
        Platform::start_with(sanban_platform::ServeOptions::default()).await
    }

    pub async fn start_with(options: sanban_platform::ServeOptions) -> Platform {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("platform.db");
        // Create and migrate before serving so kiosks can be added first, as an installer would.
        drop(PlatformDb::open(&db).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(sanban_platform::serve_with(
            listener,
            db.clone(),
            options,
            async move {
                let _ = stopped.await;
            },
        ));
        Platform {
            base,
            db,
            http: reqwest::Client::new(),
            _dir: dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn add_kiosk(&self, id: &str) -> String {
        sanban_platform::add_kiosk(&self.db, id).unwrap()
    }

    pub fn read(&self) -> PlatformDb {
        PlatformDb::open(&self.db).unwrap()
    }

    /// `host:port`, for raw TCP clients.
    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        reply(r).await
    }

    pub async fn post_raw(&self, path: &str, token: Option<&str>, body: Vec<u8>) -> (u16, Value) {
        let mut req = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        reply(req.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        reply(req.send().await.unwrap()).await
    }

    pub async fn events(&self, kiosk: &str, token: &str, events: Vec<Value>) -> (u16, Value) {
        self.post(
            &format!("/v1/kiosks/{kiosk}/events"),
            token,
            &json!({ "events": events }),
        )
        .await
    }

    /// Row counts of every data table.
    pub fn counts(&self) -> Vec<(&'static str, u64)> {
        self.read().counts().unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap().unwrap();
        }
    }
}

/// Sends `request` as raw bytes on a new connection and reads until the server closes it: (status, headers
/// lower-cased, body). Panics if the server neither answers nor closes within 20 s.
pub async fn raw(addr: &str, request: &[u8]) -> (u16, Vec<(String, String)>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before it has read all of an oversized request.
    let _ = stream.write_all(request).await;
    let mut bytes = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(20), async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the server neither answered nor closed the connection");
    parse_response(&bytes)
}

/// (status, headers lower-cased, body) of one raw HTTP/1.1 response; status 0 when nothing came back.
pub fn parse_response(bytes: &[u8]) -> (u16, Vec<(String, String)>, String) {
    let text = String::from_utf8_lossy(bytes);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return (0, Vec::new(), text.into_owned());
    };
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

async fn reply(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub fn event(seq: u64, kind: &str, payload: Value) -> Value {
    json!({"seq": seq, "id": Uuid::now_v7(), "kind": kind, "occurred_at": "2026-11-26T09:15:00+08:00",
           "payload": payload})
}

pub fn ticket(seq: u64, category: &str, number: &str) -> Value {
    event(
        seq,
        "ticket.issued",
        json!({"ticket_id": Uuid::now_v7(), "category": category, "number": number, "business_day": "2026-11-26"}),
    )
}

/// The next working day after today (bookable), as YYYY-MM-DD.
pub fn next_working_day() -> String {
    use chrono::Datelike;
    let mut d = sanban_platform::schedule::hall_today() + chrono::Duration::days(1);
    while matches!(d.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
        d += chrono::Duration::days(1);
    }
    d.format("%Y-%m-%d").to_string()
}
