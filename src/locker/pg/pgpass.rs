//! libpq's password file (`~/.pgpass`), read the way libpq reads it, since
//! the `postgres` crate reads no file and no environment.
//!
//! Lines are `hostname:port:database:username:password`; each of the first
//! four fields is a literal or `*` (anything); `\:` and `\\` are escapes;
//! lines starting with `#` are comments; the first matching line wins. The
//! host `localhost` matches a connection to the default socket directory
//! (libpq compares the socket directory otherwise). A file that is not a
//! regular file, or that grants any group or world permission, is ignored
//! with a [`PgpassWarning`] (libpq warns and ignores it too).
//!
//! The library reads no environment: the command line passes
//! `$PGPASSFILE` and `$HOME` to [`pgpass_file`].

use super::addr::{DEFAULT_SOCKET_DIR, PgAddr, PgHost};
use std::ffi::OsString;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Longest line read (libpq has no limit; a password file line is short).
const MAX_LINE: u64 = 64 * 1024;

/// Why a password file was not used. Returned, never printed: the command
/// line shows it as a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgpassWarning {
    /// The password file.
    pub path: PathBuf,
    /// Why it was ignored.
    pub reason: String,
}

impl fmt::Display for PgpassWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "password file {} ignored: {}",
            self.path.display(),
            self.reason
        )
    }
}

/// The password file libpq would read: `$PGPASSFILE` when set (non-empty),
/// else `.pgpass` in the home directory; `None` without either.
pub fn pgpass_file(pgpassfile: Option<OsString>, home: Option<PathBuf>) -> Option<PathBuf> {
    match pgpassfile.filter(|p| !p.is_empty()) {
        Some(p) => Some(PathBuf::from(p)),
        None => home
            .filter(|h| !h.as_os_str().is_empty())
            .map(|h| h.join(".pgpass")),
    }
}

/// What a connection is matched against: the host as libpq compares it,
/// the port, the database and the user (all as text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgpassKey {
    /// The host name, IP address or socket directory; `localhost` for the
    /// default socket directory.
    pub host: String,
    /// The port number.
    pub port: String,
    /// The database (defaults to the user name, as the server does).
    pub database: String,
    /// The user.
    pub user: String,
}

impl PgpassKey {
    /// The key for connecting to `addr` as `user` (the effective user).
    pub fn new(addr: &PgAddr, user: &str) -> PgpassKey {
        let host = match addr.host() {
            PgHost::Tcp(h) => h,
            PgHost::Socket(d) if d == Path::new(DEFAULT_SOCKET_DIR) => "localhost".to_owned(),
            PgHost::Socket(d) => d.display().to_string(),
        };
        PgpassKey {
            host,
            port: addr.port().to_string(),
            database: addr.dbname().unwrap_or(user).to_owned(),
            user: user.to_owned(),
        }
    }
}

/// Looks `key` up in the password file `path`. `Ok(None)`: no such file,
/// or no line matches (or the first match has an empty password).
/// `Err`: the file exists but is ignored (why, for a warning).
pub fn lookup(path: &Path, key: &PgpassKey) -> Result<Option<Zeroizing<String>>, PgpassWarning> {
    let warn = |reason: String| PgpassWarning {
        path: path.to_owned(),
        reason,
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(warn(format!("cannot read it: {e}"))),
    };
    if !meta.is_file() {
        return Err(warn("not a regular file".into()));
    }
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(warn(format!(
            "it grants group or world access (mode {:04o}); make it private with \
             chmod 0600",
            mode & 0o7777
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| warn(format!("cannot read it: {e}")))?;
    let mut reader = BufReader::new(file);
    let mut line = Zeroizing::new(Vec::new());
    loop {
        line.clear();
        let n = (&mut reader)
            .take(MAX_LINE)
            .read_until(b'\n', &mut line)
            .map_err(|e| warn(format!("cannot read it: {e}")))?;
        if n == 0 {
            return Ok(None);
        }
        if n as u64 == MAX_LINE && line.last() != Some(&b'\n') {
            return Err(warn(format!("a line is longer than {MAX_LINE} bytes")));
        }
        if let Some(found) = match_line(&line, key) {
            return Ok(found);
        }
    }
}

/// `None`: the line does not match; `Some(password)` (`Some(None)` for an
/// empty password) when it does.
fn match_line(line: &[u8], key: &PgpassKey) -> Option<Option<Zeroizing<String>>> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() || line[0] == b'#' {
        return None;
    }
    let wanted = [&key.host, &key.port, &key.database, &key.user];
    let mut rest = line;
    for want in wanted {
        rest = match_field(rest, want.as_bytes())?;
    }
    // The password: up to an unescaped ':' (libpq ignores what follows).
    let mut password = Zeroizing::new(Vec::new());
    let mut i = 0;
    while i < rest.len() && rest[i] != b':' {
        if rest[i] == b'\\' && i + 1 < rest.len() {
            i += 1;
        }
        password.push(rest[i]);
        i += 1;
    }
    if password.is_empty() {
        return Some(None);
    }
    // A password that is not UTF-8 cannot be sent by the client: no match.
    let text = std::str::from_utf8(&password).ok()?;
    Some(Some(Zeroizing::new(text.to_owned())))
}

/// Matches one `:`-terminated field against `want`; the rest of the line
/// after the `:` when it matches.
fn match_field<'a>(field: &'a [u8], want: &[u8]) -> Option<&'a [u8]> {
    if let Some(rest) = field.strip_prefix(b"*:") {
        return Some(rest);
    }
    let mut i = 0;
    let mut w = want.iter();
    while i < field.len() && field[i] != b':' {
        if field[i] == b'\\' && i + 1 < field.len() {
            i += 1;
        }
        if w.next() != Some(&field[i]) {
            return None;
        }
        i += 1;
    }
    if i >= field.len() || w.next().is_some() {
        return None;
    }
    Some(&field[i + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn key(host: &str, port: &str, database: &str, user: &str) -> PgpassKey {
        PgpassKey {
            host: host.into(),
            port: port.into(),
            database: database.into(),
            user: user.into(),
        }
    }

    fn file(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
        let p = dir.join(name);
        let mut f = std::fs::File::create(&p).expect("create");
        f.write_all(text.as_bytes()).expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
        p
    }

    fn found(path: &Path, k: &PgpassKey) -> Option<String> {
        lookup(path, k).expect("used").map(|p| p.to_string())
    }

    #[test]
    fn first_matching_line_wins_with_wildcards_and_comments() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = file(
            dir.path(),
            "pgpass",
            "# lab servers\n\
             db.lab:5432:evidence:jana:first\n\
             db.lab:*:evidence:jana:second\n\
             *:*:*:jana:any-jana\n\
             *:*:*:*:anyone\n",
            0o600,
        );
        assert_eq!(
            found(&p, &key("db.lab", "5432", "evidence", "jana")).as_deref(),
            Some("first")
        );
        assert_eq!(
            found(&p, &key("db.lab", "6000", "evidence", "jana")).as_deref(),
            Some("second")
        );
        assert_eq!(
            found(&p, &key("other", "5432", "x", "jana")).as_deref(),
            Some("any-jana")
        );
        assert_eq!(
            found(&p, &key("other", "5432", "x", "petr")).as_deref(),
            Some("anyone")
        );
        // "db.la" is not a prefix match, "#..." is not a host.
        let p2 = file(dir.path(), "p2", "db.lab:*:*:*:x\n#:*:*:*:y\n", 0o600);
        assert_eq!(found(&p2, &key("db.la", "1", "d", "u")), None);
        assert_eq!(found(&p2, &key("#", "1", "d", "u")), None);
    }

    #[test]
    fn escapes_in_fields_and_password() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = file(
            dir.path(),
            "pgpass",
            "db:5432:we\\:ird:u\\\\ser:pa\\:ss\\\\word:ignored\r\n\
             db:5432:\\*:u:literal-star\n",
            0o600,
        );
        assert_eq!(
            found(&p, &key("db", "5432", "we:ird", "u\\ser")).as_deref(),
            Some("pa:ss\\word")
        );
        assert_eq!(
            found(&p, &key("db", "5432", "*", "u")).as_deref(),
            Some("literal-star")
        );
        assert_eq!(
            found(&p, &key("db", "5432", "other", "u")),
            None,
            "\\* is literal"
        );
    }

    #[test]
    fn short_lines_and_empty_passwords() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = file(
            dir.path(),
            "pgpass",
            "db:5432:d\n\ndb:5432:d:u:\ndb:*:*:*:later\n",
            0o600,
        );
        assert_eq!(
            found(&p, &key("db", "5432", "d", "u")),
            None,
            "empty password, first match"
        );
        assert_eq!(
            found(&p, &key("db", "5432", "e", "u")).as_deref(),
            Some("later")
        );
    }

    #[test]
    fn group_or_world_readable_file_is_ignored_with_a_warning() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = file(dir.path(), "pgpass", "*:*:*:*:secret\n", 0o644);
        let w = lookup(&p, &key("db", "5432", "d", "u")).expect_err("ignored");
        assert_eq!(w.path, p);
        assert!(
            w.to_string().contains("0644") && w.to_string().contains("chmod 0600"),
            "{w}"
        );
        assert!(!w.to_string().contains("secret"));
        let p = file(dir.path(), "pgpass2", "*:*:*:*:secret\n", 0o640);
        assert!(lookup(&p, &key("db", "5432", "d", "u")).is_err());
        let w = lookup(dir.path(), &key("db", "5432", "d", "u")).expect_err("a directory");
        assert!(w.reason.contains("not a regular file"), "{w}");
        assert_eq!(
            lookup(&dir.path().join("none"), &key("db", "1", "d", "u")),
            Ok(None)
        );
    }

    #[test]
    fn key_follows_libpq_for_sockets_and_defaults() {
        let a = PgAddr::parse("postgresql:///").expect("url");
        assert_eq!(
            PgpassKey::new(&a, "jana"),
            key("localhost", "5432", "jana", "jana")
        );
        let a = PgAddr::parse("postgresql:///ev?host=/tmp/pg&port=5439").expect("url");
        assert_eq!(
            PgpassKey::new(&a, "jana"),
            key("/tmp/pg", "5439", "ev", "jana")
        );
        let a = PgAddr::parse("postgresql://db.lab/ev").expect("url");
        assert_eq!(PgpassKey::new(&a, "u"), key("db.lab", "5432", "ev", "u"));
    }

    #[test]
    fn file_location() {
        let home = Some(PathBuf::from("/home/jana"));
        assert_eq!(
            pgpass_file(Some("/etc/pgp".into()), home.clone()),
            Some(PathBuf::from("/etc/pgp"))
        );
        assert_eq!(
            pgpass_file(Some("".into()), home.clone()),
            Some(PathBuf::from("/home/jana/.pgpass"))
        );
        assert_eq!(pgpass_file(None, None), None);
    }

    #[test]
    fn overlong_line_is_a_warning_not_a_hang() {
        let dir = tempfile::tempdir().expect("tempdir");
        let long = "x".repeat(MAX_LINE as usize + 10);
        let p = file(dir.path(), "pgpass", &long, 0o600);
        assert!(lookup(&p, &key("db", "1", "d", "u")).is_err());
    }
}
