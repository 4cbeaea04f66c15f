//! Test-only: a throw-away PostgreSQL cluster of our own, in a temp dir,
//! stopped when dropped (even when the test fails), for the tests that need
//! a server configured in a way `EVIDENTIA_TEST_PG` is not (TLS on TCP,
//! password authentication, a superuser). The server runs as the
//! unprivileged OS user `evpg` (PostgreSQL refuses root), so these tests
//! need root; without root or the PostgreSQL binaries they skip.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The OS user the server runs as.
const RUNUSER: &str = "evpg";

/// A running cluster; stopped and removed on drop.
pub(crate) struct TestCluster {
    bin: PathBuf,
    /// Holds the socket, the log and `data/` (removed on drop).
    pub dir: tempfile::TempDir,
    /// The TCP port (on 127.0.0.1 when TCP is on) and the socket's number.
    pub port: u16,
}

/// The server's TLS set-up, when wanted: the directory of certificates
/// made by [`make_certs`].
pub(crate) struct TlsFiles<'a> {
    pub certs: &'a Path,
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn as_runuser(bin: &Path, tool: &str) -> Command {
    let mut c = Command::new("runuser");
    c.args(["-u", RUNUSER, "--"]).arg(bin.join(tool));
    c
}

/// The newest `/usr/lib/postgresql/*/bin` with `initdb`.
fn pg_bin() -> Option<PathBuf> {
    let mut bins: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    bins.sort();
    bins.pop().map(|(_, b)| b)
}

impl TestCluster {
    /// Starts a cluster: Unix socket in its directory (trust for local
    /// connections), plus TCP on 127.0.0.1 with TLS when `tls` is given
    /// (`hba` then replaces pg_hba.conf). `None` after a skip.
    pub(crate) fn start(tls: Option<TlsFiles<'_>>, hba: &str) -> Option<TestCluster> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            crate::peers::skip("the test cluster needs root (the server runs as user evpg)");
            return None;
        }
        let Some(bin) = pg_bin() else {
            crate::peers::skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) missing");
            return None;
        };
        if !Command::new("id")
            .arg(RUNUSER)
            .output()
            .is_ok_and(|o| o.status.success())
        {
            run(Command::new("useradd").args([
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                RUNUSER,
            ]))
            .expect("useradd evpg");
        }
        // Short: the socket path must fit in 107 bytes.
        let dir = tempfile::Builder::new()
            .prefix("pgt")
            .tempdir_in("/tmp")
            .expect("tempdir");
        run(Command::new("chown").args([RUNUSER]).arg(dir.path())).expect("chown");
        run(Command::new("chmod").arg("0755").arg(dir.path())).expect("chmod");
        let data = dir.path().join("data");
        run(as_runuser(&bin, "initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", RUNUSER, "--auth-local=trust", "--auth-host=reject"])
            .args(["-E", "UTF8", "--locale=C.UTF-8"]))
        .expect("initdb");
        let mut conf = format!(
            "unix_socket_directories = '{}'\nfsync = off\nsynchronous_commit = off\n\
             full_page_writes = off\n",
            dir.path().display()
        );
        match tls {
            Some(t) => {
                let c = t.certs.display();
                conf.push_str(&format!(
                    "listen_addresses = '127.0.0.1'\nssl = on\n\
                     ssl_cert_file = '{c}/server.crt'\nssl_key_file = '{c}/server.key'\n"
                ));
                std::fs::write(data.join("pg_hba.conf"), hba).expect("pg_hba.conf");
            }
            None => conf.push_str("listen_addresses = ''\n"),
        }
        let mut old = std::fs::read_to_string(data.join("postgresql.conf")).expect("conf");
        old.push_str(&conf);
        std::fs::write(data.join("postgresql.conf"), old).expect("conf");
        let mut cluster = TestCluster { bin, dir, port: 0 };
        cluster.start_on_a_free_port();
        Some(cluster)
    }

    /// Tries a few ports (another test or process may hold one).
    fn start_on_a_free_port(&mut self) {
        let base = 20000 + (std::process::id() % 20000) as u16;
        let mut last = String::new();
        for attempt in 0..8u16 {
            let port = base.wrapping_add(attempt.wrapping_mul(1013)).max(1024);
            let log = self.dir.path().join("server.log");
            let r = run(as_runuser(&self.bin, "pg_ctl")
                .arg("-D")
                .arg(self.dir.path().join("data"))
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "-o", &format!("-p {port}"), "start"]));
            match r {
                Ok(()) => {
                    self.port = port;
                    return;
                }
                Err(e) => {
                    last = format!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default())
                }
            }
        }
        panic!("the test cluster did not start: {last}");
    }

    /// The URL of `db` as `user` over the Unix socket (trust).
    pub(crate) fn socket_url(&self, user: &str, db: &str) -> String {
        format!(
            "postgresql:///{db}?host={}&port={}&user={user}",
            self.dir.path().display(),
            self.port
        )
    }

    /// A connection as the superuser over the socket.
    pub(crate) fn superuser(&self, db: &str) -> postgres::Client {
        let addr = super::PgAddr::parse(&self.socket_url(RUNUSER, db)).expect("url");
        super::connect(&addr, None).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        // Immediate: nothing here needs a clean shutdown; the directory goes.
        let _ = run(as_runuser(&self.bin, "pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "-t", "60", "stop"]));
    }
}

/// Makes, in `dir`, a test CA (`ca.crt`), a server certificate for
/// `DNS:localhost` signed by it (`server.crt`, `server.key`, readable by
/// the server's user only) and an unrelated CA (`other.crt`), with the
/// `openssl` command. `false` after a skip when it is missing.
pub(crate) fn make_certs(dir: &Path) -> bool {
    if Command::new("openssl").arg("version").output().is_err() {
        crate::peers::skip("the openssl command is not installed");
        return false;
    }
    // The server (user evpg) reads its certificate and key from here.
    run(Command::new("chmod").arg("0755").arg(dir)).expect("chmod certs");
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let openssl = || {
        let mut c = Command::new("openssl");
        c.current_dir(dir);
        c
    };
    for (name, cn) in [("ca", "evidentia test CA"), ("other", "another CA")] {
        run(openssl()
            .args(["req", "-x509"])
            .args(ec)
            .args([
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.crt"),
            ])
            .args(["-days", "2", "-subj", &format!("/CN={cn}")]))
        .expect("CA");
    }
    run(openssl().arg("req").args(ec).args([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]))
    .expect("server key");
    std::fs::write(
        dir.join("ext.cnf"),
        "basicConstraints = CA:FALSE\nsubjectAltName = DNS:localhost\n",
    )
    .expect("ext.cnf");
    run(openssl()
        .args([
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
        ])
        .args([
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ]))
    .expect("server certificate");
    run(Command::new("chown")
        .arg(RUNUSER)
        .arg(dir.join("server.key")))
    .expect("chown key");
    run(Command::new("chmod")
        .arg("0600")
        .arg(dir.join("server.key")))
    .expect("chmod key");
    true
}
