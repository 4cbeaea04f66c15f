//! The sslmodes against a real server: a cluster of our own on 127.0.0.1
//! with TLS on and a certificate for `localhost` from a test CA made at
//! test time; plain TCP refused by pg_hba.conf; one role with a password.

use super::test_cluster::{TestCluster, TlsFiles, make_certs};
use super::{ConnectError, Failure, PasswordFrom, PgAddr, connect, find_password};
use std::path::Path;

const HBA: &str = "\
local all all trust
hostssl all evidentia 127.0.0.1/32 trust
hostssl all evpass 127.0.0.1/32 scram-sha-256
";

const PASSWORD: &str = "pw-test:with@odd/chars";

fn url(c: &TestCluster, user: &str, host: &str, query: &str) -> PgAddr {
    let u = format!("postgresql://{user}@{host}:{}/evidentia?{query}", c.port);
    PgAddr::parse(&u).unwrap_or_else(|e| panic!("{u}: {e}"))
}

/// Connects and says whether the session is encrypted.
fn encrypted(addr: &PgAddr, password: Option<&str>) -> Result<bool, ConnectError> {
    let mut client = connect(addr, password)?;
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .expect("pg_stat_ssl");
    Ok(row.get(0))
}

fn failure(addr: &PgAddr, password: Option<&str>) -> ConnectError {
    match encrypted(addr, password) {
        Ok(ssl) => panic!("{addr}: connected (ssl {ssl}), expected a refusal"),
        Err(e) => e,
    }
}

fn setup() -> Option<(tempfile::TempDir, TestCluster)> {
    let certs = tempfile::tempdir().expect("tempdir");
    if !make_certs(certs.path()) {
        return None;
    }
    let cluster = TestCluster::start(
        Some(TlsFiles {
            certs: certs.path(),
        }),
        HBA,
    )?;
    let mut su = cluster.superuser("postgres");
    // One statement at a time: CREATE DATABASE refuses a transaction.
    for sql in [
        "CREATE ROLE evidentia LOGIN".to_owned(),
        "CREATE DATABASE evidentia OWNER evidentia".to_owned(),
        format!("CREATE ROLE evpass LOGIN PASSWORD '{PASSWORD}'"),
    ] {
        su.batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    Some((certs, cluster))
}

fn ca(certs: &Path, name: &str) -> String {
    format!("sslrootcert={}", certs.join(name).display())
}

#[test]
fn sslmodes_against_a_tls_server() {
    let Some((certs, c)) = setup() else { return };
    let certs = certs.path();
    let ok = |addr: PgAddr| {
        let ssl = encrypted(&addr, None).unwrap_or_else(|e| panic!("{e}"));
        assert!(ssl, "{addr}: not TLS");
    };
    let full = format!("sslmode=verify-full&{}", ca(certs, "ca.crt"));
    // verify-full: the chain and the name.
    ok(url(&c, "evidentia", "localhost", &full));
    let e = failure(&url(&c, "evidentia", "127.0.0.1", &full), None);
    assert_eq!(e.failure(), Failure::CertificateHost, "{e}");
    assert!(
        e.to_string().contains("mismatch"),
        "the reason, from the chain: {e}"
    );
    assert!(
        e.hint().is_some_and(|h| h.contains("127.0.0.1")),
        "{:?}",
        e.hint()
    );
    for (mode, host) in [("verify-full", "localhost"), ("verify-ca", "127.0.0.1")] {
        let q = format!("sslmode={mode}&{}", ca(certs, "other.crt"));
        let e = failure(&url(&c, "evidentia", host, &q), None);
        assert_eq!(e.failure(), Failure::CertificateUntrusted, "{mode}: {e}");
        assert!(
            e.hint().is_some_and(|h| h.contains("other.crt")),
            "{:?}",
            e.hint()
        );
    }
    // Without sslrootcert: the system store, which does not hold the test CA.
    let e = failure(
        &url(&c, "evidentia", "localhost", "sslmode=verify-full"),
        None,
    );
    assert_eq!(e.failure(), Failure::CertificateUntrusted, "{e}");
    // verify-ca: the chain only.
    let q = format!("sslmode=verify-ca&{}", ca(certs, "ca.crt"));
    ok(url(&c, "evidentia", "127.0.0.1", &q));
    // require and prefer (the default): encrypted, not verified...
    ok(url(&c, "evidentia", "127.0.0.1", "sslmode=require"));
    ok(url(&c, "evidentia", "127.0.0.1", ""));
    ok(url(&c, "evidentia", "127.0.0.1", "sslmode=prefer"));
    // ... unless sslrootcert is given (libpq: then as verify-ca).
    let q = format!("sslmode=require&{}", ca(certs, "ca.crt"));
    ok(url(&c, "evidentia", "127.0.0.1", &q));
    let q = format!("sslmode=require&{}", ca(certs, "other.crt"));
    let e = failure(&url(&c, "evidentia", "127.0.0.1", &q), None);
    assert_eq!(e.failure(), Failure::CertificateUntrusted, "{e}");
    // disable: the server lets no one in without TLS.
    let e = failure(&url(&c, "evidentia", "127.0.0.1", "sslmode=disable"), None);
    assert_eq!(e.failure(), Failure::Authentication, "{e}");
    assert!(e.to_string().contains("no encryption"), "{e}");
}

#[test]
fn password_needed_wrong_given_and_from_pgpass() {
    let Some((certs, c)) = setup() else { return };
    let root = ca(certs.path(), "ca.crt");
    let addr = url(
        &c,
        "evpass",
        "localhost",
        &format!("sslmode=verify-full&{root}"),
    );
    let e = failure(&addr, None);
    assert!(e.needs_password(), "{e}");
    assert!(
        e.hint().is_some_and(|h| h.contains("password")),
        "{:?}",
        e.hint()
    );
    let e = failure(&addr, Some("wrong"));
    assert_eq!(e.failure(), Failure::Authentication, "{e}");
    assert!(!e.needs_password());
    assert!(encrypted(&addr, Some(PASSWORD)).unwrap_or_else(|e| panic!("{e}")));

    // From the URL (percent-encoded), first.
    let in_url = PgAddr::parse(&format!(
        "postgresql://evpass:pw-test%3Awith%40odd%2Fchars@localhost:{}/evidentia\
         ?sslmode=verify-full&{root}",
        c.port
    ))
    .expect("url");
    let (pw, from) = find_password(&in_url, None).password.expect("from the URL");
    assert_eq!((pw.as_str(), from), (PASSWORD, PasswordFrom::Url));
    assert!(encrypted(&in_url, Some(&pw)).unwrap_or_else(|e| panic!("{e}")));
    // From the password file, with ':' escaped.
    let dir = tempfile::tempdir().expect("tempdir");
    let pgpass = dir.path().join("pgpass");
    let line = format!(
        "localhost:{}:evidentia:evpass:{}\n",
        c.port,
        PASSWORD.replace(':', "\\:")
    );
    std::fs::write(&pgpass, line).expect("write");
    use std::os::unix::fs::PermissionsExt;
    let mode = |m| std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(m));
    mode(0o600).expect("chmod");
    let found = find_password(&addr, Some(&pgpass));
    assert!(found.warning.is_none());
    let (pw, from) = found.password.expect("from pgpass");
    assert_eq!(from, PasswordFrom::Pgpass(pgpass.clone()));
    assert!(encrypted(&addr, Some(&pw)).unwrap_or_else(|e| panic!("{e}")));
    // ... but not from one others may read.
    mode(0o644).expect("chmod");
    let found = find_password(&addr, Some(&pgpass));
    assert!(found.password.is_none() && found.warning.is_some());
}
