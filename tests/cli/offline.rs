//! Proof that evidentia never touches the network: every command runs
//! under `strace -f -e trace=network`, and any socket call fails the test.

use crate::harness::{Env, peer, skip};
use std::path::Path;
use std::process::Command;

/// Run evidentia under strace; return the network syscalls it made.
fn network_calls(env: &Env, strace: &Path, args: &[&str], stdin: Option<&str>) -> Vec<String> {
    let log = env.path().join("strace.log");
    let bin = env!("CARGO_BIN_EXE_evidentia");
    let mut cmd = Command::new(strace);
    cmd.arg("-f")
        .arg("-qq")
        .arg("-e")
        .arg("trace=network")
        // Signals (SIGCHLD from the demo's child steps) are not calls.
        .arg("-e")
        .arg("signal=none")
        .arg("-o")
        .arg(&log)
        .arg(bin)
        .args(args);
    let base = env.cmd(Vec::<&str>::new());
    cmd.env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    if let Some(p) = stdin {
        cmd.env("EVIDENTIA_PASSPHRASE", p);
    }
    let out = cmd.current_dir(env.path()).output().expect("run strace");
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "{args:?} failed under strace: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    text.lines()
        // `???( <detached ...>` is strace losing a thread that ended while
        // the process exited (printed whatever the filter): no call.
        .filter(|l| {
            !l.trim().is_empty() && !l.contains("+++ exited") && !l.contains("???( <detached")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn no_command_opens_a_socket() {
    let Some(strace) = peer("strace") else { return };
    let env = Env::new();
    env.write("evidence/a.bin", &[1u8; 5000]);
    env.write("evidence/b.txt", b"note");
    env.write(
        "bad.sha256",
        b"0000000000000000000000000000000000000000000000000000000000000000  x\n",
    );
    // Prove the tracer works here at all: a plain sanity check that strace
    // can run the binary (otherwise an empty log would prove nothing).
    let probe = Command::new(&strace)
        .args(["-f", "-qq", "-e", "trace=network", "true"])
        .output();
    if !probe.map(|o| o.status.success()).unwrap_or(false) {
        skip("strace cannot trace processes here");
        return;
    }
    let runs: Vec<Vec<&str>> = vec![
        vec!["hash", "evidence"],
        vec!["hash", "--json", "--piece", "1K", "evidence"],
        vec![
            "key",
            "new",
            "--name",
            "Root",
            "--org",
            "Agency",
            "--country",
            "NL",
            "--root",
        ],
        vec![
            "key",
            "new",
            "--name",
            "Examiner",
            "--org",
            "Agency",
            "--country",
            "NL",
        ],
        vec!["key", "list"],
        vec![
            "hashset",
            "import",
            "bad",
            "bad.sha256",
            "--kind",
            "known-bad",
        ],
        vec!["match", "evidence", "--hashset", "bad"],
        // The demo runs every other step as a child process (strace -f
        // follows them), then the reports.
        vec!["demo", "--dir", "demo"],
        vec![
            "--home",
            "demo/de-lab",
            "report",
            "demo/DEMO-2026-001.zip",
            "--format",
            "case",
        ],
    ];
    for args in &runs {
        let calls = network_calls(&env, &strace, args, Some("correct horse"));
        assert!(
            calls.is_empty(),
            "evidentia {args:?} made network calls:\n{}",
            calls.join("\n")
        );
    }
    // Re-sealing a capture from a file, with a filter compiled by libpcap,
    // opens no socket either (only a live interface does: docs/security.md).
    let key = crate::capture::setup(&env);
    env.write(
        "in.pcap",
        &crate::capture::pcap(&crate::capture::marked(20, 10)),
    );
    let args = [
        "capture", "in.pcap", "--out", "cap", "--case", "C-1", "--filter", "udp", "--key", &key,
    ];
    let calls = network_calls(&env, &strace, &args, None);
    assert!(
        calls.is_empty(),
        "evidentia {args:?} made network calls:\n{}",
        calls.join("\n")
    );
    assert!(
        env.path().join("cap/capture.json").is_file(),
        "the capture ran"
    );
    // The tracer does see network calls when a program makes them.
    if let Some(python) = peer("python3") {
        let log = env.path().join("positive.log");
        let _ = Command::new(&strace)
            .args(["-f", "-qq", "-e", "trace=network", "-o"])
            .arg(&log)
            .arg(python)
            .args(["-c", "import socket; socket.socket()"])
            .output();
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            text.contains("socket("),
            "strace did not record a known socket call: {text}"
        );
    }
}

/// The dependency audit, kept true: no crate that talks to a network is in
/// the build (Cargo.lock lists every crate compiled in), and our own code
/// names no socket type. The strace test above is the proof at run time;
/// this catches a networked dependency the day it is added.
#[test]
fn no_networking_crate_or_socket_type_is_in_the_build() {
    const NETWORK_CRATES: &[&str] = &[
        "async-std",
        "curl",
        "curl-sys",
        "h2",
        "hyper",
        "isahc",
        "mio",
        "native-tls",
        "openssl",
        "openssl-sys",
        "quinn",
        "reqwest",
        "rustls",
        "smol",
        "socket2",
        "surf",
        "tokio",
        "tungstenite",
        "ureq",
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let graph = LockGraph::read(root);
    let (default, optional) = root_dependencies(root);
    let built = graph.reachable(&default);
    assert!(built.contains("ring") && built.len() > 20, "{built:?}");
    let found: Vec<&str> = NETWORK_CRATES
        .iter()
        .copied()
        .filter(|n| built.contains(*n))
        .collect();
    assert!(
        found.is_empty(),
        "networking crates in the default build: {found:?}"
    );
    // Control: the walk does follow Cargo.lock's edges to the networking
    // crates the optional PostgreSQL locker brings.
    assert!(optional.contains(&"postgres".to_string()), "{optional:?}");
    let all = graph.reachable(&[default, optional].concat());
    assert!(
        all.contains("tokio") && all.contains("socket2"),
        "control: {all:?}"
    );

    const SOCKET_WORDS: &[&str] = &[
        "std::net",
        "TcpStream",
        "TcpListener",
        "UdpSocket",
        "UnixStream",
        "UnixListener",
        "UnixDatagram",
        "libc::socket",
        "libc::connect",
    ];
    // Address types come from `core::net`, which has no sockets. Unit
    // tests (`tests.rs`, compiled only for `cargo test`) may open a UDP
    // socket on loopback to send the packets a live capture test captures:
    // they are not in any build a user runs.
    let mut hits = Vec::new();
    for e in walkdir::WalkDir::new(root.join("src")) {
        let e = e.expect("walk src");
        if e.path().extension().is_some_and(|x| x == "rs") && e.file_name() != "tests.rs" {
            let text = std::fs::read_to_string(e.path()).expect("read source");
            for w in SOCKET_WORDS {
                if text.contains(w) {
                    hits.push(format!("{}: {w}", e.path().display()));
                }
            }
        }
    }
    assert!(hits.is_empty(), "socket types in our code: {hits:?}");
}

/// The dependency graph Cargo.lock records (every package the build could
/// use, optional ones included; the default build is what is reachable
/// from the non-optional dependencies of Cargo.toml).
struct LockGraph {
    /// Package name to the names it depends on (all versions merged: a
    /// crate reached in any version counts).
    edges: std::collections::BTreeMap<String, Vec<String>>,
}

impl LockGraph {
    fn read(root: &Path) -> LockGraph {
        let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock");
        let lock: toml::Table = toml::from_str(&lock).expect("Cargo.lock is TOML");
        let mut edges = std::collections::BTreeMap::<String, Vec<String>>::new();
        for p in lock["package"].as_array().expect("packages") {
            let name = p["name"].as_str().expect("package name").to_owned();
            let deps = p.get("dependencies").and_then(|d| d.as_array());
            let names = deps.into_iter().flatten().filter_map(|d| d.as_str());
            // An entry is "name", "name version" or "name version (source)".
            let names = names.map(|d| d.split(' ').next().unwrap_or(d).to_owned());
            edges.entry(name).or_default().extend(names);
        }
        LockGraph { edges }
    }

    fn reachable(&self, from: &[String]) -> std::collections::BTreeSet<String> {
        let mut seen = std::collections::BTreeSet::new();
        let mut todo: Vec<String> = from.to_vec();
        while let Some(n) = todo.pop() {
            if seen.insert(n.clone()) {
                todo.extend(self.edges.get(&n).into_iter().flatten().cloned());
            }
        }
        seen
    }
}

/// The package names of Cargo.toml's `[dependencies]`: (always built,
/// optional).
fn root_dependencies(root: &Path) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    let manifest: toml::Table = toml::from_str(&text).expect("Cargo.toml is TOML");
    let (mut always, mut optional) = (Vec::new(), Vec::new());
    for (key, spec) in manifest["dependencies"].as_table().expect("dependencies") {
        let name = spec
            .get("package")
            .and_then(|p| p.as_str())
            .unwrap_or(key)
            .to_owned();
        match spec.get("optional").and_then(toml::Value::as_bool) {
            Some(true) => optional.push(name),
            _ => always.push(name),
        }
    }
    (always, optional)
}
