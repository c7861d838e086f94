//! The one seam over the two drivers: a connection, a statement and a row
//! that are the same Rust types whichever database is behind them, so the
//! store's SQL is written once, as plain Rust. `$n` placeholders, BIGINT
//! times and TEXT dates mean the same on SQLite and PostgreSQL; the few
//! places where the dialects differ ask [`Conn::is_postgres`].
use std::borrow::Cow;

use sqlx::{
    AssertSqlSafe, Decode, Postgres, Sqlite, Type,
    postgres::{PgConnection, PgRow},
    sqlite::{SqliteConnection, SqliteRow},
};

use crate::error::{Error, Result};

/// A connection (or a transaction on one) of either backend.
pub enum Conn<'c> {
    /// SQLite.
    Sqlite(&'c mut SqliteConnection),
    /// PostgreSQL.
    Postgres(&'c mut PgConnection),
}

/// A value to bind. It keeps its type when NULL, which PostgreSQL needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// BIGINT / INTEGER.
    Int(Option<i64>),
    /// TEXT.
    Text(Option<String>),
    /// BOOLEAN.
    Flag(Option<bool>),
}

macro_rules! arg_from {
    ($($t:ty => |$v:ident| $e:expr;)+) => {$(
        impl From<$t> for Arg {
            fn from($v: $t) -> Self {
                $e
            }
        }
    )+};
}

arg_from! {
    i64 => |v| Self::Int(Some(v));
    Option<i64> => |v| Self::Int(v);
    i32 => |v| Self::Int(Some(i64::from(v)));
    i16 => |v| Self::Int(Some(i64::from(v)));
    bool => |v| Self::Flag(Some(v));
    Option<bool> => |v| Self::Flag(v);
    String => |v| Self::Text(Some(v));
    Option<String> => |v| Self::Text(v);
    &String => |v| Self::Text(Some(v.clone()));
    &Option<String> => |v| Self::Text(v.clone());
    &str => |v| Self::Text(Some(v.to_string()));
    Option<&str> => |v| Self::Text(v.map(str::to_string));
}

/// A statement: SQL text with `$n` placeholders and the values they bind.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    /// A statement whose text already numbers its placeholders; add their
    /// values in order with [`Sql::bind`].
    pub fn new(text: impl Into<Cow<'static, str>>) -> Self {
        Self {
            text: text.into().into_owned(),
            args: Vec::new(),
        }
    }

    /// Binds the next placeholder of a fixed statement.
    pub fn bind(mut self, v: impl Into<Arg>) -> Self {
        self.args.push(v.into());
        self
    }

    /// Appends SQL text (never a caller's value: those go through
    /// [`Sql::push_bind`]).
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends the next placeholder and its value.
    pub fn push_bind(&mut self, v: impl Into<Arg>) -> &mut Self {
        self.args.push(v.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `(v1, v2, ...)`.
    pub fn push_list<A: Into<Arg>>(&mut self, values: impl IntoIterator<Item = A>) -> &mut Self {
        self.push("(");
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_bind(v);
        }
        self.push(")")
    }

    /// Appends `VALUES (..), (..)`, one tuple per row.
    pub fn push_values(&mut self, rows: impl IntoIterator<Item = Vec<Arg>>) -> &mut Self {
        self.push("VALUES ");
        for (i, row) in rows.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_list(row);
        }
        self
    }

    /// The text, with `$n` placeholders.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The values, in placeholder order.
    pub fn args(&self) -> &[Arg] {
        &self.args
    }

    /// Runs it on `conn`; the rows it changed.
    pub async fn execute(self, conn: &mut Conn<'_>) -> Result<u64, sqlx::Error> {
        conn.execute(self).await
    }

    /// Every row, on `conn`.
    pub async fn fetch_all(self, conn: &mut Conn<'_>) -> Result<Vec<Row>, sqlx::Error> {
        conn.fetch_all(self).await
    }

    /// The first row, if any, on `conn`.
    pub async fn fetch_optional(self, conn: &mut Conn<'_>) -> Result<Option<Row>, sqlx::Error> {
        conn.fetch_optional(self).await
    }

    /// The one row, on `conn`.
    pub async fn fetch_one(self, conn: &mut Conn<'_>) -> Result<Row, sqlx::Error> {
        conn.fetch_one(self).await
    }

    /// The first column of the one row, on `conn`.
    pub async fn scalar<T>(self, conn: &mut Conn<'_>) -> Result<T>
    where
        T: for<'r> Value<'r>,
    {
        conn.scalar(self).await
    }

    /// The first column of the first row, if any, on `conn`.
    pub async fn scalar_optional<T>(self, conn: &mut Conn<'_>) -> Result<Option<T>>
    where
        T: for<'r> Value<'r>,
    {
        conn.scalar_optional(self).await
    }

    fn sqlite(self) -> sqlx::query::Query<'static, Sqlite, <Sqlite as sqlx::Database>::Arguments> {
        let mut q = sqlx::query(AssertSqlSafe(self.text));
        for a in self.args {
            q = match a {
                Arg::Int(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Flag(v) => q.bind(v),
            };
        }
        q
    }

    fn postgres(
        self,
    ) -> sqlx::query::Query<'static, Postgres, <Postgres as sqlx::Database>::Arguments> {
        let mut q = sqlx::query(AssertSqlSafe(self.text));
        for a in self.args {
            q = match a {
                Arg::Int(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Flag(v) => q.bind(v),
            };
        }
        q
    }
}

/// A result row of either backend.
pub enum Row {
    /// SQLite.
    Sqlite(SqliteRow),
    /// PostgreSQL.
    Postgres(PgRow),
}

/// A value both backends decode.
pub trait Value<'r>:
    Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>
{
}

impl<'r, T> Value<'r> for T where
    T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>
{
}

impl Row {
    /// The column named `col`.
    pub fn get<'r, T: Value<'r>>(&'r self, col: &str) -> Result<T> {
        use sqlx::Row as _;
        Ok(match self {
            Row::Sqlite(r) => r.try_get(col)?,
            Row::Postgres(r) => r.try_get(col)?,
        })
    }

    /// The column at `index`.
    pub fn get_at<'r, T: Value<'r>>(&'r self, index: usize) -> Result<T> {
        use sqlx::Row as _;
        Ok(match self {
            Row::Sqlite(r) => r.try_get(index)?,
            Row::Postgres(r) => r.try_get(index)?,
        })
    }
}

impl Conn<'_> {
    /// Whether this is PostgreSQL (for the few dialect differences).
    pub fn is_postgres(&self) -> bool {
        matches!(self, Conn::Postgres(_))
    }

    /// The same connection for a shorter borrow.
    pub fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }

    /// Runs a statement; returns the rows it changed.
    pub async fn execute(&mut self, q: Sql) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Conn::Sqlite(c) => q.sqlite().execute(&mut **c).await?.rows_affected(),
            Conn::Postgres(c) => q.postgres().execute(&mut **c).await?.rows_affected(),
        })
    }

    /// Every row.
    pub async fn fetch_all(&mut self, q: Sql) -> Result<Vec<Row>, sqlx::Error> {
        Ok(match self {
            Conn::Sqlite(c) => q
                .sqlite()
                .fetch_all(&mut **c)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Conn::Postgres(c) => q
                .postgres()
                .fetch_all(&mut **c)
                .await?
                .into_iter()
                .map(Row::Postgres)
                .collect(),
        })
    }

    /// The first row, if any.
    pub async fn fetch_optional(&mut self, q: Sql) -> Result<Option<Row>, sqlx::Error> {
        Ok(match self {
            Conn::Sqlite(c) => q.sqlite().fetch_optional(&mut **c).await?.map(Row::Sqlite),
            Conn::Postgres(c) => q
                .postgres()
                .fetch_optional(&mut **c)
                .await?
                .map(Row::Postgres),
        })
    }

    /// The one row.
    pub async fn fetch_one(&mut self, q: Sql) -> Result<Row, sqlx::Error> {
        Ok(match self {
            Conn::Sqlite(c) => Row::Sqlite(q.sqlite().fetch_one(&mut **c).await?),
            Conn::Postgres(c) => Row::Postgres(q.postgres().fetch_one(&mut **c).await?),
        })
    }

    /// The first column of the one row.
    pub async fn scalar<T>(&mut self, q: Sql) -> Result<T>
    where
        T: for<'r> Value<'r>,
    {
        self.fetch_one(q).await?.get_at(0)
    }

    /// The first column of the first row, if there is a row.
    pub async fn scalar_optional<T>(&mut self, q: Sql) -> Result<Option<T>>
    where
        T: for<'r> Value<'r>,
    {
        self.fetch_optional(q)
            .await?
            .map(|r| r.get_at(0))
            .transpose()
    }

    /// The rows as they come (a long read without holding them all).
    pub fn fetch(&mut self, q: Sql) -> futures::stream::BoxStream<'_, Result<Row, sqlx::Error>> {
        use futures::TryStreamExt as _;
        match self {
            Conn::Sqlite(c) => Box::pin(q.sqlite().fetch(&mut **c).map_ok(Row::Sqlite)),
            Conn::Postgres(c) => Box::pin(q.postgres().fetch(&mut **c).map_ok(Row::Postgres)),
        }
    }

    /// Runs a statement of the transaction's own bookkeeping (BEGIN,
    /// SAVEPOINT, COMMIT, ...), unprepared.
    pub async fn raw(&mut self, sql: &'static str) -> Result<(), sqlx::Error> {
        use sqlx::Executor as _;
        match self {
            Conn::Sqlite(c) => {
                c.execute(sql).await?;
            }
            Conn::Postgres(c) => {
                c.execute(sql).await?;
            }
        }
        Ok(())
    }
}

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// The one place a unique-constraint violation becomes the caller's error
/// (`conflict`); any other error maps as usual.
pub fn unique_or<T>(r: Result<T, sqlx::Error>, conflict: impl FnOnce() -> Error) -> Result<T> {
    match r {
        Err(e) if is_unique_violation(&e) => Err(conflict()),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_in_order() {
        let mut q = Sql::new("SELECT * FROM t WHERE a = ");
        q.push_bind(1_i64)
            .push(" AND b IN ")
            .push_list(["x", "y"])
            .push(" AND c = ")
            .push_bind(Some(true));
        assert_eq!(
            q.text(),
            "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3) AND c = $4"
        );
        assert_eq!(
            q.args(),
            &[
                Arg::Int(Some(1)),
                Arg::Text(Some("x".into())),
                Arg::Text(Some("y".into())),
                Arg::Flag(Some(true)),
            ]
        );
        let mut v = Sql::new("INSERT INTO t (a, b) ");
        v.push_values([
            vec![1_i64.into(), "p".into()],
            vec![2_i64.into(), "q".into()],
        ]);
        assert_eq!(v.text(), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
    }
}
