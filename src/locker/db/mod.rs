//! The locker's database seam: one connection to SQLite (the embedded
//! default) or PostgreSQL (cargo feature `postgres`), and one way to run
//! statements on either.
//!
//! Invariants:
//! - Statements are written once, with `?N` placeholders, in SQL both
//!   backends accept; PostgreSQL's `$N` is made here. Where the dialects
//!   differ, the caller branches on [`Db::backend`].
//! - Arguments and column values cross as 64-bit integers, UTF-8 text and
//!   bytes ([`Value`], [`Cell`]); an integer that does not fit is an error.
//! - A write transaction ([`Db::begin`]) names its locks. SQLite has one
//!   writer at a time (`BEGIN IMMEDIATE`) and needs none; PostgreSQL runs
//!   at READ COMMITTED and takes the named advisory locks in one fixed
//!   order, so writers of different bundles run side by side and writers
//!   of the same bundle queue.
//! - A transaction dropped without [`Tx::commit`] is rolled back.

mod error;
#[cfg(feature = "postgres")]
mod pg;
mod value;

pub use error::DbError;
pub use value::{Arg, Cell, FromCell, Value, dollar_placeholders};

use rusqlite::{CachedStatement, Connection, params_from_iter};
use std::cell::Cell as Flag;

/// Which database a locker is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// A lock a write transaction holds until it ends (PostgreSQL advisory
/// transaction locks; SQLite's single writer lock covers them all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lock<'a> {
    /// The schema (migrations).
    Schema,
    /// The known-hash sets: shared by ingests (which match against them),
    /// exclusive for imports and deletions (which match every file).
    Hashsets {
        /// Exclusive (import, delete) or shared (ingest).
        exclusive: bool,
    },
    /// One bundle, by its bundle id.
    Bundle(&'a str),
}

/// One open connection.
pub struct Db {
    inner: Inner,
    nested: Flag<bool>,
}

enum Inner {
    Sqlite(Connection),
    #[cfg(feature = "postgres")]
    Postgres(Box<pg::Session>),
}

/// One row of a result, read column by column.
pub struct Row<'r> {
    inner: RowInner<'r>,
}

enum RowInner<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    #[cfg(feature = "postgres")]
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    /// Column `i` (from 0) as a `T`.
    pub fn get<T: FromCell>(&self, i: usize) -> Result<T, DbError> {
        let cell = self.cell(i)?;
        T::from_cell(cell).map_err(|found| DbError::Decode {
            column: i,
            want: std::any::type_name::<T>(),
            found,
        })
    }

    fn cell(&self, i: usize) -> Result<Cell<'_>, DbError> {
        use rusqlite::types::ValueRef;
        match &self.inner {
            RowInner::Sqlite(r) => Ok(match r.get_ref(i)? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(n) => Cell::Int(n),
                ValueRef::Real(x) => Cell::Real(x),
                ValueRef::Text(t) => Cell::Text(std::str::from_utf8(t).map_err(|_| {
                    DbError::Range(format!("column {i} holds text that is not UTF-8"))
                })?),
                ValueRef::Blob(b) => Cell::Blob(b),
            }),
            #[cfg(feature = "postgres")]
            RowInner::Postgres(r) => pg::cell(r, i),
        }
    }
}

/// A write transaction. Dereferences to the [`Db`] it runs on; rolled back
/// when dropped without [`Tx::commit`].
pub struct Tx<'a> {
    db: &'a Db,
    open: Flag<bool>,
}

impl std::ops::Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl Tx<'_> {
    /// Make the transaction's writes durable.
    pub fn commit(self) -> Result<(), DbError> {
        self.open.set(false);
        self.db.batch("COMMIT")
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open.get() {
            // Nothing to report: a connection that cannot roll back has
            // lost the transaction anyway.
            let _ = self.db.batch("ROLLBACK");
        }
    }
}

/// Where [`Db::copy_in`] sends rows.
pub struct CopySink<'a> {
    inner: SinkInner<'a>,
    rows: u64,
}

enum SinkInner<'a> {
    Sqlite(CachedStatement<'a>),
    #[cfg(feature = "postgres")]
    Postgres(pg::Copy<'a>),
}

impl CopySink<'_> {
    /// Send one row, its values in the order of the columns named.
    pub fn row(&mut self, args: &[&dyn Arg]) -> Result<(), DbError> {
        let values = values(args)?;
        match &mut self.inner {
            SinkInner::Sqlite(st) => {
                st.execute(params_from_iter(values.iter().map(Sqlite)))?;
            }
            #[cfg(feature = "postgres")]
            SinkInner::Postgres(c) => c.row(&values)?,
        }
        self.rows += 1;
        Ok(())
    }
}

fn values<'v>(args: &'v [&'v dyn Arg]) -> Result<Vec<Value<'v>>, DbError> {
    args.iter().map(|a| a.value()).collect()
}

/// A [`Value`] as rusqlite takes it.
struct Sqlite<'v>(&'v Value<'v>);

impl rusqlite::ToSql for Sqlite<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self.0 {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(i),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl Db {
    /// A SQLite connection, configured by the caller.
    pub fn sqlite(conn: Connection) -> Db {
        Db {
            inner: Inner::Sqlite(conn),
            nested: Flag::new(false),
        }
    }

    /// A PostgreSQL connection.
    #[cfg(feature = "postgres")]
    pub fn postgres(client: postgres::Client) -> Db {
        Db {
            inner: Inner::Postgres(Box::new(pg::Session::new(client))),
            nested: Flag::new(false),
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match &self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite connection, for what only SQLite has (pragmas, ATTACH).
    pub fn as_sqlite(&self) -> Option<&Connection> {
        match &self.inner {
            Inner::Sqlite(c) => Some(c),
            #[cfg(feature = "postgres")]
            Inner::Postgres(_) => None,
        }
    }

    fn enter(&self) -> Result<(), DbError> {
        if self.nested.get() && self.backend() == Backend::Postgres {
            return Err(DbError::Nested);
        }
        Ok(())
    }

    /// Run one statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, args: &[&dyn Arg]) -> Result<usize, DbError> {
        self.enter()?;
        let values = values(args)?;
        match &self.inner {
            Inner::Sqlite(c) => Ok(c
                .prepare_cached(sql)?
                .execute(params_from_iter(values.iter().map(Sqlite)))?),
            #[cfg(feature = "postgres")]
            Inner::Postgres(s) => s.execute(sql, &values),
        }
    }

    /// Run statements without arguments (DDL, transaction control).
    pub fn batch(&self, sql: &str) -> Result<(), DbError> {
        self.enter()?;
        match &self.inner {
            Inner::Sqlite(c) => Ok(c.execute_batch(sql)?),
            #[cfg(feature = "postgres")]
            Inner::Postgres(s) => s.batch(sql),
        }
    }

    /// Run a query and hand each row to `f` as it arrives. `f` must not
    /// run statements on this connection (PostgreSQL cannot; collect
    /// first with [`Db::rows`] when a row leads to more statements).
    pub fn query(
        &self,
        sql: &str,
        args: &[&dyn Arg],
        mut f: impl FnMut(&Row<'_>) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        self.enter()?;
        let values = values(args)?;
        self.nested.set(true);
        let result = match &self.inner {
            Inner::Sqlite(c) => (|| {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(params_from_iter(values.iter().map(Sqlite)))?;
                while let Some(r) = rows.next()? {
                    f(&Row {
                        inner: RowInner::Sqlite(r),
                    })?;
                }
                Ok(())
            })(),
            #[cfg(feature = "postgres")]
            Inner::Postgres(s) => s.query(sql, &values, &mut |r| {
                f(&Row {
                    inner: RowInner::Postgres(r),
                })
            }),
        };
        self.nested.set(false);
        result
    }

    /// Every row of a query, each made by `f`.
    pub fn rows<T>(
        &self,
        sql: &str,
        args: &[&dyn Arg],
        mut f: impl FnMut(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<Vec<T>, DbError> {
        let mut out = Vec::new();
        self.query(sql, args, |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of a query, or `None`.
    pub fn opt_row<T>(
        &self,
        sql: &str,
        args: &[&dyn Arg],
        mut f: impl FnMut(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<Option<T>, DbError> {
        let mut out = None;
        self.query(sql, args, |r| {
            if out.is_none() {
                out = Some(f(r)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The one row of a query; [`DbError::NoRow`] when there is none.
    pub fn row<T>(
        &self,
        sql: &str,
        args: &[&dyn Arg],
        f: impl FnMut(&Row<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.opt_row(sql, args, f)?.ok_or(DbError::NoRow)
    }

    /// Begin a write transaction holding `locks` (see [`Lock`]).
    pub fn begin(&self, locks: &[Lock<'_>]) -> Result<Tx<'_>, DbError> {
        match &self.inner {
            Inner::Sqlite(_) => self.batch("BEGIN IMMEDIATE")?,
            #[cfg(feature = "postgres")]
            Inner::Postgres(s) => s.begin(locks)?,
        }
        #[cfg(not(feature = "postgres"))]
        let _ = locks;
        Ok(Tx {
            db: self,
            open: Flag::new(true),
        })
    }

    /// Load many rows into `table`: PostgreSQL's `COPY ... FROM STDIN`, a
    /// prepared INSERT per row on SQLite. `f` sends the rows and must not
    /// run statements on this connection. The number of rows sent.
    pub fn copy_in(
        &self,
        table: &str,
        columns: &[&str],
        f: impl FnOnce(&mut CopySink<'_>) -> Result<(), DbError>,
    ) -> Result<u64, DbError> {
        self.enter()?;
        self.nested.set(true);
        let result = (|| match &self.inner {
            Inner::Sqlite(c) => {
                let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
                let sql = format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    columns.join(", "),
                    marks.join(", ")
                );
                let mut sink = CopySink {
                    inner: SinkInner::Sqlite(c.prepare_cached(&sql)?),
                    rows: 0,
                };
                f(&mut sink)?;
                Ok(sink.rows)
            }
            #[cfg(feature = "postgres")]
            Inner::Postgres(s) => {
                let mut sink = CopySink {
                    inner: SinkInner::Postgres(s.copy(table, columns)?),
                    rows: 0,
                };
                f(&mut sink)?;
                let rows = sink.rows;
                if let SinkInner::Postgres(c) = sink.inner {
                    c.finish()?;
                }
                Ok(rows)
            }
        })();
        self.nested.set(false);
        result
    }
}
