//! TLS for a PostgreSQL connection, per libpq's `sslmode`, with OpenSSL.
//!
//! The `postgres` crate knows only `disable`, `prefer` and `require` and
//! verifies nothing itself: the connector built here does. `verify-full`
//! checks the chain and that the certificate names the host connected to
//! (an IP address against the certificate's IP entries); `verify-ca` the
//! chain only; `require` and `prefer` encrypt without verifying, unless
//! `sslrootcert` is given (then the chain is verified, as libpq does when
//! it finds a root certificate file). With `sslrootcert` only the
//! certificates in that file are trusted; without it, the system store.

use super::addr::{PgAddr, PgHost, SslMode};
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use postgres_openssl::MakeTlsConnector;
use std::path::Path;

/// What the connection does about TLS.
pub(super) enum Tls {
    /// Plain connection (sslmode=disable, or a Unix socket).
    None,
    /// TLS per `mode` (what the `postgres` crate is told) with this connector.
    Openssl(postgres::config::SslMode, MakeTlsConnector),
}

/// Why no connector could be built.
#[derive(Debug)]
pub(super) enum TlsSetupError {
    /// The `sslrootcert` file could not be read or holds no certificate.
    RootCert(String),
    /// OpenSSL refused the configuration.
    Openssl(openssl::error::ErrorStack),
}

/// The TLS set-up for `addr`.
pub(super) fn tls_for(addr: &PgAddr) -> Result<Tls, TlsSetupError> {
    let mode = addr.sslmode();
    if mode == SslMode::Disable || matches!(addr.host(), PgHost::Socket(_)) {
        return Ok(Tls::None);
    }
    let root = addr.sslrootcert();
    let (verify_chain, verify_host) = match mode {
        SslMode::VerifyFull => (true, true),
        SslMode::VerifyCa => (true, false),
        _ => (root.is_some(), false),
    };
    let mut builder =
        SslConnector::builder(SslMethod::tls_client()).map_err(TlsSetupError::Openssl)?;
    if verify_chain {
        if let Some(root) = root {
            let mut store = X509StoreBuilder::new().map_err(TlsSetupError::Openssl)?;
            for cert in root_certs(root)? {
                store.add_cert(cert).map_err(TlsSetupError::Openssl)?;
            }
            builder.set_cert_store(store.build());
        }
        builder.set_verify(SslVerifyMode::PEER);
    } else {
        builder.set_verify(SslVerifyMode::NONE);
    }
    let mut connector = MakeTlsConnector::new(builder.build());
    connector.set_callback(move |cfg, _domain| {
        cfg.set_verify_hostname(verify_host);
        Ok(())
    });
    let crate_mode = match mode {
        SslMode::Prefer => postgres::config::SslMode::Prefer,
        _ => postgres::config::SslMode::Require,
    };
    Ok(Tls::Openssl(crate_mode, connector))
}

/// The certificates of a PEM file (bounded: a CA bundle is small).
fn root_certs(path: &Path) -> Result<Vec<X509>, TlsSetupError> {
    const MAX: u64 = 16 * 1024 * 1024;
    let shown = path.display();
    let meta = std::fs::metadata(path)
        .map_err(|e| TlsSetupError::RootCert(format!("cannot read sslrootcert {shown}: {e}")))?;
    if meta.len() > MAX {
        return Err(TlsSetupError::RootCert(format!(
            "sslrootcert {shown} is larger than {MAX} bytes; it should hold PEM certificates"
        )));
    }
    let pem = std::fs::read(path)
        .map_err(|e| TlsSetupError::RootCert(format!("cannot read sslrootcert {shown}: {e}")))?;
    let certs = X509::stack_from_pem(&pem).map_err(|e| {
        TlsSetupError::RootCert(format!("sslrootcert {shown} is not PEM certificates: {e}"))
    })?;
    if certs.is_empty() {
        return Err(TlsSetupError::RootCert(format!(
            "sslrootcert {shown} holds no certificate"
        )));
    }
    Ok(certs)
}
