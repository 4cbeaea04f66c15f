//! Known-hash sets and `match`, on a real locker (SQLite, or PostgreSQL:
//! backend.rs) and a database shaped like NSRL RDS v3.

use crate::backend::TestLocker;
use crate::harness::Env;
use serde::Deserialize;

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

fn make_rds(env: &Env) -> std::path::PathBuf {
    let path = env.path().join("RDS_modern.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE METADATA (sha256 TEXT, sha1 TEXT, md5 TEXT, crc32 TEXT, file_name TEXT, file_size INTEGER, package_id INTEGER);
         CREATE VIEW FILE AS SELECT sha256, sha1, md5, crc32, file_name, file_size, package_id FROM METADATA;",
    )
    .unwrap();
    c.execute(
        "INSERT INTO METADATA VALUES (?1, NULL, ?2, '0', 'kernel32.dll', 6, 1)",
        [sha256_hex(b"system"), md5_hex(b"system")],
    )
    .unwrap();
    path
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Match {
    v: u32,
    kind: String,
    path: serde_json::Value,
    hashset: String,
    set_kind: String,
    algorithm: String,
    digest_origin: String,
    listed_name: Option<String>,
}

#[test]
fn known_bad_match_exits_1_and_known_good_is_informational() {
    let env = Env::new();
    env.write("case/system.dll", b"system");
    env.write("case/photos/img1.jpg", b"contraband");
    env.write("case/notes.txt", b"harmless");
    // A known-bad list as another lab would send it: lower-case sums.
    env.write(
        "bad.sha256",
        format!(
            "{}  img-0001.jpg\n",
            sha256_hex(b"contraband").to_lowercase()
        )
        .as_bytes(),
    );
    let rds = make_rds(&env);
    let l = TestLocker::new(&env);

    env.run(l.with(&["hashset", "import", "nsrl", rds.to_str().unwrap()]))
        .expect_code(0);
    let r = env.run(l.with(&[
        "hashset",
        "import",
        "alerts",
        "bad.sha256",
        "--kind",
        "known-bad",
    ]));
    r.expect_code(0);
    assert!(
        r.stdout_str().contains("imported 1 sums entries"),
        "{}",
        r.stdout_str()
    );
    let list = env.run(l.with(&["hashset", "list"]));
    assert!(list.stdout_str().contains("alerts") && list.stdout_str().contains("nsrl"));

    let r = env.run(l.with(&["match", "case", "--hashset", "nsrl"]));
    r.expect_code(0);
    assert!(
        r.stdout_str().contains("known-good  case/system.dll"),
        "{}",
        r.stdout_str()
    );

    let r = env.run(l.with(&[
        "match",
        "case",
        "--hashset",
        "nsrl",
        "--hashset",
        "alerts",
        "--json",
    ]));
    r.expect_code(1);
    let matches: Vec<Match> = r
        .stdout_str()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(matches.len(), 2, "{matches:?}");
    let bad = matches.iter().find(|m| m.set_kind == "known-bad").unwrap();
    assert_eq!(
        bad.path,
        serde_json::json!({"text": "case/photos/img1.jpg"})
    );
    assert_eq!(bad.listed_name.as_deref(), Some("img-0001.jpg"));
    assert_eq!(
        (bad.v, bad.kind.as_str(), bad.algorithm.as_str()),
        (2, "match", "sha256")
    );
    assert_eq!(bad.digest_origin, "computed", "a file target is hashed now");
    assert!(
        matches
            .iter()
            .any(|m| m.hashset == "nsrl" && m.algorithm == "md5" || m.algorithm == "sha256")
    );
}

#[test]
fn unknown_set_and_bad_lists_are_clear_errors() {
    let env = Env::new();
    env.write("f", b"x");
    let l = TestLocker::new(&env);
    let r = env.run(l.with(&["match", "f", "--hashset", "nope"]));
    r.expect_code(2);
    assert!(
        r.stderr.contains("no hash set named \"nope\"") && r.stderr.contains("hint:"),
        "{}",
        r.stderr
    );
    env.write("junk.txt", b"this is not a hash list\n");
    let r = env.run(l.with(&["hashset", "import", "junk", "junk.txt"]));
    r.expect_code(2);
    assert!(r.stderr.contains("line 1"), "{}", r.stderr);
    let r = env.run(l.with(&["hashset", "list", "--json"]));
    r.expect_code(0);
    assert!(r.stdout.is_empty(), "nothing was imported");
}
