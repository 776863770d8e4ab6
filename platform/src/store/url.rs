//! `--db` values: `sqlite://FILE`, a plain file path (SQLite), or `postgres://…` / `postgresql://…`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where the platform keeps its data.
#[derive(Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// One SQLite file (the embedded default: a hall's platform and most tests).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (city scale: several platform instances share it).
    Postgres(String),
}

impl DbUrl {
    pub fn is_postgres(&self) -> bool {
        matches!(self, DbUrl::Postgres(_))
    }
}

impl FromStr for DbUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the database URL is empty".into());
        }
        if let Some(file) = text.strip_prefix("sqlite://") {
            if file.is_empty() {
                return Err(
                    "sqlite:// needs a file path, e.g. sqlite:///var/lib/sanban/platform.db".into(),
                );
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(file)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            // Checked now so a typo fails at start-up, not at the first request.
            tokio_postgres::Config::from_str(text)
                .map_err(|e| format!("invalid PostgreSQL URL: {e}"))?;
            return Ok(DbUrl::Postgres(text.to_string()));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(format!(
                "unsupported database scheme {scheme:?}: use sqlite://FILE, a file path, or postgres://…"
            ));
        }
        Ok(DbUrl::Sqlite(PathBuf::from(text)))
    }
}

impl From<&Path> for DbUrl {
    fn from(path: &Path) -> Self {
        DbUrl::Sqlite(path.to_path_buf())
    }
}

impl From<PathBuf> for DbUrl {
    fn from(path: PathBuf) -> Self {
        DbUrl::Sqlite(path)
    }
}

impl From<&PathBuf> for DbUrl {
    fn from(path: &PathBuf) -> Self {
        DbUrl::Sqlite(path.clone())
    }
}

impl From<&DbUrl> for DbUrl {
    fn from(url: &DbUrl) -> Self {
        url.clone()
    }
}

/// Shown in logs and errors: a PostgreSQL password never is.
impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DbUrl::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`; a `password=` query parameter likewise.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_plain_paths_and_postgres_urls_are_told_apart() {
        assert_eq!(
            "sqlite:///var/lib/p.db".parse::<DbUrl>().unwrap(),
            DbUrl::Sqlite("/var/lib/p.db".into())
        );
        assert_eq!(
            "sqlite://rel/p.db".parse::<DbUrl>().unwrap(),
            DbUrl::Sqlite("rel/p.db".into())
        );
        assert_eq!(
            "data/p.db".parse::<DbUrl>().unwrap(),
            DbUrl::Sqlite("data/p.db".into())
        );
        assert!("postgres://u:p@127.0.0.1:5432/sanban"
            .parse::<DbUrl>()
            .unwrap()
            .is_postgres());
        assert!("postgresql://localhost/sanban"
            .parse::<DbUrl>()
            .unwrap()
            .is_postgres());
    }

    #[test]
    fn unknown_schemes_and_empty_values_are_refused_with_a_reason() {
        let err = "mysql://x/y".parse::<DbUrl>().unwrap_err();
        assert!(err.contains("unsupported database scheme"), "{err}");
        assert!("".parse::<DbUrl>().is_err());
        assert!("sqlite://".parse::<DbUrl>().is_err());
        assert!("postgres://host:notaport/db".parse::<DbUrl>().is_err());
    }

    #[test]
    fn a_postgres_password_never_shows() {
        let url: DbUrl =
            "postgres://sanban:s3cret@db.local:5432/platform?sslmode=disable&password=other"
                .parse()
                .unwrap();
        let shown = format!("{url} {url:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("other"),
            "{shown}"
        );
        assert!(
            shown.contains("sanban:***@db.local:5432/platform"),
            "{shown}"
        );
    }
}
