//! Lockers for unit tests, on the backend the test run asks for: SQLite
//! by default; with the `postgres` feature and `EVIDENTIA_TEST_PG` (the
//! admin URL of a throw-away cluster, a role with CREATEDB), a fresh
//! PostgreSQL database per locker, so the same tests run on both.

use super::Locker;
use std::path::Path;

/// The environment variable naming the PostgreSQL test cluster.
#[cfg(feature = "postgres")]
pub const TEST_PG: &str = "EVIDENTIA_TEST_PG";

/// A fresh, empty locker for a test: `dir/l.db`, or a fresh PostgreSQL
/// database when the run asks for one.
pub fn locker(dir: &Path) -> Locker {
    #[cfg(feature = "postgres")]
    if let Ok(admin) = std::env::var(TEST_PG) {
        return postgres_locker(&admin);
    }
    Locker::open(&dir.join("l.db")).expect("open a SQLite test locker")
}

/// A fresh database on the test cluster, opened as a locker.
#[cfg(feature = "postgres")]
pub fn postgres_locker(admin: &str) -> Locker {
    postgres_open(&super::pg::fresh_database(admin))
}

/// One more connection to the PostgreSQL locker at `url`.
#[cfg(feature = "postgres")]
pub fn postgres_open(url: &str) -> Locker {
    let addr = super::pg::PgAddr::parse(url).expect("test database URL");
    let client = super::pg::connect(&addr, addr.password()).expect("connect to the test database");
    Locker::from_postgres(client, addr.to_string()).expect("open a PostgreSQL test locker")
}

/// How many sessions of `l`'s database wait for a lock now (a fresh
/// snapshot of the activity view each time: it is cached for the rest of
/// a transaction).
#[cfg(feature = "postgres")]
pub fn lock_waiters(l: &Locker) -> i64 {
    l.db.batch("SELECT pg_stat_clear_snapshot()")
        .expect("clear the statistics snapshot");
    l.db.row(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
        &[],
        |r| r.get(0),
    )
    .expect("read pg_stat_activity")
}
