//! The one error type of the crate. `api::error` maps it to gRPC statuses once.
use std::fmt;

/// A bad field in a caller's input (google.rpc.BadRequest.FieldViolation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Path of the field in the request message, e.g. `request.requester.nik`.
    pub field: String,
    /// What is wrong, for a developer.
    pub description: String,
}

impl FieldViolation {
    /// A violation of `field`.
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            description: description.into(),
        }
    }
}

impl fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.description)
    }
}

/// Everything that can go wrong in a call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Malformed input; nothing was written.
    #[error("invalid argument: {}", join(.0))]
    InvalidArgument(Vec<FieldViolation>),
    /// The named resource does not exist.
    #[error("{kind} {name} not found")]
    NotFound {
        /// Resource kind, e.g. "agency".
        kind: &'static str,
        /// Resource name as the caller gave it.
        name: String,
    },
    /// The law (or the resource's state) does not allow this now.
    #[error("{message}")]
    FailedPrecondition {
        /// Stable UPPER_SNAKE reason for ErrorInfo.
        reason: &'static str,
        /// What and why, for a developer.
        message: String,
    },
    /// The resource already exists, or an idempotency key was reused.
    #[error("{message}")]
    AlreadyExists {
        /// Stable UPPER_SNAKE reason for ErrorInfo.
        reason: &'static str,
        /// What and why.
        message: String,
    },
    /// A stale etag or a lost race: read again and retry.
    #[error("{0}")]
    Aborted(String),
    /// The database cannot be reached; retry later.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A limit the server keeps to stay responsive was reached; the message
    /// names it.
    #[error("{0}")]
    ResourceExhausted(String),
    /// A bug or an unexpected failure; details are logged, never sent.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

fn join(v: &[FieldViolation]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// A single field violation.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::InvalidArgument(vec![FieldViolation::new(field, description)])
    }

    /// A refusal under the law or the resource's state.
    pub fn precondition(reason: &'static str, message: impl Into<String>) -> Self {
        Self::FailedPrecondition {
            reason,
            message: message.into(),
        }
    }
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;
