//! Connecting to a PostgreSQL locker (cargo feature `postgres`).
//!
//! [`PgAddr`] is the locker's URL, [`connect`] opens one connection with
//! TLS per its `sslmode`, [`find_password`] applies libpq's order (the URL,
//! then the password file; asking the person is the command line's job,
//! when [`ConnectError::needs_password`] says the server wants one). A
//! password is never taken from a command-line flag.
//!
//! The `postgres` crate reads no environment and no file; what libpq would
//! read (`~/.pgpass`, the OS user) is done here, and the environment
//! (`$PGPASSFILE`, `$HOME`) is read by the command line and passed in.

pub mod addr;
mod error;
pub mod pgpass;
mod tls;

#[cfg(test)]
mod roles_tests;
#[cfg(test)]
mod schema_tests;
#[cfg(test)]
mod test_cluster;
#[cfg(test)]
mod tls_tests;

pub use addr::{AddrError, DEFAULT_PORT, DEFAULT_SOCKET_DIR, PgAddr, PgHost, SslMode, is_pg_url};
pub use error::{ConnectError, Failure};
pub use pgpass::{PgpassKey, PgpassWarning, pgpass_file};

use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Where a password came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordFrom {
    /// The locker URL.
    Url,
    /// This password file.
    Pgpass(PathBuf),
}

/// The result of [`find_password`].
#[derive(Debug, Default)]
pub struct PasswordLookup {
    /// The password, and where it came from; `None`: connect without one
    /// (the server may not want one), and ask if it does.
    pub password: Option<(Zeroizing<String>, PasswordFrom)>,
    /// A password file that exists but was ignored, for the command line
    /// to show as a warning.
    pub warning: Option<PgpassWarning>,
}

/// The password for `addr`, as libpq finds it: the URL's, else the first
/// matching line of the password file `pgpass` (from [`pgpass_file`]),
/// else none.
pub fn find_password(addr: &PgAddr, pgpass: Option<&Path>) -> PasswordLookup {
    if let Some(p) = addr.password() {
        return PasswordLookup {
            password: Some((Zeroizing::new(p.to_owned()), PasswordFrom::Url)),
            warning: None,
        };
    }
    // Without a user name there is nothing to match; connect says why.
    let (Some(file), Some(user)) = (pgpass, effective_user(addr)) else {
        return PasswordLookup::default();
    };
    match pgpass::lookup(file, &PgpassKey::new(addr, &user)) {
        Ok(found) => PasswordLookup {
            password: found.map(|p| (p, PasswordFrom::Pgpass(file.to_owned()))),
            warning: None,
        },
        Err(w) => PasswordLookup {
            password: None,
            warning: Some(w),
        },
    }
}

/// The user the connection logs in as: the URL's, else the OS user (the
/// name of the effective user id, as libpq).
pub fn effective_user(addr: &PgAddr) -> Option<String> {
    addr.user().map(str::to_owned).or_else(os_user)
}

/// The name of the effective user id, from the password database.
fn os_user() -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: an all-zero `passwd` is a valid value of this plain C struct.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call and `buf` for its length;
    // geteuid has no preconditions.
    let rc = unsafe {
        libc::getpwuid_r(
            libc::geteuid(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: on success `pw_name` points at a NUL-terminated string in `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    name.to_str().ok().map(str::to_owned)
}

/// Opens a connection to the locker at `addr`, with `password` if given
/// (from [`find_password`] or a prompt), TLS per its `sslmode`.
pub fn connect(addr: &PgAddr, password: Option<&str>) -> Result<postgres::Client, ConnectError> {
    let user = effective_user(addr).ok_or_else(|| {
        ConnectError::setup(
            addr,
            Failure::NoUser,
            "no user given, and the OS user has no name in the password database".into(),
        )
    })?;
    let mut config = postgres::Config::new();
    config.user(&user).port(addr.port());
    match addr.host() {
        PgHost::Tcp(h) => config.host(&h),
        PgHost::Socket(d) => config.host_path(d),
    };
    if let Some(p) = password {
        config.password(p);
    }
    if let Some(db) = addr.dbname() {
        config.dbname(db);
    }
    if let Some(t) = addr.connect_timeout() {
        config.connect_timeout(t);
    }
    if let Some(a) = addr.application_name() {
        config.application_name(a);
    }
    let tls = tls::tls_for(addr).map_err(|e| match e {
        tls::TlsSetupError::RootCert(m) => ConnectError::setup(addr, Failure::RootCert, m),
        tls::TlsSetupError::Openssl(e) => {
            ConnectError::setup(addr, Failure::Tls, format!("TLS set-up: {e}"))
        }
    })?;
    let client = match tls {
        tls::Tls::None => {
            config.ssl_mode(postgres::config::SslMode::Disable);
            config.connect(postgres::NoTls)
        }
        tls::Tls::Openssl(mode, connector) => {
            config.ssl_mode(mode);
            config.connect(connector)
        }
    };
    client.map_err(|e| ConnectError::from_postgres(addr, e))
}

/// Test-only: the PostgreSQL cluster the tests may use
/// (`EVIDENTIA_TEST_PG`, the URL of a role with CREATEDB), or `None` after
/// [`crate::peers::skip`].
#[cfg(test)]
pub(crate) fn test_admin_url() -> Option<String> {
    match std::env::var("EVIDENTIA_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            crate::peers::skip("EVIDENTIA_TEST_PG is not set (the URL of a throw-away cluster)");
            None
        }
    }
}

/// Test-only: creates a new, empty database on the cluster of `admin_url`
/// (a role with CREATEDB) and returns its URL (with the password of
/// `admin_url`, if any). Panics on failure: tests only.
#[cfg(test)]
pub(crate) fn fresh_database(admin_url: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let addr = PgAddr::parse(admin_url).unwrap_or_else(|e| panic!("EVIDENTIA_TEST_PG: {e}"));
    let mut client = connect(&addr, addr.password()).unwrap_or_else(|e| panic!("{e}"));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "evt_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    client
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name} on {addr}: {}", error::chain(&e)));
    addr.with_dbname(&name).url(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_server_on_a_socket_is_named_with_a_hint() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("postgresql://u@/db?host={}&port=5999", dir.path().display());
        let addr = PgAddr::parse(&url).expect("url");
        let e = connect(&addr, None).err().expect("no server");
        assert_eq!(e.failure(), Failure::NoServer, "{e}");
        assert!(!e.needs_password());
        let hint = e.hint().expect("hint");
        assert!(
            hint.contains(".s.PGSQL.5999") && hint.contains("host="),
            "{hint}"
        );
        assert!(
            e.to_string()
                .starts_with(&format!("cannot connect to locker {addr}: ")),
            "{e}"
        );
    }

    #[test]
    fn unreadable_sslrootcert_is_named_before_connecting() {
        let addr = PgAddr::parse(
            "postgresql://u:hunter2@localhost:1/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
        )
        .expect("url");
        let e = connect(&addr, addr.password()).err().expect("refused");
        assert_eq!(e.failure(), Failure::RootCert, "{e}");
        assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
        assert!(!format!("{e} {e:?}").contains("hunter2"));
    }

    #[test]
    fn password_from_the_url_comes_first() {
        let addr = PgAddr::parse("postgresql://u:from-url@db/x").expect("url");
        let dir = tempfile::tempdir().expect("tempdir");
        let found = find_password(&addr, Some(&dir.path().join("none")));
        let (pw, from) = found.password.expect("password");
        assert_eq!((pw.as_str(), from), ("from-url", PasswordFrom::Url));
        let addr = PgAddr::parse("postgresql://u@db/x").expect("url");
        let found = find_password(&addr, Some(&dir.path().join("none")));
        assert!(found.password.is_none() && found.warning.is_none());
        assert!(effective_user(&PgAddr::parse("postgresql://db/x").expect("url")).is_some());
    }
}
