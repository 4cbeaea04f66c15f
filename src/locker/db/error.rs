//! Errors from either backend, with the questions the locker asks of them
//! (retry? full disk? server gone? a duplicate?).

use std::fmt;

/// An error from the database layer.
#[derive(Debug)]
pub enum DbError {
    /// SQLite failed.
    Sqlite(rusqlite::Error),
    /// PostgreSQL failed (the server's message, detail and hint are shown).
    #[cfg(feature = "postgres")]
    Postgres(postgres::Error),
    /// A statement that must return one row returned none.
    NoRow,
    /// A column held a value of another kind than the code reads.
    Decode {
        /// The column, counted from 0.
        column: usize,
        /// What the code reads.
        want: &'static str,
        /// What the column held.
        found: &'static str,
    },
    /// An integer that does not fit, or text the backend cannot store.
    Range(String),
    /// A query was run from inside another query's row callback, which a
    /// PostgreSQL connection cannot do.
    Nested,
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Sqlite(e) => write!(f, "{e}"),
            #[cfg(feature = "postgres")]
            DbError::Postgres(e) => write_pg(f, e),
            DbError::NoRow => f.write_str("the query returned no row"),
            DbError::Decode {
                column,
                want,
                found,
            } => write!(f, "column {column} holds {found} where {want} was expected"),
            DbError::Range(what) => f.write_str(what),
            DbError::Nested => f.write_str("a query was started inside another query's rows"),
        }
    }
}

#[cfg(feature = "postgres")]
fn write_pg(f: &mut fmt::Formatter<'_>, e: &postgres::Error) -> fmt::Result {
    if let Some(db) = e.as_db_error() {
        write!(f, "{} (SQLSTATE {})", db.message(), db.code().code())?;
        if let Some(d) = db.detail() {
            write!(f, "; {d}")?;
        }
        if let Some(h) = db.hint() {
            write!(f, "; hint: {h}")?;
        }
        return Ok(());
    }
    if e.is_closed() {
        return f.write_str("the connection to the PostgreSQL server was lost");
    }
    write!(f, "{e}")?;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        write!(f, ": {s}")?;
        source = s.source();
    }
    Ok(())
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DbError::Sqlite(e) => Some(e),
            // The Display above already walks the chain.
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Sqlite(e)
    }
}

#[cfg(feature = "postgres")]
impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> Self {
        DbError::Postgres(e)
    }
}

impl DbError {
    /// The SQLSTATE of a PostgreSQL error.
    #[cfg(feature = "postgres")]
    fn sqlstate(&self) -> Option<&str> {
        match self {
            DbError::Postgres(e) => e.code().map(postgres::error::SqlState::code),
            _ => None,
        }
    }

    #[cfg(not(feature = "postgres"))]
    fn sqlstate(&self) -> Option<&str> {
        None
    }

    fn sqlite_code(&self) -> Option<(rusqlite::ErrorCode, i32)> {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                Some((e.code, e.extended_code))
            }
            _ => None,
        }
    }

    /// A transaction lost a race (deadlock or serialization failure) and
    /// can be run again from the start.
    pub fn is_retryable(&self) -> bool {
        matches!(self.sqlstate(), Some("40001" | "40P01"))
    }

    /// A unique or primary key constraint refused a row.
    pub fn is_unique_violation(&self) -> bool {
        const UNIQUE: i32 = 2067; // SQLITE_CONSTRAINT_UNIQUE
        const PRIMARY: i32 = 1555; // SQLITE_CONSTRAINT_PRIMARYKEY
        self.sqlstate() == Some("23505")
            || matches!(self.sqlite_code(), Some((_, UNIQUE | PRIMARY)))
    }

    /// The disk (or the server's disk) is full.
    pub fn is_disk_full(&self) -> bool {
        self.sqlstate() == Some("53100")
            || matches!(self.sqlite_code(), Some((rusqlite::ErrorCode::DiskFull, _)))
    }

    /// The server went away (shut down, restarted, or the connection
    /// broke): nothing of the open transaction was recorded.
    pub fn is_connection_lost(&self) -> bool {
        #[cfg(feature = "postgres")]
        if let DbError::Postgres(e) = self
            && e.is_closed()
        {
            return true;
        }
        self.sqlstate()
            .is_some_and(|s| s.starts_with("08") || s.starts_with("57P"))
    }

    /// An append-only table refused a change.
    pub fn is_append_only(&self) -> bool {
        self.to_string().contains("append-only")
    }
}
