//! `--root-key`: where the root key is (a file, or a key inside a PKCS#11
//! token), opening it, and reconciling it with what the data folder
//! recorded (the key that seals it, or a rotation under way).

use std::fmt;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::bail;
use clap::Args;
use trent_crypto::root_key::{FileRootKeyProvider, RootKeyProvider, RootKeys};
use trent_pkcs11::uri::Pkcs11Uri;
use trent_pkcs11::Pkcs11RootKeyProvider;
use trent_service::root_key::{root_key_state, RootKeyOpener, RootKeyState, RotationProgress};
use trent_store::KeyStore;

/// Where a root key is.
#[derive(Debug, Clone)]
pub(crate) enum Location {
    /// 32 bytes in a file.
    File(PathBuf),
    /// An AES-256 key inside a PKCS#11 token.
    Pkcs11(Box<Pkcs11Uri>),
}

impl Location {
    /// Reads `pkcs11:…` (RFC 7512), `file:PATH` or a plain path.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.starts_with("pkcs11:") {
            return Pkcs11Uri::parse(text)
                .map(|uri| Self::Pkcs11(Box::new(uri)))
                .map_err(|error| error.to_string());
        }
        let path = text.strip_prefix("file:").unwrap_or(text);
        if path.is_empty() {
            return Err("a root key location is a file path or a pkcs11: URI".into());
        }
        Ok(Self::File(PathBuf::from(path)))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Pkcs11(uri) => write!(f, "{uri}"),
        }
    }
}

/// The root-key flags every command that opens a data folder takes.
#[derive(Debug, Clone, Args)]
pub(crate) struct RootKeyArgs {
    /// Where the root key is: a file path (as --root-key-file), or a PKCS#11
    /// URI (RFC 7512) naming a key inside an HSM, for example
    /// "pkcs11:token=trent;object=trent-root-key?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/trent/pin".
    /// The PIN comes from pin-source (file:PATH or env:NAME) or from
    /// TRENT_PKCS11_PIN, never from the command line. On first start the key
    /// is generated inside the token (non-extractable, sensitive).
    // Read as text and parsed later: clap would echo a refused value, and a
    // refused URI may hold a PIN.
    #[arg(long, env = "TRENT_ROOT_KEY", conflicts_with = "root_key_file")]
    pub(crate) root_key: Option<String>,

    /// The root key file (256 random bits, mode 0600). Defaults to
    /// DATA_DIR/root-key. Keep it apart from backups of the data folder: a
    /// data folder without its root key reveals no key material.
    #[arg(long, env = "TRENT_ROOT_KEY_FILE")]
    pub(crate) root_key_file: Option<PathBuf>,
}

impl RootKeyArgs {
    /// The location given, or DATA_DIR/root-key.
    pub(crate) fn location(&self, data_dir: &Path) -> anyhow::Result<Location> {
        Ok(match (&self.root_key, &self.root_key_file) {
            (Some(text), _) => {
                Location::parse(text).map_err(|error| anyhow::anyhow!("--root-key: {error}"))?
            }
            (None, Some(path)) => Location::File(path.clone()),
            (None, None) => Location::File(data_dir.join("root-key")),
        })
    }
}

/// Opens the root key at `location`, creating it when absent and `create`.
pub(crate) fn open(location: &Location, create: bool) -> anyhow::Result<Arc<dyn RootKeyProvider>> {
    match location {
        Location::File(path) => {
            let provider = FileRootKeyProvider::open_or_create(path, create).map_err(|_| {
                anyhow::anyhow!(
                    "cannot read the root key at {} (it must exist, hold 32 bytes, and be readable)",
                    path.display()
                )
            })?;
            Ok(Arc::new(provider))
        }
        Location::Pkcs11(uri) => {
            let provider = Pkcs11RootKeyProvider::open(uri, create)
                .map_err(|error| anyhow::anyhow!("the root key {uri}: {error}"))?;
            tracing::info!(
                location = %uri,
                mechanism = %provider.mechanism(),
                id = %provider.id(),
                "root key in a PKCS#11 token"
            );
            Ok(Arc::new(provider))
        }
    }
}

/// What the server uses to open the target of an online rotation. A
/// caller of the admin API holds an API credential, not the machine: it may
/// only have the server make a new root key file (so no key it knows), or
/// use a PKCS#11 module the operator allowed at start (`modules`), since
/// loading a module runs its code in the server.
pub(crate) fn opener(modules: Vec<PathBuf>) -> Arc<RootKeyOpener> {
    Arc::new(RootKeyOpener::new(move |text: &str| {
        let location = Location::parse(text)?;
        match &location {
            Location::File(path) if !path.is_absolute() => {
                return Err(format!(
                    "{} is relative: give the server an absolute path",
                    path.display()
                ));
            }
            Location::File(path) if path.exists() => {
                return Err(format!(
                    "{} exists: an online rotation makes a new root key file (rotate offline to use an existing one)",
                    path.display()
                ));
            }
            Location::Pkcs11(uri) if !modules.iter().any(|m| m == uri.module_path()) => {
                return Err(format!(
                    "the PKCS#11 module {} was not allowed at start (trent serve --allow-pkcs11-module PATH)",
                    uri.module_path().display()
                ));
            }
            _ => {}
        }
        open(&location, true).map_err(|error| format!("{error:#}"))
    }))
}

/// The PKCS#11 module of a root key location, if it is in a token.
pub(crate) fn module_of(location: &Location) -> Option<PathBuf> {
    match location {
        Location::Pkcs11(uri) => Some(uri.module_path().to_owned()),
        Location::File(_) => None,
    }
}

/// The root keys a data folder is opened with: the configured one, and
/// during a rotation the other side of it, opened from where the rotation
/// record says it is. A configured key that is neither the recorded one nor
/// a side of the rotation is refused, naming the one to start with.
pub(crate) fn reconcile(
    store: &dyn KeyStore,
    configured: Arc<dyn RootKeyProvider>,
) -> anyhow::Result<Arc<RootKeys>> {
    let state = root_key_state(store).map_err(|error| anyhow::anyhow!("{error}"))?;
    match state {
        RootKeyState::Unrecorded => Ok(Arc::new(RootKeys::new(configured))),
        RootKeyState::Settled(record) => {
            if record.id != configured.id() && record.location == configured.location() {
                bail!(
                    "the root key at {} does not open this data folder: it is key {}, the folder is sealed by key {}",
                    record.location,
                    configured.id(),
                    record.id
                );
            }
            if record.id != configured.id() {
                bail!(
                    "this data folder's root key is {} (id {}), not {} (id {}); start with --root-key {}",
                    record.location,
                    record.id,
                    configured.location(),
                    configured.id(),
                    record.location
                );
            }
            Ok(Arc::new(RootKeys::new(configured)))
        }
        RootKeyState::Rotating(rotation) => {
            let other = |location: &str, role: &str| {
                let parsed = Location::parse(location).map_err(|error| anyhow::anyhow!(error))?;
                open(&parsed, false).map_err(|error| {
                    anyhow::anyhow!(
                        "a root-key rotation from {} to {} is unfinished and needs its {role} key: {error:#}",
                        rotation.from.location,
                        rotation.to.location
                    )
                })
            };
            if configured.id() == rotation.to.id {
                let from = other(&rotation.from.location, "previous")?;
                Ok(Arc::new(RootKeys::moving(configured, from)))
            } else if configured.id() == rotation.from.id {
                let to = other(&rotation.to.location, "new")?;
                Ok(Arc::new(RootKeys::moving(to, configured)))
            } else {
                bail!(
                    "a root-key rotation from {} (id {}) to {} (id {}) is unfinished; start with --root-key {}",
                    rotation.from.location,
                    rotation.from.id,
                    rotation.to.location,
                    rotation.to.id,
                    rotation.to.location
                )
            }
        }
    }
}

/// Shows a walk's progress on standard error: a bar redrawn in place on a
/// terminal, a line per tenth otherwise.
pub(crate) struct ProgressBar {
    terminal: bool,
    shown: u64,
    /// What is being done ("re-sealing"), and to what ("values").
    doing: &'static str,
    unit: &'static str,
}

impl ProgressBar {
    pub(crate) fn new() -> Self {
        Self::of("re-sealing", "values")
    }

    /// A bar for `doing` (a verb) over `unit`s.
    pub(crate) fn of(doing: &'static str, unit: &'static str) -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            shown: u64::MAX,
            doing,
            unit,
        }
    }

    pub(crate) fn show(&mut self, progress: RotationProgress) {
        self.show_counts(progress.done, progress.total);
    }

    /// Shows `done` of `total`.
    pub(crate) fn show_counts(&mut self, done: u64, total: u64) {
        let total = total.max(1);
        let done = done.min(total);
        let tenth = done * 10 / total;
        let mut stderr = std::io::stderr();
        if self.terminal {
            let width = 30;
            let filled = usize::try_from(done * width / total).unwrap_or(0);
            let _ = write!(
                stderr,
                "\r{} [{}{}] {done}/{total}",
                self.doing,
                "#".repeat(filled),
                " ".repeat(usize::try_from(width).unwrap_or(0).saturating_sub(filled))
            );
            let _ = stderr.flush();
        } else if tenth != self.shown {
            let _ = writeln!(stderr, "{}: {done}/{total} {}", self.doing, self.unit);
        }
        self.shown = tenth;
    }

    pub(crate) fn finish(&mut self) {
        if self.terminal {
            let _ = writeln!(std::io::stderr());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_read_as_paths_or_uris() {
        assert!(
            matches!(Location::parse("/etc/trent/root-key"), Ok(Location::File(p)) if p == Path::new("/etc/trent/root-key"))
        );
        assert!(
            matches!(Location::parse("file:/k"), Ok(Location::File(p)) if p == Path::new("/k"))
        );
        assert!(Location::parse("file:").is_err());
        let uri = "pkcs11:token=trent;object=root?module-path=/usr/lib/softhsm/libsofthsm2.so";
        assert!(matches!(Location::parse(uri), Ok(Location::Pkcs11(_))));
        let refused =
            Location::parse("pkcs11:token=t?module-path=/m.so&pin-value=1234").unwrap_err();
        assert!(!refused.contains("1234"), "{refused}");
    }
}
