//! A PostgreSQL server for the tests: `SANBAN_TEST_POSTGRES` (a URL to a server where throw-away databases may be
//! created), or else a throw-away cluster this test process starts itself (initdb in a temp dir, on loopback, as
//! an unprivileged user) and a watchdog removes once the process is gone. With neither, the tests fail loudly:
//! the PostgreSQL half of the suite is never skipped in silence.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The URL of the server's maintenance database (`…/postgres`), shared by every test of this process.
pub fn server_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match std::env::var("SANBAN_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => url.trim().to_string(),
        _ => Cluster::start(&ClusterOptions::for_tests())
            .unwrap_or_else(|e| {
                panic!(
                    "the PostgreSQL tests need a server: set SANBAN_TEST_POSTGRES=postgres://USER@HOST:PORT/postgres \
                     or install PostgreSQL (apt-get install postgresql) so a throw-away cluster can be started: {e}"
                )
            })
            .leak_until_exit(),
    })
}

/// Creates a fresh database on the test server; returns its URL.
pub async fn create_database() -> String {
    let name = format!("sanban_t_{}", uuid::Uuid::now_v7().simple());
    let (client, conn) = tokio_postgres::connect(server_url(), tokio_postgres::NoTls)
        .await
        .expect("connect to the test PostgreSQL server");
    tokio::spawn(conn);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    with_database(server_url(), &name)
}

/// Drops a test database (its connections are closed first).
pub async fn drop_database(url: &str) {
    let Some(name) = url
        .rsplit('/')
        .next()
        .map(|n| n.split('?').next().unwrap_or(n))
    else {
        return;
    };
    if let Ok((client, conn)) = tokio_postgres::connect(server_url(), tokio_postgres::NoTls).await {
        tokio::spawn(conn);
        let _ = client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{host_part}/{name}{query}")
}

pub struct ClusterOptions {
    /// fsync and synchronous commit on: a benchmark measures the durable configuration; tests need not.
    pub durable: bool,
    pub max_connections: u32,
}

impl ClusterOptions {
    pub fn for_tests() -> Self {
        ClusterOptions {
            durable: false,
            max_connections: 400,
        }
    }
}

/// A throw-away cluster: its directory, its port, the user that owns it.
pub struct Cluster {
    pub dir: PathBuf,
    pub port: u16,
    pub url: String,
    bin: PathBuf,
    owner: Option<String>,
    settings: String,
}

impl Cluster {
    pub fn start(options: &ClusterOptions) -> Result<Cluster, String> {
        let bin =
            postgres_bin_dir().ok_or("no initdb found in /usr/lib/postgresql/*/bin or on PATH")?;
        // initdb refuses to run as root: as root the cluster belongs to an unprivileged user.
        let owner = is_root()
            .then(|| std::env::var("SANBAN_TEST_PG_USER").unwrap_or_else(|_| "postgres".into()));
        let dir = std::env::temp_dir().join(format!(
            "sanban-test-pg-{}-{}",
            std::process::id(),
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        if let Some(user) = &owner {
            run(Command::new("chown").arg(user).arg(&dir))?;
        }
        let data = dir.join("data");
        let mut initdb = as_owner(&owner, &bin.join("initdb"));
        initdb.arg("-D").arg(&data).args([
            "-U",
            "sanban",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-instructions",
        ]);
        run(&mut initdb)?;
        let port = free_port()?;
        let settings = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c max_connections={} {}",
            dir.display(),
            options.max_connections,
            if options.durable {
                ""
            } else {
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            }
        );
        let cluster = Cluster {
            url: format!("postgres://sanban@127.0.0.1:{port}/postgres"),
            dir,
            port,
            bin,
            owner,
            settings,
        };
        cluster.pg_ctl(&["start", "-w", "-t", "60", "-l"], Some(&cluster.settings))?;
        Ok(cluster)
    }

    fn pg_ctl(&self, args: &[&str], settings: Option<&str>) -> Result<(), String> {
        let mut cmd = as_owner(&self.owner, &self.bin.join("pg_ctl"));
        cmd.arg("-D").arg(self.dir.join("data"));
        for a in args {
            cmd.arg(a);
        }
        if args.contains(&"-l") {
            cmd.arg(self.dir.join("log"));
        }
        if let Some(s) = settings {
            cmd.arg("-o").arg(s);
        }
        run(&mut cmd)
    }

    /// Stops the server (fast shutdown: sessions are cut, as in a crash of the database host).
    pub fn stop(&self) -> Result<(), String> {
        self.pg_ctl(&["stop", "-m", "fast", "-w"], None)
    }

    /// Starts it again on the same port with the same settings.
    pub fn start_again(&self) -> Result<(), String> {
        self.pg_ctl(&["start", "-w", "-t", "60", "-l"], Some(&self.settings))
    }

    /// Leaves the cluster running for this process's lifetime; a watchdog stops and removes it afterwards.
    pub fn leak_until_exit(self) -> String {
        self.spawn_watchdog();
        let url = self.url.clone();
        std::mem::forget(self);
        url
    }

    fn spawn_watchdog(&self) {
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             {pg_ctl} -D '{data}' stop -m immediate >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            pg_ctl = self.bin.join("pg_ctl").display(),
            data = self.dir.join("data").display(),
            dir = self.dir.display()
        );
        let script = match &self.owner {
            // pg_ctl must run as the owner; rm as root.
            Some(user) => script.replacen(
                &format!("{} -D", self.bin.join("pg_ctl").display()),
                &format!(
                    "runuser -u {user} -- {} -D",
                    self.bin.join("pg_ctl").display()
                ),
                1,
            ),
            None => script,
        };
        let _ = Command::new("setsid")
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["stop", "-m", "immediate", "-w"], None);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn as_owner(owner: &Option<String>, program: &Path) -> Command {
    match owner {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// Waits until `url` accepts connections (after a restart).
pub async fn wait_until_up(url: &str, limit: Duration) {
    let start = Instant::now();
    loop {
        if let Ok((_, conn)) = tokio_postgres::connect(url, tokio_postgres::NoTls).await {
            drop(conn);
            return;
        }
        assert!(
            start.elapsed() < limit,
            "PostgreSQL did not come back within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
