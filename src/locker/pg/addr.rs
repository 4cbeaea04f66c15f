//! The address of a PostgreSQL locker: a `postgresql://` (or `postgres://`)
//! URL, parsed the way libpq reads a connection URI, reduced to the
//! parameters evidentia honours.
//!
//! Invariants:
//! - Every query parameter is known or refused with its name: a misspelt
//!   `sslmode` must not silently leave a connection unencrypted.
//! - The password never leaves this type except through
//!   [`PgAddr::password`]: `Display` (the form used in every message and in
//!   the locker's name) and `Debug` leave it out, and parse errors never
//!   echo the user information.
//! - A Unix socket connection is never encrypted, so an `sslmode` that
//!   demands TLS on one is refused rather than ignored (libpq ignores it).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zeroize::Zeroizing;

/// libpq's default port.
pub const DEFAULT_PORT: u16 = 5432;

/// The socket directory used when the URL names no host: where Debian's
/// and Ubuntu's PostgreSQL put it (upstream libpq's default is `/tmp`).
pub const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// Where the server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgHost {
    /// A host name or an IP address (IPv6 without brackets), over TCP.
    Tcp(String),
    /// The directory holding the server's Unix socket `.s.PGSQL.<port>`.
    Socket(PathBuf),
}

/// How TLS is used, as libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS if the server offers it, without verifying its certificate
    /// (unless `sslrootcert` is given: then the chain is verified).
    Prefer,
    /// TLS or no connection; the certificate is not verified unless
    /// `sslrootcert` is given (then as `verify-ca`), as libpq.
    Require,
    /// TLS; the certificate chain must lead to a trusted CA.
    VerifyCa,
    /// TLS; the chain must lead to a trusted CA and the certificate must
    /// name the host connected to.
    VerifyFull,
}

impl SslMode {
    /// The libpq spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn parse(s: &str) -> Option<SslMode> {
        [
            SslMode::Disable,
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyCa,
            SslMode::VerifyFull,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }
}

/// A URL that could not be read as a PostgreSQL locker address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PostgreSQL URL, {part}: {message}")]
pub struct AddrError {
    /// The part of the URL at fault (`"host"`, `"port"`, `"parameter sslmode"`, ...).
    pub part: String,
    /// What is wrong with it (never the user name or password).
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

fn err(part: impl Into<String>, message: impl Into<String>, hint: impl Into<String>) -> AddrError {
    AddrError {
        part: part.into(),
        message: message.into(),
        hint: hint.into(),
    }
}

/// A parsed `postgresql://` URL. Values are those given; the accessors
/// apply libpq's defaults.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PgAddr {
    user: Option<String>,
    password: Option<Zeroizing<String>>,
    host: Option<PgHost>,
    port: Option<u16>,
    dbname: Option<String>,
    sslmode: Option<SslMode>,
    sslrootcert: Option<PathBuf>,
    connect_timeout: Option<u64>,
    application_name: Option<String>,
}

/// True when `value` is meant as a PostgreSQL URL (it starts with
/// `postgresql://` or `postgres://`); anything else is a locker file path.
pub fn is_pg_url(value: &str) -> bool {
    value.starts_with("postgresql://") || value.starts_with("postgres://")
}

impl PgAddr {
    /// Parses `postgresql://[user[:password]@][host][:port][/dbname][?param=value&...]`.
    /// The host may be a name, an IP address (`[::1]` for IPv6) or a
    /// percent-encoded socket directory (`%2Fvar%2Frun%2Fpostgresql`);
    /// `host=/dir` in the query gives a socket directory too. Parameters:
    /// `host`, `port`, `user`, `password`, `dbname`, `sslmode`,
    /// `sslrootcert`, `connect_timeout` (seconds), `application_name`.
    pub fn parse(url: &str) -> Result<PgAddr, AddrError> {
        let rest = url
            .strip_prefix("postgresql://")
            .or_else(|| url.strip_prefix("postgres://"))
            .ok_or_else(|| {
                err(
                    "scheme",
                    "does not start with postgresql:// or postgres://",
                    "write the locker as postgresql://USER@HOST/DATABASE",
                )
            })?;
        if rest.contains('#') {
            return Err(err(
                "URL",
                "contains '#'",
                "percent-encode '#' as %23 (in a password too)",
            ));
        }
        let (main, query) = match rest.split_once('?') {
            Some((m, q)) => (m, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match main.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (main, None),
        };
        let mut addr = PgAddr::default();
        addr.parse_authority(authority)?;
        if let Some(path) = path.filter(|p| !p.is_empty()) {
            addr.dbname = Some(decode(path, "database name")?);
        }
        if let Some(query) = query {
            addr.parse_query(query)?;
        }
        addr.check()?;
        Ok(addr)
    }

    fn parse_authority(&mut self, authority: &str) -> Result<(), AddrError> {
        let hostport = match authority.split_once('@') {
            Some((userinfo, hostport)) => {
                let (user, password) = match userinfo.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (userinfo, None),
                };
                if !user.is_empty() {
                    self.user = Some(decode(user, "user")?);
                }
                if let Some(p) = password {
                    self.password = Some(Zeroizing::new(decode(p, "password")?));
                }
                hostport
            }
            None => authority,
        };
        if hostport.contains('@') {
            return Err(err(
                "host",
                "contains '@'",
                "percent-encode '@' in the user name or password as %40",
            ));
        }
        if hostport.contains(',') {
            return Err(err(
                "host",
                "names several hosts; evidentia connects to one",
                "give one host (the primary)",
            ));
        }
        let (host, port) = split_host_port(hostport)?;
        if !host.is_empty() {
            self.host = Some(parse_host(&decode(host, "host")?, "host")?);
        }
        if let Some(port) = port {
            self.port = Some(parse_port(port)?);
        }
        Ok(())
    }

    fn parse_query(&mut self, query: &str) -> Result<(), AddrError> {
        let mut seen: Vec<String> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').ok_or_else(|| {
                err(
                    "query",
                    "a parameter without '='",
                    "write each parameter as name=value, separated by '&'",
                )
            })?;
            let key = decode(key, "query")?;
            let part = format!("parameter {key}");
            if seen.contains(&key) {
                return Err(err(part, "given twice", "give each parameter once"));
            }
            let value = decode(value, &part)?;
            self.set_param(&key, value, &part)?;
            seen.push(key);
        }
        Ok(())
    }

    fn set_param(&mut self, key: &str, value: String, part: &str) -> Result<(), AddrError> {
        let twice = |given: bool| {
            if given {
                Err(err(
                    part,
                    "also given before the '?'",
                    "give it in one place only",
                ))
            } else {
                Ok(())
            }
        };
        match key {
            "host" => {
                twice(self.host.is_some())?;
                self.host = Some(parse_host(&value, part)?);
            }
            "port" => {
                twice(self.port.is_some())?;
                self.port = Some(parse_port(&value)?);
            }
            "user" => {
                twice(self.user.is_some())?;
                self.user = Some(value);
            }
            "password" => {
                twice(self.password.is_some())?;
                self.password = Some(Zeroizing::new(value));
            }
            "dbname" => {
                twice(self.dbname.is_some())?;
                self.dbname = Some(value);
            }
            "sslmode" => {
                self.sslmode = Some(SslMode::parse(&value).ok_or_else(|| {
                    err(
                        part,
                        format!("{value:?} is not a mode"),
                        "use disable, prefer, require, verify-ca or verify-full",
                    )
                })?);
            }
            "sslrootcert" => self.sslrootcert = Some(PathBuf::from(value)),
            "connect_timeout" => {
                self.connect_timeout = Some(value.parse().map_err(|_| {
                    err(
                        part,
                        format!("{value:?} is not a number of seconds"),
                        "give whole seconds, 0 to wait forever",
                    )
                })?);
            }
            "application_name" => self.application_name = Some(value),
            _ => {
                return Err(err(
                    part,
                    "is not a parameter evidentia knows",
                    "known: host, port, user, password, dbname, sslmode, sslrootcert, \
                     connect_timeout, application_name",
                ));
            }
        }
        Ok(())
    }

    /// Refuses combinations that would not do what they say.
    fn check(&self) -> Result<(), AddrError> {
        if let (PgHost::Socket(dir), Some(mode)) = (self.host(), self.sslmode)
            && matches!(
                mode,
                SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull
            )
        {
            return Err(err(
                "parameter sslmode",
                format!(
                    "{} needs a TCP host, but the URL names the Unix socket directory {}, \
                     and a socket connection is never encrypted",
                    mode.as_str(),
                    dir.display()
                ),
                "give the server's host name (postgresql://USER@HOST/DB), or drop sslmode",
            ));
        }
        Ok(())
    }

    /// The user name given, if any (the connection defaults to the OS user).
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The password given in the URL, if any.
    pub fn password(&self) -> Option<&str> {
        self.password.as_ref().map(|p| p.as_str())
    }

    /// The server: the host given, else the default socket directory.
    pub fn host(&self) -> PgHost {
        self.host
            .clone()
            .unwrap_or_else(|| PgHost::Socket(PathBuf::from(DEFAULT_SOCKET_DIR)))
    }

    /// The port: given, else 5432.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(DEFAULT_PORT)
    }

    /// The database name given, if any (the server defaults it to the user name).
    pub fn dbname(&self) -> Option<&str> {
        self.dbname.as_deref()
    }

    /// The TLS mode: given, else `prefer` over TCP (libpq's default) and
    /// `disable` on a Unix socket.
    pub fn sslmode(&self) -> SslMode {
        match (self.sslmode, self.host()) {
            (Some(m), _) => m,
            (None, PgHost::Tcp(_)) => SslMode::Prefer,
            (None, PgHost::Socket(_)) => SslMode::Disable,
        }
    }

    /// The file of trusted CA certificates (PEM), if given.
    pub fn sslrootcert(&self) -> Option<&Path> {
        self.sslrootcert.as_deref()
    }

    /// How long to wait for the connection; `None`: forever.
    pub fn connect_timeout(&self) -> Option<Duration> {
        // libpq: 0 waits forever, and 1 is taken as 2.
        match self.connect_timeout {
            None | Some(0) => None,
            Some(s) => Some(Duration::from_secs(s.max(2))),
        }
    }

    /// The `application_name` given, if any.
    pub fn application_name(&self) -> Option<&str> {
        self.application_name.as_deref()
    }

    /// The same address for another database.
    pub fn with_dbname(&self, dbname: &str) -> PgAddr {
        PgAddr {
            dbname: Some(dbname.to_owned()),
            ..self.clone()
        }
    }

    /// The URL, with the password when `with_password` (for tests that
    /// must hand a complete URL on; nothing shown to a person uses it).
    pub(crate) fn url(&self, with_password: bool) -> String {
        let mut s = String::from("postgresql://");
        if let Some(u) = &self.user {
            s.push_str(&encode(u, false));
            if let (true, Some(p)) = (with_password, &self.password) {
                s.push(':');
                s.push_str(&encode(p, false));
            }
            s.push('@');
        }
        let mut query: Vec<(&str, String)> = Vec::new();
        match &self.host {
            Some(PgHost::Tcp(h)) if h.contains(':') => s.push_str(&format!("[{h}]")),
            Some(PgHost::Tcp(h)) => s.push_str(h),
            Some(PgHost::Socket(d)) => query.push(("host", d.display().to_string())),
            None => {}
        }
        if let Some(p) = self.port {
            s.push_str(&format!(":{p}"));
        }
        s.push('/');
        if let Some(d) = &self.dbname {
            s.push_str(&encode(d, false));
        }
        if self.user.is_none()
            && let (true, Some(p)) = (with_password, &self.password)
        {
            query.push(("password", p.to_string()));
        }
        if let Some(m) = self.sslmode {
            query.push(("sslmode", m.as_str().to_owned()));
        }
        if let Some(c) = &self.sslrootcert {
            query.push(("sslrootcert", c.display().to_string()));
        }
        if let Some(t) = self.connect_timeout {
            query.push(("connect_timeout", t.to_string()));
        }
        if let Some(a) = &self.application_name {
            query.push(("application_name", a.clone()));
        }
        for (i, (k, v)) in query.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(k);
            s.push('=');
            s.push_str(&encode(v, true));
        }
        s
    }
}

impl std::str::FromStr for PgAddr {
    type Err = AddrError;
    fn from_str(s: &str) -> Result<PgAddr, AddrError> {
        PgAddr::parse(s)
    }
}

/// The URL without the password: the form every message shows.
impl fmt::Display for PgAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url(false))
    }
}

impl fmt::Debug for PgAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PgAddr")
            .field(&self.url(false))
            .field(&format_args!(
                "password: {}",
                if self.password.is_some() {
                    "(given)"
                } else {
                    "(none)"
                }
            ))
            .finish()
    }
}

/// Splits `host:port`, `[v6]:port`, `host`, `:port` or ``.
fn split_host_port(hostport: &str) -> Result<(&str, Option<&str>), AddrError> {
    if let Some(inner) = hostport.strip_prefix('[') {
        let (v6, after) = inner
            .split_once(']')
            .ok_or_else(|| err("host", "'[' without ']'", "write an IPv6 address as [::1]"))?;
        return match after {
            "" => Ok((v6, None)),
            _ => match after.strip_prefix(':') {
                Some(p) => Ok((v6, Some(p))),
                None => Err(err("host", "text after ']'", "write [ADDRESS]:PORT")),
            },
        };
    }
    Ok(match hostport.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (hostport, None),
    })
}

fn parse_host(host: &str, part: &str) -> Result<PgHost, AddrError> {
    if host.starts_with('/') {
        return Ok(PgHost::Socket(PathBuf::from(host)));
    }
    if host.contains('/') {
        return Err(err(
            part,
            "a socket directory must be an absolute path",
            "give the directory from its root, e.g. host=/var/run/postgresql",
        ));
    }
    if host.contains(':') && host.parse::<core::net::Ipv6Addr>().is_err() {
        return Err(err(
            part,
            format!("{host:?} is not an IPv6 address"),
            "write a host name, an IPv4 address, or an IPv6 address in brackets",
        ));
    }
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(err(
            part,
            format!("{host:?} is not a host name"),
            "write a host name, an IP address or a socket directory",
        ));
    }
    Ok(PgHost::Tcp(host.to_owned()))
}

fn parse_port(port: &str) -> Result<u16, AddrError> {
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(err(
            "port",
            format!("{port:?} is not a port number"),
            "give a number from 1 to 65535 (default 5432)",
        )),
    }
}

/// Percent-decodes one part; the result must be UTF-8 without NUL. The
/// message never quotes the text (it may be a password).
fn decode(s: &str, part: &str) -> Result<String, AddrError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                let h = std::str::from_utf8(h).ok()?;
                u8::from_str_radix(h, 16).ok()
            });
            let Some(b) = hex else {
                return Err(err(
                    part,
                    "a '%' not followed by two hex digits",
                    "percent-encode '%' itself as %25",
                ));
            };
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let text = Zeroizing::new(out);
    if text.contains(&0) {
        return Err(err(part, "contains %00", "remove the NUL byte"));
    }
    match std::str::from_utf8(&text) {
        Ok(t) => Ok(t.to_owned()),
        Err(_) => Err(err(
            part,
            "is not UTF-8 once percent-decoded",
            "percent-encode UTF-8 bytes",
        )),
    }
}

/// Percent-encodes all but unreserved characters (and `/` in a query value).
fn encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[path = "addr_tests.rs"]
mod tests;
