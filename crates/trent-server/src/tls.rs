//! HTTPS on the listener: rustls over aws-lc-rs (TLS 1.3 and 1.2, the
//! provider's suites only: AEAD with forward secrecy), a certificate and key
//! from PEM files, replaced without a restart.
//!
//! The certificate lives behind a resolver that every handshake asks, so
//! [`Tls::reload`] swaps it for new connections while connections already
//! open keep theirs: nothing is dropped. A reload that fails (a file half
//! written, a key that does not match) keeps the certificate in use.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::aws_lc_rs;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// Why the certificate or key could not be used; names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or holds no PEM object of the kind needed.
    #[error("{path}: {problem}")]
    File {
        /// The file.
        path: PathBuf,
        /// What was wrong with it (never its contents).
        problem: String,
    },
    /// The key does not fit the certificate, or rustls refused the pair.
    #[error("{cert} and {key}: {problem}")]
    Pair {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls said.
        problem: String,
    },
}

/// The server's TLS settings and its current certificate.
pub struct Tls {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: Arc<Current>,
    config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("Tls")
            .field("cert", &self.cert_path)
            .field("key", &self.key_path)
            .finish_non_exhaustive()
    }
}

/// The certificate every new handshake presents.
#[derive(Debug)]
struct Current(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for Current {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().unwrap_or_else(|p| p.into_inner()).clone())
    }
}

impl Tls {
    /// Reads the certificate chain and key (PEM) and builds the settings.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Self, TlsError> {
        let certified = certified_key(cert_path, key_path)?;
        let current = Arc::new(Current(RwLock::new(Arc::new(certified))));
        let provider = Arc::new(aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|error| TlsError::Pair {
                cert: cert_path.to_owned(),
                key: key_path.to_owned(),
                problem: error.to_string(),
            })?
            .with_no_client_auth()
            .with_cert_resolver(current.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            cert_path: cert_path.to_owned(),
            key_path: key_path.to_owned(),
            current,
            config: Arc::new(config),
        })
    }

    /// Reads the files again and, if they hold a usable pair, presents it
    /// to every new connection; otherwise keeps the one in use.
    pub fn reload(&self) -> Result<(), TlsError> {
        let certified = certified_key(&self.cert_path, &self.key_path)?;
        *self.current.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(certified);
        Ok(())
    }

    /// The files, for the operator's messages and change detection.
    pub fn files(&self) -> (&Path, &Path) {
        (&self.cert_path, &self.key_path)
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.clone())
    }
}

fn certified_key(cert_path: &Path, key_path: &Path) -> Result<CertifiedKey, TlsError> {
    let file_error = |path: &Path, problem: String| TlsError::File {
        path: path.to_owned(),
        problem,
    };
    let cert_pem =
        std::fs::read(cert_path).map_err(|error| file_error(cert_path, error.to_string()))?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| file_error(cert_path, "not a PEM certificate chain".into()))?;
    if chain.is_empty() {
        return Err(file_error(
            cert_path,
            "holds no certificate (expected -----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    let key_pem = zeroize::Zeroizing::new(
        std::fs::read(key_path).map_err(|error| file_error(key_path, error.to_string()))?,
    );
    // The parse error could quote the key: say only what was expected.
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| {
        file_error(
            key_path,
            "holds no PEM private key (PKCS#8, RSA or EC)".into(),
        )
    })?;
    let provider = aws_lc_rs::default_provider();
    CertifiedKey::from_der(chain, key, &provider).map_err(|error| TlsError::Pair {
        cert: cert_path.to_owned(),
        key: key_path.to_owned(),
        problem: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let (cert_path, key_path) = (
            dir.join(format!("{name}.crt")),
            dir.join(format!("{name}.key")),
        );
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        (cert_path, key_path)
    }

    #[test]
    fn errors_name_the_file_at_fault_and_never_quote_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = write_pair(dir.path(), "a");
        let tls = Tls::load(&cert, &key).unwrap();
        assert!(!format!("{tls:?}").contains("PRIVATE"));

        let missing = dir.path().join("missing.crt");
        let error = Tls::load(&missing, &key).unwrap_err().to_string();
        assert!(error.contains("missing.crt"), "{error}");

        let secret_looking = dir.path().join("bad.key");
        std::fs::write(&secret_looking, "hunter2-not-a-key").unwrap();
        let error = Tls::load(&cert, &secret_looking).unwrap_err().to_string();
        assert!(
            error.contains("bad.key") && !error.contains("hunter2"),
            "{error}"
        );

        std::fs::write(&missing, "no pem here").unwrap();
        let error = Tls::load(&missing, &key).unwrap_err().to_string();
        assert!(error.contains("holds no certificate"), "{error}");

        // A key of another certificate is refused as a pair.
        let (_, other_key) = write_pair(dir.path(), "b");
        let error = Tls::load(&cert, &other_key).unwrap_err();
        assert!(matches!(error, TlsError::Pair { .. }), "{error}");
    }

    #[test]
    fn a_failed_reload_keeps_the_certificate_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = write_pair(dir.path(), "a");
        let tls = Tls::load(&cert, &key).unwrap();
        let before = tls.current.0.read().unwrap().cert[0].clone();
        std::fs::write(&cert, "half written").unwrap();
        assert!(tls.reload().is_err());
        assert_eq!(tls.current.0.read().unwrap().cert[0], before);
        // A good pair in place is taken.
        let (new_cert, new_key) = write_pair(dir.path(), "b");
        std::fs::rename(new_cert, &cert).unwrap();
        std::fs::rename(new_key, &key).unwrap();
        tls.reload().unwrap();
        assert_ne!(tls.current.0.read().unwrap().cert[0], before);
    }
}
