//! HTTPS: a throwaway certificate authority made at run time (rcgen), the
//! client's settings trusting a CA bundle, and the TLS baseline's server
//! settings, all rustls over aws-lc-rs as the server's (TLS 1.3 and 1.2,
//! ALPN `http/1.1`).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::crypto::aws_lc_rs;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

/// A CA and a certificate for 127.0.0.1 and localhost signed by it, as PEM.
pub(crate) struct Issued {
    pub(crate) ca_pem: String,
    pub(crate) cert_pem: String,
    pub(crate) key_pem: String,
}

/// A fresh CA and server certificate (ECDSA P-256), never stored beyond the run.
pub(crate) fn issue() -> anyhow::Result<Issued> {
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "trent-bench throwaway CA");
    let ca_pem = ca.self_signed(&ca_key)?.pem();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate()?;
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
    leaf.distinguished_name
        .push(DnType::CommonName, "trent-bench");
    let cert = leaf.signed_by(&key, &issuer)?;
    Ok(Issued {
        ca_pem,
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// Writes `ca.pem`, `cert.pem` and `key.pem` in `dir` (the `test-ca` subcommand).
pub(crate) fn write(dir: &std::path::Path) -> anyhow::Result<()> {
    let issued = issue()?;
    std::fs::create_dir_all(dir)?;
    for (name, pem) in [
        ("ca.pem", &issued.ca_pem),
        ("cert.pem", &issued.cert_pem),
        ("key.pem", &issued.key_pem),
    ] {
        std::fs::write(dir.join(name), pem).with_context(|| format!("writing {name}"))?;
    }
    Ok(())
}

/// The client side: trusts only the CAs of `ca_pem`; rustls' default
/// session cache, so a reconnection may resume.
pub(crate) fn connector(ca_pem: &[u8]) -> anyhow::Result<tokio_rustls::TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        roots.add(cert.context("CA bundle: not a PEM certificate")?)?;
    }
    anyhow::ensure!(!roots.is_empty(), "CA bundle holds no certificate");
    let mut config =
        rustls::ClientConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// The name the server's certificate must carry: its IP address.
pub(crate) fn server_name(address: SocketAddr) -> ServerName<'static> {
    ServerName::IpAddress(address.ip().into())
}

/// The baseline's server side, configured as `trent serve --tls-cert` is.
pub(crate) fn acceptor(
    cert_pem: &[u8],
    key_pem: &[u8],
) -> anyhow::Result<tokio_rustls::TlsAcceptor> {
    let chain = CertificateDer::pem_slice_iter(cert_pem).collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_slice(key_pem).context("baseline key")?;
    let mut config =
        rustls::ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
