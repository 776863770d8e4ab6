//! Test harness: a real platform on 127.0.0.1 (ephemeral port) over a real store — a temp SQLite file, or a fresh
//! database on a PostgreSQL server ([`pg`]) — and a few request helpers. Every API test runs on both stores:
//! write it as `async fn name(store: StoreKind)` and list it in [`on_both_stores!`].
#![allow(dead_code)]

pub mod pg;

use sanban_platform::{DbUrl, ServeOptions, Store};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Sqlite,
    Postgres,
}

/// Instantiates each listed `async fn name(store: StoreKind)` as two tests, `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::common::StoreKind::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::common::StoreKind::Postgres).await
                }
            )*
        }
    };
}

/// A fresh, migrated, empty store of `kind`; the guard removes it.
pub struct TestDb {
    pub url: DbUrl,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(kind: StoreKind) -> TestDb {
        match kind {
            StoreKind::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = DbUrl::Sqlite(dir.path().join("platform.db"));
                TestDb {
                    url,
                    _dir: Some(dir),
                }
            }
            StoreKind::Postgres => TestDb {
                url: DbUrl::Postgres(pg::create_database().await),
                _dir: None,
            },
        }
    }

    pub fn path_or_url(&self) -> String {
        db_arg(&self.url)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let DbUrl::Postgres(url) = &self.url {
            let url = url.clone();
            // On a thread of its own: drop may run inside a runtime.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(pg::drop_database(&url));
                }
            })
            .join();
        }
    }
}

/// One running platform instance (the library's `serve_with`, as `sanban-platform serve` runs it).
pub struct Instance {
    pub base: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Instance {
    pub async fn start(db: &DbUrl) -> Instance {
        Instance::start_with(db, ServeOptions::default()).await
    }

    pub async fn start_with(db: &DbUrl, options: ServeOptions) -> Instance {
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
        // Serving starts once the store is open: wait for it, and say why if it could not start.
        let http = reqwest::Client::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if task.is_finished() {
                panic!("the platform instance did not start: {:?}", task.await);
            }
            if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the platform instance did not answer"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Instance {
            base,
            stop: Some(stop),
            task: Some(task),
        }
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

pub struct Platform {
    pub kind: StoreKind,
    pub base: String,
    pub db: DbUrl,
    /// The store, opened beside the server (as an operator's CLI would), for setup and for checking what is held.
    pub store: Store,
    pub http: reqwest::Client,
    /// The data key file the platform seals personal data with (a SQLite platform's default beside its file, or
    /// one made for a PostgreSQL platform, which has no default).
    pub data_key: Option<std::path::PathBuf>,
    instance: Option<Instance>,
    _test_db: Option<TestDb>,
    _key_dir: Option<tempfile::TempDir>,
}

impl Platform {
    pub async fn start(kind: StoreKind) -> Platform {
        Platform::start_with(kind, ServeOptions::default()).await
    }

    /// A platform on a fresh store of `kind`, serving with `options`.
    pub async fn start_with(kind: StoreKind, mut options: ServeOptions) -> Platform {
        let test_db = TestDb::new(kind).await;
        // Every test platform seals personal data as a deployed one would; PostgreSQL has no default key file, so
        // one is made here, before the server starts (two makers of one new key file would race).
        let mut key_dir = None;
        if options.data_key.is_none() && kind == StoreKind::Postgres {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("data.key");
            sanban_platform::privacy::DataKey::load_or_create(&path).unwrap();
            options.data_key = Some(path);
            key_dir = Some(dir);
        }
        let mut p = Platform::serve_on(kind, &test_db.url, options).await;
        p._test_db = Some(test_db);
        p._key_dir = key_dir;
        p
    }

    /// A platform over a store the caller keeps (it outlives the platform).
    pub async fn start_on(kind: StoreKind, db: &DbUrl) -> Platform {
        Platform::serve_on(kind, db, ServeOptions::default()).await
    }

    async fn serve_on(kind: StoreKind, db: &DbUrl, options: ServeOptions) -> Platform {
        // Create and migrate before serving so kiosks can be added first, as an installer would.
        let store = Store::open(db).await.unwrap();
        let data_key = options
            .data_key
            .clone()
            .or_else(|| sanban_platform::privacy::default_key_path(db));
        let instance = Instance::start_with(db, options).await;
        Platform {
            kind,
            base: instance.base.clone(),
            db: db.clone(),
            store,
            http: reqwest::Client::new(),
            data_key,
            instance: Some(instance),
            _test_db: None,
            _key_dir: None,
        }
    }

    pub async fn add_kiosk(&self, id: &str) -> String {
        sanban_platform::register(&self.store, id, false)
            .await
            .unwrap()
    }

    /// Registers a kiosk and leases it numbers 1 to 50 of every category for [`today`], so that tickets
    /// "A001".."A050" of that kiosk are its own.
    pub async fn add_kiosk_with_numbers(&self, id: &str) -> String {
        let token = self.add_kiosk(id).await;
        let categories: Vec<&str> = sanban_wire::WINDOW_CATEGORIES.iter().map(|c| c.0).collect();
        let (status, reply) = self
            .post(
                &format!("/v1/kiosks/{id}/ticket-leases"),
                &token,
                &json!({"business_day": today(), "categories": categories, "block_size": 50}),
            )
            .await;
        assert_eq!(status, 200, "{reply}");
        token
    }

    /// Creates operator `name` with `password` (as `sanban-platform operator add` does).
    pub async fn add_operator(&self, name: &str, password: &str) {
        let hash = sanban_platform::operators::hash_password(password).unwrap();
        self.store.put_operator(name, &hash, false).await.unwrap();
    }

    /// Logs in as `name`; the reply of `POST /login`, not followed.
    pub async fn login(&self, name: &str, password: &str) -> reqwest::Response {
        no_redirects()
            .post(self.url("/login"))
            .form(&[("name", name), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    /// A `Cookie` header value of a fresh operator's live session, for the operators' pages.
    pub async fn operator_cookie(&self) -> String {
        self.add_operator("ops", "a long test password").await;
        let r = self.login("ops", "a long test password").await;
        assert_eq!(r.status(), 303);
        let set = r.headers()["set-cookie"].to_str().unwrap();
        set.split(';').next().unwrap().to_string()
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
    pub async fn counts(&self) -> Vec<(&'static str, u64)> {
        self.store.counts().await.unwrap()
    }

    pub async fn tickets(&self, kiosk: Option<&str>) -> Vec<sanban_platform::StoredTicket> {
        self.store.tickets(kiosk).await.unwrap()
    }

    pub async fn last_applied_seq(&self, kiosk: &str) -> Option<u64> {
        self.store.last_applied_seq(kiosk).await.unwrap()
    }

    /// The first column of the first row of a plain SQL query (the same text on both stores).
    pub async fn query_text(&self, sql: &str) -> Option<String> {
        match &self.db {
            DbUrl::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.query_row(sql, [], |r| r.get(0)).ok()
            }
            DbUrl::Postgres(url) => {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                client.query_opt(sql, &[]).await.unwrap().map(|r| r.get(0))
            }
        }
    }

    /// A count (or any integer) from a plain SQL query (the same text on both stores).
    pub async fn query_count(&self, sql: &str) -> i64 {
        query_count(&self.db, sql).await
    }

    pub async fn stop(mut self) {
        if let Some(i) = self.instance.take() {
            i.stop().await;
        }
    }
}

/// `db` as the `--db` argument of the command line (the plain path or the whole URL, password included).
/// A client that shows redirects instead of following them.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn db_arg(db: &DbUrl) -> String {
    match db {
        DbUrl::Sqlite(p) => p.display().to_string(),
        DbUrl::Postgres(u) => u.clone(),
    }
}

/// The integer in the first column of the first row of `sql` (a `COUNT(*)`, say) on the store `db`.
pub async fn query_count(db: &DbUrl, sql: &str) -> i64 {
    match db {
        DbUrl::Sqlite(path) => {
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.query_row(sql, [], |r| r.get(0)).unwrap()
        }
        DbUrl::Postgres(url) => {
            let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client.query_one(sql, &[]).await.unwrap().get(0)
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

/// Today in the hall's time zone, as YYYY-MM-DD: the only days (±1) numbers can be leased for.
pub fn today() -> String {
    sanban_platform::appointments::Hall::default()
        .today()
        .format("%Y-%m-%d")
        .to_string()
}

pub fn tomorrow() -> String {
    (sanban_platform::appointments::Hall::default().today() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string()
}

pub fn event(seq: u64, kind: &str, payload: Value) -> Value {
    json!({"seq": seq, "id": Uuid::now_v7(), "kind": kind, "occurred_at": "2026-11-26T09:15:00+08:00",
           "payload": payload})
}

/// A ticket of today. A number with a prefix ("K01-E001") is from the kiosk's offline range and marked so.
pub fn ticket(seq: u64, category: &str, number: &str) -> Value {
    event(
        seq,
        "ticket.issued",
        json!({"ticket_id": Uuid::now_v7(), "category": category, "number": number, "business_day": today(),
               "offline": number.contains('-')}),
    )
}

/// The next working day after today (bookable), as YYYY-MM-DD.
pub fn next_working_day() -> String {
    use chrono::Datelike;
    let mut d = sanban_platform::appointments::Hall::default().today() + chrono::Duration::days(1);
    while matches!(d.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
        d += chrono::Duration::days(1);
    }
    d.format("%Y-%m-%d").to_string()
}
