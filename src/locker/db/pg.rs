//! The PostgreSQL side of the seam: statements prepared once per text,
//! `?N` rewritten to `$N`, arguments typed by what the server infers,
//! advisory locks, and `COPY` in text format.

use super::{Cell, DbError, Lock, Value, dollar_placeholders};
use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, Statement};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;

/// Namespace of evidentia's advisory locks (the first key of the two-key
/// form; bundle locks use the one-key form, a separate space).
const LOCK_SPACE: i32 = 0x6576_6964; // "evid"

/// How much COPY text is gathered before it is sent.
const COPY_CHUNK: usize = 1 << 20;

/// One client and its prepared statements.
pub(super) struct Session {
    client: RefCell<Client>,
    statements: RefCell<HashMap<String, Statement>>,
}

impl Session {
    pub(super) fn new(client: Client) -> Session {
        Session {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
        }
    }

    fn client(&self) -> Result<std::cell::RefMut<'_, Client>, DbError> {
        self.client.try_borrow_mut().map_err(|_| DbError::Nested)
    }

    fn prepare(&self, client: &mut Client, sql: &str) -> Result<Statement, DbError> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let st = client.prepare(&dollar_placeholders(sql))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_owned(), st.clone());
        Ok(st)
    }

    pub(super) fn execute(&self, sql: &str, values: &[Value<'_>]) -> Result<usize, DbError> {
        let mut client = self.client()?;
        let st = self.prepare(&mut client, sql)?;
        let params: Vec<&(dyn ToSql + Sync)> =
            values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        let n = client.execute(&st, &params)?;
        usize::try_from(n).map_err(|_| DbError::Range(format!("{n} rows")))
    }

    pub(super) fn batch(&self, sql: &str) -> Result<(), DbError> {
        Ok(self.client()?.batch_execute(sql)?)
    }

    pub(super) fn query(
        &self,
        sql: &str,
        values: &[Value<'_>],
        f: &mut dyn FnMut(&postgres::Row) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut client = self.client()?;
        let st = self.prepare(&mut client, sql)?;
        let mut rows = client.query_raw(&st, values.iter())?;
        while let Some(r) = rows.next()? {
            f(&r)?;
        }
        Ok(())
    }

    pub(super) fn begin(&self, locks: &[Lock<'_>]) -> Result<(), DbError> {
        let mut locks = locks.to_vec();
        locks.sort();
        locks.dedup();
        let mut client = self.client()?;
        client.batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")?;
        for lock in locks {
            let taken = match lock {
                Lock::Schema => {
                    client.execute("SELECT pg_advisory_xact_lock($1, 1)", &[&LOCK_SPACE])
                }
                Lock::Hashsets { exclusive: true } => {
                    client.execute("SELECT pg_advisory_xact_lock($1, 2)", &[&LOCK_SPACE])
                }
                Lock::Hashsets { exclusive: false } => {
                    client.execute("SELECT pg_advisory_xact_lock_shared($1, 2)", &[&LOCK_SPACE])
                }
                Lock::Bundle(id) => client.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended($1, 21))",
                    &[&id],
                ),
            };
            if let Err(e) = taken {
                let _ = client.batch_execute("ROLLBACK");
                return Err(e.into());
            }
        }
        Ok(())
    }

    pub(super) fn copy<'a>(&'a self, table: &str, columns: &[&str]) -> Result<Copy<'a>, DbError> {
        Ok(Copy {
            session: self,
            sql: format!("COPY {table} ({}) FROM STDIN", columns.join(", ")),
            buf: Vec::with_capacity(COPY_CHUNK + 4096),
        })
    }
}

/// Rows gathered as COPY text and sent a chunk at a time (each chunk one
/// `COPY` statement in the caller's transaction).
pub(super) struct Copy<'a> {
    session: &'a Session,
    sql: String,
    buf: Vec<u8>,
}

impl Copy<'_> {
    pub(super) fn row(&mut self, values: &[Value<'_>]) -> Result<(), DbError> {
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.buf.push(b'\t');
            }
            copy_value(&mut self.buf, v)?;
        }
        self.buf.push(b'\n');
        if self.buf.len() >= COPY_CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), DbError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut client = self.session.client()?;
        let mut w = client.copy_in(&self.sql)?;
        w.write_all(&self.buf)
            .map_err(|e| DbError::Range(format!("COPY could not send its rows: {e}")))?;
        w.finish()?;
        self.buf.clear();
        Ok(())
    }

    pub(super) fn finish(mut self) -> Result<(), DbError> {
        self.flush()
    }
}

/// One value in COPY's text format.
fn copy_value(buf: &mut Vec<u8>, v: &Value<'_>) -> Result<(), DbError> {
    match *v {
        Value::Null => buf.extend_from_slice(b"\\N"),
        Value::Int(i) => buf.extend_from_slice(i.to_string().as_bytes()),
        Value::Text(t) => {
            for &b in t.as_bytes() {
                match b {
                    0 => {
                        return Err(DbError::Range(
                            "PostgreSQL text cannot hold a NUL byte".into(),
                        ));
                    }
                    b'\\' => buf.extend_from_slice(b"\\\\"),
                    b'\n' => buf.extend_from_slice(b"\\n"),
                    b'\r' => buf.extend_from_slice(b"\\r"),
                    b'\t' => buf.extend_from_slice(b"\\t"),
                    _ => buf.push(b),
                }
            }
        }
        Value::Blob(b) => {
            // bytea's hex input, its backslash escaped for COPY.
            buf.extend_from_slice(b"\\\\x");
            const HEX: &[u8; 16] = b"0123456789abcdef";
            for &x in b {
                buf.push(HEX[usize::from(x >> 4)]);
                buf.push(HEX[usize::from(x & 15)]);
            }
        }
    }
    Ok(())
}

/// Column `i` of a PostgreSQL row, by the column's type.
pub(super) fn cell(r: &postgres::Row, i: usize) -> Result<Cell<'_>, DbError> {
    let ty = r
        .columns()
        .get(i)
        .ok_or_else(|| DbError::Range(format!("no column {i}")))?
        .type_()
        .clone();
    let cell = match ty {
        Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Cell::Int),
        Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map(|n| Cell::Int(n.into())),
        Type::INT2 => r.try_get::<_, Option<i16>>(i)?.map(|n| Cell::Int(n.into())),
        Type::BOOL => r
            .try_get::<_, Option<bool>>(i)?
            .map(|b| Cell::Int(b.into())),
        Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Cell::Real),
        Type::FLOAT4 => r
            .try_get::<_, Option<f32>>(i)?
            .map(|x| Cell::Real(x.into())),
        Type::BYTEA => r.try_get::<_, Option<&[u8]>>(i)?.map(Cell::Blob),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
            r.try_get::<_, Option<&str>>(i)?.map(Cell::Text)
        }
        other => {
            return Err(DbError::Range(format!(
                "column {i} has type {other}, which the locker does not read \
                 (cast it to bigint, text or bytea in the query)"
            )));
        }
    };
    Ok(cell.unwrap_or(Cell::Null))
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::UNKNOWN => {
                    i.to_string().as_str().to_sql(ty, out)
                }
                _ => Err(format!("an integer given where the server expects {ty}").into()),
            },
            Value::Text(t) => {
                if t.contains('\0') {
                    return Err("PostgreSQL text cannot hold a NUL byte".into());
                }
                t.to_sql(ty, out)
            }
            Value::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_copy_reads_specially() {
        let mut b = Vec::new();
        copy_value(&mut b, &Value::Text("a\tb\\c\nd\re")).unwrap();
        assert_eq!(b, b"a\\tb\\\\c\\nd\\re");
        b.clear();
        copy_value(&mut b, &Value::Blob(&[0, 0xab])).unwrap();
        assert_eq!(b, b"\\\\x00ab");
        b.clear();
        copy_value(&mut b, &Value::Null).unwrap();
        assert_eq!(b, b"\\N");
        assert!(copy_value(&mut b, &Value::Text("a\0b")).is_err());
    }
}
