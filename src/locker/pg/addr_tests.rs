use super::*;

fn parse(url: &str) -> PgAddr {
    PgAddr::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn refused(url: &str) -> AddrError {
    match PgAddr::parse(url) {
        Ok(a) => panic!("{url} parsed as {a}"),
        Err(e) => e,
    }
}

#[test]
fn tcp_url_with_every_part() {
    let a = parse(
        "postgresql://jana:s%40cr%3At@db.lab.example:5433/evidence?sslmode=verify-full\
         &sslrootcert=/etc/lab/ca.pem&connect_timeout=10&application_name=evidentia%20ingest",
    );
    assert_eq!(a.user(), Some("jana"));
    assert_eq!(a.password(), Some("s@cr:t"));
    assert_eq!(a.host(), PgHost::Tcp("db.lab.example".into()));
    assert_eq!(a.port(), 5433);
    assert_eq!(a.dbname(), Some("evidence"));
    assert_eq!(a.sslmode(), SslMode::VerifyFull);
    assert_eq!(a.sslrootcert(), Some(Path::new("/etc/lab/ca.pem")));
    assert_eq!(a.connect_timeout(), Some(Duration::from_secs(10)));
    assert_eq!(a.application_name(), Some("evidentia ingest"));
}

#[test]
fn both_schemes_and_libpq_defaults() {
    let a = parse("postgres://db.lab.example");
    assert_eq!(a.user(), None);
    assert_eq!(a.password(), None);
    assert_eq!(a.port(), DEFAULT_PORT);
    assert_eq!(a.dbname(), None);
    assert_eq!(a.sslmode(), SslMode::Prefer, "libpq's default over TCP");
    assert_eq!(a.connect_timeout(), None);
    let s = parse("postgresql:///evidence");
    assert_eq!(s.host(), PgHost::Socket(DEFAULT_SOCKET_DIR.into()));
    assert_eq!(s.sslmode(), SslMode::Disable, "a socket is never encrypted");
    assert_eq!(s.dbname(), Some("evidence"));
    assert!(is_pg_url("postgres://x") && is_pg_url("postgresql:///x"));
    assert!(!is_pg_url("/var/lib/evidentia/locker.db") && !is_pg_url("postgresql:/x"));
}

#[test]
fn socket_directory_in_query_or_authority() {
    let q = parse("postgresql:///evidentia?host=/tmp/pg-a&user=evidentia");
    assert_eq!(q.host(), PgHost::Socket("/tmp/pg-a".into()));
    assert_eq!(q.user(), Some("evidentia"));
    let a = parse("postgresql://evidentia@%2Ftmp%2Fpg-a:5439/evidentia");
    assert_eq!(a.host(), PgHost::Socket("/tmp/pg-a".into()));
    assert_eq!(a.port(), 5439);
    assert_eq!(
        refused("postgresql:///x?host=tmp/pg").part,
        "parameter host"
    );
}

#[test]
fn ipv6_hosts() {
    let a = parse("postgresql://u@[::1]:6000/db");
    assert_eq!(a.host(), PgHost::Tcp("::1".into()));
    assert_eq!(a.port(), 6000);
    assert_eq!(a.to_string(), "postgresql://u@[::1]:6000/db");
    assert_eq!(refused("postgresql://u@[::1/db").part, "host");
    assert_eq!(refused("postgresql://u@[zz::]/db").part, "host");
}

#[test]
fn display_and_debug_never_show_the_password() {
    let a = parse("postgresql://jana:hunter2@db/evidence?sslmode=require");
    assert_eq!(
        a.to_string(),
        "postgresql://jana@db/evidence?sslmode=require"
    );
    let q = parse("postgresql://db/evidence?user=jana&password=hunter2");
    for shown in [
        a.to_string(),
        format!("{a:?}"),
        q.to_string(),
        format!("{q:?}"),
    ] {
        assert!(!shown.contains("hunter2"), "{shown}");
    }
    assert!(format!("{a:?}").contains("(given)"));
    // The full form (tests only) keeps it, and reads back to the same address.
    assert_eq!(parse(&a.url(true)), a);
    assert_eq!(parse(&q.url(true)), q);
}

#[test]
fn display_reads_back_as_the_same_address() {
    for url in [
        "postgresql://j%C3%A1na@db.lab.example:5433/case%2F7?sslmode=verify-ca&sslrootcert=/etc/ca%20dir/ca.pem&connect_timeout=3&application_name=a%26b",
        "postgresql:///evidentia?host=/tmp/pg%20x&user=evidentia",
        "postgresql://10.0.0.7/",
    ] {
        let a = parse(url);
        assert_eq!(parse(&a.to_string()), a, "{url} -> {a}");
    }
}

#[test]
fn unknown_or_repeated_parameters_are_refused_by_name() {
    let e = refused("postgresql://db/x?sslmod=require");
    assert_eq!(e.part, "parameter sslmod");
    assert!(e.to_string().contains("sslmod"), "{e}");
    assert!(e.hint.contains("sslmode"), "{}", e.hint);
    assert_eq!(
        refused("postgresql://db/x?hostaddr=10.0.0.1").part,
        "parameter hostaddr"
    );
    assert_eq!(
        refused("postgresql://db/x?sslmode=require&sslmode=disable").message,
        "given twice"
    );
    assert_eq!(refused("postgresql://db:5/x?port=6").part, "parameter port");
    assert_eq!(refused("postgresql://u@db/x?user=v").part, "parameter user");
    assert_eq!(refused("postgresql://db/x?sslmode").part, "query");
}

#[test]
fn bad_values_name_their_part_with_a_hint() {
    let cases = [
        ("mysql://db/x", "scheme"),
        ("postgresql://db:99999/x", "port"),
        ("postgresql://db:0/x", "port"),
        ("postgresql://db:abc/x", "port"),
        ("postgresql://db/x?sslmode=verify", "parameter sslmode"),
        (
            "postgresql://db/x?connect_timeout=-1",
            "parameter connect_timeout",
        ),
        ("postgresql://a,b/x", "host"),
        ("postgresql://db/x#frag", "URL"),
        ("postgresql://db/x%zz", "database name"),
        ("postgresql://db/x%00", "database name"),
        ("postgresql://db/x%ff", "database name"),
        ("postgresql://db%20x/y", "host"),
    ];
    for (url, part) in cases {
        let e = refused(url);
        assert_eq!(e.part, part, "{url}: {e}");
        assert!(!e.hint.is_empty(), "{url}");
    }
}

#[test]
fn errors_never_quote_user_information() {
    for url in [
        "postgresql://jana:p%zzhunter2@db/x",
        "postgresql://jana:p@ss@db/x",
        "postgresql://jana%ff:hunter2@db/x",
    ] {
        let e = refused(url);
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("ss@db"),
            "{shown}"
        );
    }
    assert!(refused("postgresql://jana:p@ss@db/x").hint.contains("%40"));
}

#[test]
fn tls_on_a_socket_is_refused_not_ignored() {
    for mode in ["require", "verify-ca", "verify-full"] {
        let e = refused(&format!("postgresql:///x?host=/tmp/pg&sslmode={mode}"));
        assert_eq!(e.part, "parameter sslmode");
        assert!(e.message.contains("never encrypted"), "{e}");
        refused(&format!("postgresql:///x?sslmode={mode}"));
    }
    assert_eq!(
        parse("postgresql:///x?host=/tmp/pg&sslmode=disable").sslmode(),
        SslMode::Disable
    );
    assert_eq!(
        parse("postgresql:///x?sslmode=prefer").sslmode(),
        SslMode::Prefer
    );
}

#[test]
fn connect_timeout_follows_libpq() {
    let t = |s: &str| parse(&format!("postgresql://db/x?connect_timeout={s}")).connect_timeout();
    assert_eq!(t("0"), None);
    assert_eq!(t("1"), Some(Duration::from_secs(2)));
    assert_eq!(t("30"), Some(Duration::from_secs(30)));
}

#[test]
fn with_dbname_keeps_the_rest() {
    let a = parse("postgresql://u:pw@db:5433/a?sslmode=require");
    let b = a.with_dbname("t_1");
    assert_eq!(b.dbname(), Some("t_1"));
    assert_eq!(b.password(), Some("pw"));
    assert_eq!(b.to_string(), "postgresql://u@db:5433/t_1?sslmode=require");
}
