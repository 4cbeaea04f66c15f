//! Why a connection to a PostgreSQL locker failed, in words an examiner
//! can act on: the whole chain of causes (the `postgres` crate's own
//! message is terse: "error performing TLS handshake") and a hint.

use super::addr::{PgAddr, PgHost};
use std::error::Error;
use std::fmt;

/// What kind of failure, for the hint and for callers that react to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No server answered (not running, wrong port, wrong socket directory).
    NoServer,
    /// The host name could not be resolved.
    UnknownHost,
    /// No answer within `connect_timeout`.
    Timeout,
    /// The server asked for a password and none was given.
    PasswordNeeded,
    /// The server refused the user (wrong password, no `pg_hba.conf` entry,
    /// no such role).
    Authentication,
    /// The database does not exist.
    NoDatabase,
    /// TLS was required and the server does not offer it.
    TlsRefused,
    /// The server's certificate does not name the host connected to.
    CertificateHost,
    /// The server's certificate does not lead to a trusted CA.
    CertificateUntrusted,
    /// Another TLS failure.
    Tls,
    /// The `sslrootcert` file is unusable.
    RootCert,
    /// No user was given and the OS user could not be found.
    NoUser,
    /// Anything else.
    Other,
}

/// A failed connection to a PostgreSQL locker.
#[derive(Debug)]
pub struct ConnectError {
    locker: String,
    failure: Failure,
    message: String,
    hint: Option<String>,
    source: Option<Box<dyn Error + Send + Sync + 'static>>,
}

impl ConnectError {
    /// An error without an underlying cause (set-up, before connecting).
    pub(super) fn setup(addr: &PgAddr, failure: Failure, message: String) -> ConnectError {
        let hint = hint(addr, failure);
        ConnectError {
            locker: addr.to_string(),
            failure,
            message,
            hint,
            source: None,
        }
    }

    /// Classifies what the `postgres` crate returned.
    pub(super) fn from_postgres(addr: &PgAddr, e: postgres::Error) -> ConnectError {
        let message = chain(&e);
        let failure = classify(&e, &message);
        ConnectError {
            locker: addr.to_string(),
            failure,
            message,
            hint: hint(addr, failure),
            source: Some(Box::new(e)),
        }
    }

    /// True when the server asked for a password and none was given: the
    /// command line may ask for one and connect again.
    pub fn needs_password(&self) -> bool {
        self.failure == Failure::PasswordNeeded
    }

    /// What kind of failure.
    pub fn failure(&self) -> Failure {
        self.failure
    }

    /// What to do about it, when there is something to say.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The locker (its URL without the password).
    pub fn locker(&self) -> &str {
        &self.locker
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot connect to locker {}: {}",
            self.locker, self.message
        )
    }
}

impl Error for ConnectError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

/// The error and every cause, joined with ": ", leaving out a cause whose
/// text the message already holds (TLS errors repeat their cause).
pub(super) fn chain(e: &(dyn Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !s.is_empty() && !text.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
        }
        cause = c.source();
    }
    text
}

fn classify(e: &postgres::Error, text: &str) -> Failure {
    if let Some(db) = e.as_db_error() {
        return match db.code().code() {
            "28P01" | "28000" => Failure::Authentication,
            "3D000" => Failure::NoDatabase,
            _ => Failure::Other,
        };
    }
    let mut cause: Option<&(dyn Error + 'static)> = e.source();
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::{ConnectionRefused, NotFound, TimedOut};
            match io.kind() {
                NotFound | ConnectionRefused => return Failure::NoServer,
                TimedOut => return Failure::Timeout,
                _ => {}
            }
        }
        cause = c.source();
    }
    let has = |s: &str| text.contains(s);
    if has("password missing") {
        Failure::PasswordNeeded
    } else if has("server does not support TLS") {
        Failure::TlsRefused
    } else if has("hostname mismatch") || has("IP address mismatch") {
        Failure::CertificateHost
    } else if has("certificate verify failed") {
        Failure::CertificateUntrusted
    } else if has("error performing TLS handshake") {
        Failure::Tls
    } else if has("timeout waiting for server") {
        Failure::Timeout
    } else if has("failed to lookup address") {
        Failure::UnknownHost
    } else {
        Failure::Other
    }
}

fn hint(addr: &PgAddr, failure: Failure) -> Option<String> {
    let port = addr.port();
    let server = match addr.host() {
        PgHost::Tcp(h) => format!("{h} port {port}"),
        PgHost::Socket(d) => format!("the Unix socket {}/.s.PGSQL.{port}", d.display()),
    };
    Some(match failure {
        Failure::NoServer => match addr.host() {
            PgHost::Socket(_) => format!(
                "no server is listening on {server}: is PostgreSQL running, and is host= \
                 the directory of its socket (unix_socket_directories) and the port its port?"
            ),
            PgHost::Tcp(_) => format!(
                "no server is listening on {server}: is PostgreSQL running, does it listen \
                 there (listen_addresses, port), and does no firewall block it?"
            ),
        },
        Failure::UnknownHost => "check the host name in the locker URL".into(),
        Failure::Timeout => format!(
            "{server} did not answer in time: check the host and network, or raise \
             connect_timeout"
        ),
        Failure::PasswordNeeded => {
            "the server wants a password: enter it when asked, or put it in ~/.pgpass \
             (chmod 0600)"
                .into()
        }
        Failure::Authentication => {
            "check the user name and password; the server's pg_hba.conf must let this user \
             in from here (it may demand TLS: sslmode=require or verify-full)"
                .into()
        }
        Failure::NoDatabase => {
            "create the database first (createdb), or name an existing one in the URL".into()
        }
        Failure::TlsRefused => {
            "the server does not offer TLS (ssl = off): turn it on, or connect with \
             sslmode=disable only on a network you trust"
                .into()
        }
        Failure::CertificateHost => format!(
            "the server's certificate does not name the host connected to: use the name in \
             its certificate (not {}) or sslmode=verify-ca",
            match addr.host() {
                PgHost::Tcp(h) => h,
                PgHost::Socket(d) => d.display().to_string(),
            }
        ),
        Failure::CertificateUntrusted => match addr.sslrootcert() {
            Some(root) => format!(
                "the server's certificate was not issued by a CA in sslrootcert {}: give the \
                 file holding the CA that signed it",
                root.display()
            ),
            None => "the server's certificate was not issued by a CA in the system store: \
                     give the lab's CA with sslrootcert=FILE"
                .into(),
        },
        Failure::RootCert => "sslrootcert must name a file of PEM certificates".into(),
        Failure::NoUser => "give the user in the URL: postgresql://USER@HOST/DB".into(),
        Failure::Tls | Failure::Other => return None,
    })
}
