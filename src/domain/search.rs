//! Search words: one tokenisation for both backends (RULINGS: lower-case,
//! accents folded, whole words and prefixes, no stemming). The store keeps
//! a request's words already tokenised, so SQLite's FTS5 and PostgreSQL's
//! `simple` text search see the same tokens.
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// Longest search string accepted.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most words a search may have.
pub const MAX_QUERY_WORDS: usize = 8;

/// `text` as search tokens: lower-case, accents folded, split at anything
/// that is not a letter or digit, joined by single spaces.
pub fn words(text: &str) -> String {
    tokens(text).join(" ")
}

/// The tokens of `text` (see [`words`]).
pub fn tokens(text: &str) -> Vec<String> {
    let folded: String = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// A parsed search string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// A registration number, or the start of one (it has a `/`).
    RegistrationNumber(String),
    /// Words every match contains, each as a whole word or a prefix.
    Words(Vec<String>),
}

/// Why a search string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// Longer than [`MAX_QUERY_CHARS`].
    TooLong,
    /// More than [`MAX_QUERY_WORDS`] words.
    TooManyWords,
    /// Nothing to search for.
    Empty,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLong => write!(f, "must be at most {MAX_QUERY_CHARS} characters"),
            Self::TooManyWords => write!(f, "must have at most {MAX_QUERY_WORDS} words"),
            Self::Empty => write!(f, "has no letters or digits to search for"),
        }
    }
}

/// Parses a search string.
pub fn parse(q: &str) -> Result<Query, QueryError> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong);
    }
    let q = q.trim();
    if q.contains('/') && !q.contains(char::is_whitespace) {
        return Ok(Query::RegistrationNumber(q.to_uppercase()));
    }
    let t = tokens(q);
    match t.len() {
        0 => Err(QueryError::Empty),
        n if n > MAX_QUERY_WORDS => Err(QueryError::TooManyWords),
        _ => Ok(Query::Words(t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenising() {
        let cases = [
            (
                "Salinan SK Kepala Dinas, tahun 2025",
                "salinan sk kepala dinas tahun 2025",
            ),
            ("Résumé  café—ÉCOLE", "resume cafe ecole"),
            ("RAB: Rp1.500.000 (APBD-P)", "rab rp1 500 000 apbd p"),
            ("  ", ""),
            ("data_pokok", "data pokok"),
        ];
        for (text, want) in cases {
            assert_eq!(words(text), want, "{text}");
        }
    }

    #[test]
    fn parsing() {
        use Query::*;
        let cases: [(&str, Result<Query, QueryError>); 7] = [
            ("anggaran", Ok(Words(vec!["anggaran".into()]))),
            (
                "Anggaran  Dinas",
                Ok(Words(vec!["anggaran".into(), "dinas".into()])),
            ),
            (
                "kota-serang/ppid/2026/000001",
                Ok(RegistrationNumber("KOTA-SERANG/PPID/2026/000001".into())),
            ),
            (
                "KOTA-SERANG/PPID/2026/",
                Ok(RegistrationNumber("KOTA-SERANG/PPID/2026/".into())),
            ),
            ("-- ,,", Err(QueryError::Empty)),
            ("a b c d e f g h i", Err(QueryError::TooManyWords)),
            (&"x".repeat(201), Err(QueryError::TooLong)),
        ];
        for (q, want) in cases {
            assert_eq!(parse(q), want, "{q}");
        }
    }
}
