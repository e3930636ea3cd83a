//! Connection settings: the URL, the password, TLS, and the dedicated
//! connections (outside the pool) of the listener and the locks.

use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio_postgres::config::SslMode;
use tokio_postgres::{AsyncMessage, Config, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{pg_error, unavailable, PgError, STORE_TIMEOUT};
use crate::StoreResult;

/// How the pool and the dedicated connections reach the server.
#[derive(Clone)]
pub(super) struct Settings {
    /// The parsed URL, password included (its `Debug` redacts it).
    config: Config,
    tls: Tls,
}

#[derive(Clone)]
enum Tls {
    Disabled,
    Rustls(MakeRustlsConnect),
}

/// Told of each notification a dedicated connection receives, on the
/// connection's own task, before it reads what follows.
pub(super) type OnNotification = Arc<dyn Fn(&str) + Send + Sync>;

impl Settings {
    /// Parses `url`; the password is the URL's, else `password`, else
    /// `PGPASSWORD`.
    pub(super) fn parse(url: &str, password: Option<&str>) -> StoreResult<Self> {
        let (url, root_file) = strip_sslrootcert(url);
        let mut config: Config = url.parse().map_err(|_| pg_error(PgError::InvalidUrl))?;
        if config.get_password().is_none() {
            if let Some(password) = password {
                config.password(password);
            } else if let Some(password) = std::env::var_os("PGPASSWORD") {
                config.password(password.as_encoded_bytes());
            }
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(STORE_TIMEOUT);
        }
        let tls = match config.get_ssl_mode() {
            SslMode::Disable => Tls::Disabled,
            mode => Tls::Rustls(MakeRustlsConnect::new(client_config(
                root_file.as_deref(),
                mode == SslMode::Require,
            )?)),
        };
        Ok(Self { config, tls })
    }

    /// The pool of `size` connections the store's calls use; statements on
    /// them are bounded by the server too, so none outlives its call for
    /// long.
    pub(super) fn pool(&self, size: usize) -> StoreResult<deadpool_postgres::Pool> {
        let mut config = self.config.clone();
        let bound = format!("-c statement_timeout={}", STORE_TIMEOUT.as_millis());
        let options = match config.get_options() {
            Some(options) if !options.is_empty() => format!("{options} {bound}"),
            _ => bound,
        };
        config.options(options);
        let manager_config = deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Fast,
        };
        let manager = match &self.tls {
            Tls::Disabled => deadpool_postgres::Manager::from_config(config, NoTls, manager_config),
            Tls::Rustls(tls) => {
                deadpool_postgres::Manager::from_config(config, tls.clone(), manager_config)
            }
        };
        deadpool_postgres::Pool::builder(manager)
            .max_size(size)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|error| pg_error(PgError::Pool(error.to_string())))
    }

    /// A connection of its own, named `application_name` on the server;
    /// `on_notification` hears what it LISTENs to.
    pub(super) async fn dedicated(
        &self,
        application_name: &str,
        on_notification: Option<OnNotification>,
    ) -> StoreResult<Dedicated> {
        let mut config = self.config.clone();
        config.application_name(application_name);
        match &self.tls {
            Tls::Disabled => {
                let (client, connection) = config.connect(NoTls).await.map_err(unavailable)?;
                Ok(Dedicated::drive(client, connection, on_notification))
            }
            Tls::Rustls(tls) => {
                let (client, connection) =
                    config.connect(tls.clone()).await.map_err(unavailable)?;
                Ok(Dedicated::drive(client, connection, on_notification))
            }
        }
    }
}

/// A connection outside the pool, and the task that drives it: dropping it
/// stops the task and closes the connection, so the server ends the session
/// (and whatever locks it held).
pub(super) struct Dedicated {
    pub(super) client: tokio_postgres::Client,
    driver: JoinHandle<()>,
}

impl Dedicated {
    fn drive<S, T>(
        client: tokio_postgres::Client,
        mut connection: tokio_postgres::Connection<S, T>,
        on_notification: Option<OnNotification>,
    ) -> Self
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
        T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let driver = tokio::spawn(async move {
            loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(AsyncMessage::Notification(notification))) => {
                        if let Some(deliver) = &on_notification {
                            deliver(notification.payload());
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => break,
                }
            }
        });
        Self { client, driver }
    }

    /// Whether the connection has ended.
    pub(super) fn is_closed(&self) -> bool {
        self.client.is_closed() || self.driver.is_finished()
    }
}

impl Drop for Dedicated {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// The URL without its `sslrootcert` parameter (which tokio-postgres does
/// not know), and that parameter's value.
fn strip_sslrootcert(url: &str) -> (String, Option<String>) {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_owned(), None);
        };
        let mut root = None;
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| match pair.strip_prefix("sslrootcert=") {
                Some(value) => {
                    root = Some(percent_decode(value));
                    false
                }
                None => true,
            })
            .collect();
        if kept.is_empty() {
            (base.to_owned(), root)
        } else {
            (format!("{base}?{}", kept.join("&")), root)
        }
    } else {
        // Key-value form: `host=... sslrootcert=FILE ...` (unquoted values).
        let mut root = None;
        let kept: Vec<&str> = url
            .split_whitespace()
            .filter(|pair| match pair.strip_prefix("sslrootcert=") {
                Some(value) => {
                    root = Some(value.to_owned());
                    false
                }
                None => true,
            })
            .collect();
        (kept.join(" "), root)
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let decoded = match (bytes[index], bytes.get(index + 1..index + 3)) {
            (b'%', Some(hex)) => std::str::from_utf8(hex)
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok()),
            _ => None,
        };
        match decoded {
            Some(byte) => {
                out.push(byte);
                index += 3;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A rustls client configuration on the aws-lc-rs provider, trusting the
/// certificates of `root_file` (PEM) or, without one, the system's. With
/// TLS `required`, no certificate at all is an error; otherwise (`prefer`)
/// a server without TLS is still reached in clear.
fn client_config(root_file: Option<&str>, required: bool) -> StoreResult<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;

    let mut roots = rustls::RootCertStore::empty();
    match root_file {
        Some(path) => {
            let certificates = CertificateDer::pem_file_iter(path)
                .map_err(|error| pg_error(PgError::TlsRoots(error.to_string())))?;
            for certificate in certificates {
                let certificate =
                    certificate.map_err(|error| pg_error(PgError::TlsRoots(error.to_string())))?;
                roots
                    .add(certificate)
                    .map_err(|error| pg_error(PgError::TlsRoots(error.to_string())))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
        }
    }
    if roots.is_empty() && required {
        return Err(pg_error(PgError::TlsRoots("none found".into())));
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| pg_error(PgError::TlsRoots(error.to_string())))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::strip_sslrootcert;

    #[test]
    fn sslrootcert_is_taken_out_of_the_url() {
        let check = |url: &str, rest: &str, root: Option<&str>| {
            assert_eq!(
                strip_sslrootcert(url),
                (rest.to_owned(), root.map(str::to_owned))
            );
        };
        check(
            "postgres://u@h/db?sslmode=require&sslrootcert=%2Fetc%2Fca.pem",
            "postgres://u@h/db?sslmode=require",
            Some("/etc/ca.pem"),
        );
        check(
            "postgres://u@h/db?sslrootcert=/ca.pem",
            "postgres://u@h/db",
            Some("/ca.pem"),
        );
        check("postgres://u@h/db", "postgres://u@h/db", None);
        check(
            "host=h sslrootcert=/ca.pem dbname=d",
            "host=h dbname=d",
            Some("/ca.pem"),
        );
    }
}
