//! What crosses the seam: statement arguments ([`Arg`] → [`Value`]) and
//! column values read back ([`Cell`] → [`FromCell`]). The same Rust types on
//! both backends: integers are 64-bit, text is UTF-8, blobs are bytes,
//! booleans are integers 0/1 in both schemas.

use super::DbError;

/// One argument of a statement, as both backends take it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// SQL NULL.
    Null,
    /// A 64-bit integer.
    Int(i64),
    /// UTF-8 text.
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
}

/// A Rust value usable as a statement argument.
pub trait Arg {
    /// This value as the seam carries it; an integer that does not fit in
    /// 64 signed bits is an error, never a wrapped number.
    fn value(&self) -> Result<Value<'_>, DbError>;
}

impl Arg for i64 {
    fn value(&self) -> Result<Value<'_>, DbError> {
        Ok(Value::Int(*self))
    }
}

impl Arg for i32 {
    fn value(&self) -> Result<Value<'_>, DbError> {
        Ok(Value::Int(i64::from(*self)))
    }
}

impl Arg for u32 {
    fn value(&self) -> Result<Value<'_>, DbError> {
        Ok(Value::Int(i64::from(*self)))
    }
}

impl Arg for u64 {
    fn value(&self) -> Result<Value<'_>, DbError> {
        i64::try_from(*self)
            .map(Value::Int)
            .map_err(|_| DbError::Range(format!("{self} does not fit a 64-bit signed column")))
    }
}

impl Arg for usize {
    fn value(&self) -> Result<Value<'_>, DbError> {
        i64::try_from(*self)
            .map(Value::Int)
            .map_err(|_| DbError::Range(format!("{self} does not fit a 64-bit signed column")))
    }
}

impl Arg for bool {
    fn value(&self) -> Result<Value<'_>, DbError> {
        Ok(Value::Int(i64::from(*self)))
    }
}

impl Arg for str {
    fn value(&self) -> Result<Value<'_>, DbError> {
        Ok(Value::Text(self))
    }
}

impl Arg for String {
    fn value(&self) -> Result<Value<'_>, DbError> {
        Ok(Value::Text(self))
    }
}

impl Arg for [u8] {
    fn value(&self) -> Result<Value<'_>, DbError> {
        Ok(Value::Blob(self))
    }
}

impl Arg for Vec<u8> {
    fn value(&self) -> Result<Value<'_>, DbError> {
        Ok(Value::Blob(self))
    }
}

impl<const N: usize> Arg for [u8; N] {
    fn value(&self) -> Result<Value<'_>, DbError> {
        Ok(Value::Blob(self))
    }
}

impl<T: Arg + ?Sized> Arg for &T {
    fn value(&self) -> Result<Value<'_>, DbError> {
        (**self).value()
    }
}

impl<T: Arg> Arg for Option<T> {
    fn value(&self) -> Result<Value<'_>, DbError> {
        match self {
            Some(v) => v.value(),
            None => Ok(Value::Null),
        }
    }
}

impl Arg for Value<'_> {
    fn value(&self) -> Result<Value<'_>, DbError> {
        Ok(*self)
    }
}

/// One column value of a result row, borrowed from the backend's row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// SQL NULL.
    Null,
    /// An integer (also a boolean 0/1).
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// UTF-8 text.
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
}

impl Cell<'_> {
    /// The kind of value, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Cell::Null => "NULL",
            Cell::Int(_) => "integer",
            Cell::Real(_) => "real",
            Cell::Text(_) => "text",
            Cell::Blob(_) => "blob",
        }
    }
}

/// A Rust type a column value can be read as.
pub trait FromCell: Sized {
    /// Convert, or say what was found instead.
    fn from_cell(c: Cell<'_>) -> Result<Self, &'static str>;
}

impl FromCell for i64 {
    fn from_cell(c: Cell<'_>) -> Result<Self, &'static str> {
        match c {
            Cell::Int(i) => Ok(i),
            other => Err(other.kind()),
        }
    }
}

impl FromCell for u64 {
    fn from_cell(c: Cell<'_>) -> Result<Self, &'static str> {
        match c {
            Cell::Int(i) => u64::try_from(i).map_err(|_| "negative integer"),
            other => Err(other.kind()),
        }
    }
}

impl FromCell for u32 {
    fn from_cell(c: Cell<'_>) -> Result<Self, &'static str> {
        match c {
            Cell::Int(i) => u32::try_from(i).map_err(|_| "integer out of range"),
            other => Err(other.kind()),
        }
    }
}

impl FromCell for usize {
    fn from_cell(c: Cell<'_>) -> Result<Self, &'static str> {
        match c {
            Cell::Int(i) => usize::try_from(i).map_err(|_| "integer out of range"),
            other => Err(other.kind()),
        }
    }
}

impl FromCell for bool {
    fn from_cell(c: Cell<'_>) -> Result<Self, &'static str> {
        match c {
            Cell::Int(0) => Ok(false),
            Cell::Int(1) => Ok(true),
            Cell::Int(_) => Err("integer other than 0 or 1"),
            other => Err(other.kind()),
        }
    }
}

impl FromCell for f64 {
    fn from_cell(c: Cell<'_>) -> Result<Self, &'static str> {
        match c {
            Cell::Real(r) => Ok(r),
            // Integers widen, as SQLite's own conversion does.
            #[allow(clippy::cast_precision_loss)]
            Cell::Int(i) => Ok(i as f64),
            other => Err(other.kind()),
        }
    }
}

impl FromCell for String {
    fn from_cell(c: Cell<'_>) -> Result<Self, &'static str> {
        match c {
            Cell::Text(t) => Ok(t.to_owned()),
            other => Err(other.kind()),
        }
    }
}

impl FromCell for Vec<u8> {
    fn from_cell(c: Cell<'_>) -> Result<Self, &'static str> {
        match c {
            Cell::Blob(b) => Ok(b.to_vec()),
            other => Err(other.kind()),
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(c: Cell<'_>) -> Result<Self, &'static str> {
        match c {
            Cell::Null => Ok(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

/// Rewrite `?N` (and bare `?`) placeholders to PostgreSQL's `$N`, leaving
/// quoted text, quoted names and comments alone.
pub fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut next_bare = 1;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for q in chars.by_ref() {
                    out.push(q);
                    if q == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for q in chars.by_ref() {
                    out.push(q);
                    if q == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                out.push('$');
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        out.push(d);
                    }
                } else {
                    out.push_str(&next_bare.to_string());
                    next_bare += 1;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_quotes() {
        assert_eq!(
            dollar_placeholders("SELECT a FROM t WHERE b = ?2 AND c = '?1' AND \"?\" = ?1"),
            "SELECT a FROM t WHERE b = $2 AND c = '?1' AND \"?\" = $1"
        );
        assert_eq!(
            dollar_placeholders("VALUES (?, ?) -- what?\n, ?"),
            "VALUES ($1, $2) -- what?\n, $3"
        );
        assert_eq!(dollar_placeholders("x = ?12"), "x = $12");
    }

    #[test]
    fn integers_never_wrap() {
        assert!(u64::MAX.value().is_err());
        assert_eq!(7u64.value().unwrap(), Value::Int(7));
        assert!(u64::from_cell(Cell::Int(-1)).is_err());
        assert!(bool::from_cell(Cell::Int(2)).is_err());
        assert_eq!(Option::<i64>::from_cell(Cell::Null), Ok(None));
        assert_eq!(String::from_cell(Cell::Int(1)), Err("integer"));
    }
}
