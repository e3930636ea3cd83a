//! Which store a command opens (`--store`): the embedded SQLite file of the
//! data folder, or a PostgreSQL database that several nodes share.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use trent_store::postgres::PgStore;
use trent_store::sqlite::SqliteStore;
use trent_store::{KeyStore, StoreObserver};

/// Where the store lives.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum StoreLocation {
    /// The embedded store: one SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database, by connection URL (may hold a password:
    /// shown only through [`StoreLocation::redacted`]).
    Postgres(String),
}

impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl StoreLocation {
    /// Reads `--store`: a `postgres://` or `postgresql://` URL, a `sqlite:`
    /// URL, or a path; without it, `DATA_DIR/trent.db`.
    pub(crate) fn parse(text: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let Some(text) = text else {
            return Ok(Self::Sqlite(data_dir.join("trent.db")));
        };
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Self::Postgres(text.to_owned()));
        }
        if let Some(path) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                anyhow::bail!("--store sqlite: needs a file path (sqlite:/var/lib/trent/trent.db)");
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            anyhow::bail!(
                "--store: {scheme}:// is not a store Trent knows (a path, sqlite:PATH or postgres://…)"
            );
        }
        if text.is_empty() {
            anyhow::bail!("--store is empty (a path, sqlite:PATH or postgres://…)");
        }
        if text.contains('=') && text.contains(char::is_whitespace) {
            // Read as a path, it would make a new SQLite file named after it
            // (password and all): refuse instead.
            anyhow::bail!(
                "--store looks like a key=value connection string, which Trent does not read: give a postgres:// URL"
            );
        }
        Ok(Self::Sqlite(PathBuf::from(text)))
    }

    /// The location for messages and logs: a URL's password replaced by `***`.
    pub(crate) fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => redact_url(url),
        }
    }

    /// Whether several nodes may share this store.
    pub(crate) fn shared(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

/// `scheme://user:password@host…` with the password replaced by `***`
/// (and every `password=` query parameter too). The credentials run to the
/// first `@`, as PostgreSQL's URL parser reads them, so a password holding
/// `/`, `?` or `#` is hidden too; when in doubt, more is hidden.
pub(crate) fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (credentials, after) = match rest.split_once('@') {
        Some((credentials, after)) => (Some(credentials), after),
        None => (None, rest),
    };
    let (host, tail) = match after.find(['/', '?']) {
        Some(at) => after.split_at(at),
        None => (after, ""),
    };
    let authority = match credentials {
        Some(credentials) => match credentials.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{credentials}@{host}"),
        },
        None => host.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, _)) if name.eq_ignore_ascii_case("password") => {
                        format!("{name}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    if scheme.is_empty() {
        format!("{authority}{tail}")
    } else {
        format!("{scheme}://{authority}{tail}")
    }
}

/// An open store, with what closing it needs.
pub(crate) enum OpenStore {
    /// The file, and the lock (`FILE.lock`) that keeps every other process
    /// off it, wherever `--store` puts it: held, never read.
    Sqlite(
        Arc<SqliteStore>,
        #[allow(dead_code, reason = "held for its lock")] std::fs::File,
    ),
    Postgres(Arc<PgStore>),
}

impl OpenStore {
    /// Opens (creating and migrating as needed) the store at `location`,
    /// timing its calls for `observer`. `password_file` holds the
    /// PostgreSQL password when the URL does not.
    pub(crate) fn open(
        location: &StoreLocation,
        password_file: Option<&Path>,
        observer: Option<Arc<dyn StoreObserver>>,
    ) -> anyhow::Result<Self> {
        match location {
            StoreLocation::Sqlite(path) => {
                // One process per file: two would neither exclude nor hear
                // each other.
                let mut lock_path = path.clone().into_os_string();
                lock_path.push(".lock");
                let lock_path = PathBuf::from(lock_path);
                let lock = std::fs::File::create(&lock_path)
                    .with_context(|| format!("creating {}", lock_path.display()))?;
                lock.try_lock().map_err(|_| {
                    anyhow::anyhow!(
                        "another trent process is using the store {}",
                        path.display()
                    )
                })?;
                let store = SqliteStore::open(path).map_err(|error| {
                    anyhow::anyhow!(
                        "opening the store {}: {error} ({:?})",
                        path.display(),
                        error.source
                    )
                })?;
                Ok(Self::Sqlite(
                    Arc::new(match observer {
                        Some(observer) => store.with_observer(observer),
                        None => store,
                    }),
                    lock,
                ))
            }
            StoreLocation::Postgres(url) => {
                let password = match password_file {
                    Some(path) => Some(zeroize::Zeroizing::new(
                        std::fs::read_to_string(path)
                            .with_context(|| {
                                format!("reading the store password file {}", path.display())
                            })?
                            .trim_end_matches(['\r', '\n'])
                            .to_owned(),
                    )),
                    None => None,
                };
                let store = PgStore::connect(url, password.as_deref().map(String::as_str))
                    .map_err(|error| {
                        let cause = error
                            .source
                            .as_ref()
                            .map(|source| format!(": {source}"))
                            .unwrap_or_default();
                        anyhow::anyhow!(
                            "opening the store {} ({:?}{cause})",
                            location.redacted(),
                            error.kind
                        )
                    })?;
                Ok(Self::Postgres(Arc::new(match observer {
                    Some(observer) => store.with_observer(observer),
                    None => store,
                })))
            }
        }
    }

    /// The store, for the service.
    pub(crate) fn store(&self) -> Arc<dyn KeyStore> {
        match self {
            Self::Sqlite(store, _) => store.clone(),
            Self::Postgres(store) => store.clone(),
        }
    }

    /// Whether the store holds no account yet (a first start).
    pub(crate) fn is_empty(&self) -> anyhow::Result<bool> {
        let accounts = self
            .store()
            .accounts()
            .map_err(|error| anyhow::anyhow!("reading the store's accounts: {error}"))?;
        Ok(accounts.is_empty())
    }

    /// Closes the store cleanly (SQLite checkpoints its log).
    pub(crate) fn close(&self) -> anyhow::Result<()> {
        let result = match self {
            Self::Sqlite(store, _) => store.close(),
            Self::Postgres(store) => store.close(),
        };
        result.map_err(|error| anyhow::anyhow!("closing the store: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_read_as_urls_or_paths() {
        let dir = Path::new("/var/lib/trent");
        assert_eq!(
            StoreLocation::parse(None, dir).unwrap(),
            StoreLocation::Sqlite(dir.join("trent.db"))
        );
        assert_eq!(
            StoreLocation::parse(Some("sqlite:/tmp/a.db"), dir).unwrap(),
            StoreLocation::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            StoreLocation::parse(Some("sqlite:///tmp/a.db"), dir).unwrap(),
            StoreLocation::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            StoreLocation::parse(Some("b.db"), dir).unwrap(),
            StoreLocation::Sqlite("b.db".into())
        );
        assert!(StoreLocation::parse(Some("postgres://db/trent"), dir)
            .unwrap()
            .shared());
        let error = StoreLocation::parse(Some("mysql://db/trent"), dir).unwrap_err();
        assert!(error.to_string().contains("mysql://"), "{error}");
        assert!(StoreLocation::parse(Some(""), dir).is_err());
        assert!(StoreLocation::parse(Some("sqlite:"), dir).is_err());
    }

    #[test]
    fn passwords_never_show() {
        for (url, shown) in [
            (
                "postgres://trent:s3cret@db:5432/trent?sslmode=require",
                "postgres://trent:***@db:5432/trent?sslmode=require",
            ),
            (
                "postgresql://trent@db/trent?password=s3cret&sslmode=disable",
                "postgresql://trent@db/trent?password=***&sslmode=disable",
            ),
            ("postgres://db/trent", "postgres://db/trent"),
            ("postgres://u:p@db", "postgres://u:***@db"),
            (
                "postgres://trent:ab/cd?e#f@db:5432/trent?sslmode=require",
                "postgres://trent:***@db:5432/trent?sslmode=require",
            ),
        ] {
            let location = StoreLocation::Postgres(url.into());
            assert_eq!(location.redacted(), shown);
            assert_eq!(format!("{location:?}"), shown);
            assert!(!location.redacted().contains("s3cret"));
            assert!(!location.redacted().contains("ab/cd"));
        }
        let conninfo =
            StoreLocation::parse(Some("host=db password=s3cret dbname=trent"), Path::new("."));
        let error = conninfo.unwrap_err().to_string();
        assert!(
            error.contains("key=value") && !error.contains("s3cret"),
            "{error}"
        );
    }
}
