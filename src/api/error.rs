//! The one place where errors become `tonic::Status`, with google.rpc details:
//! BadRequest field violations, ErrorInfo with a stable reason.
use std::collections::HashMap;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::error::Error;

/// The ErrorInfo domain of this service.
pub const ERROR_DOMAIN: &str = "ppid";

impl From<Error> for Status {
    fn from(e: Error) -> Self {
        match e {
            Error::InvalidArgument(violations) => {
                let mut d = ErrorDetails::new();
                for v in &violations {
                    d.add_bad_request_violation(v.field.clone(), v.description.clone());
                }
                d.set_error_info("INVALID_ARGUMENT", ERROR_DOMAIN, HashMap::new());
                let message = Error::InvalidArgument(violations).to_string();
                Status::with_error_details(Code::InvalidArgument, message, d)
            }
            Error::NotFound { kind, name } => {
                let mut d = ErrorDetails::new();
                d.set_resource_info(kind, name.clone(), "", "");
                Status::with_error_details(Code::NotFound, format!("{kind} {name} not found"), d)
            }
            Error::FailedPrecondition { reason, message } => {
                let d = ErrorDetails::with_error_info(reason, ERROR_DOMAIN, HashMap::new());
                Status::with_error_details(Code::FailedPrecondition, message, d)
            }
            Error::AlreadyExists { reason, message } => {
                let d = ErrorDetails::with_error_info(reason, ERROR_DOMAIN, HashMap::new());
                Status::with_error_details(Code::AlreadyExists, message, d)
            }
            Error::Aborted(message) => {
                let d = ErrorDetails::with_error_info(
                    "CONCURRENT_MODIFICATION",
                    ERROR_DOMAIN,
                    HashMap::new(),
                );
                Status::with_error_details(Code::Aborted, message, d)
            }
            Error::Unavailable(message) => Status::unavailable(message),
            Error::ResourceExhausted(message) => Status::resource_exhausted(message),
            Error::Internal(e) => {
                // The cause goes to the log, never to the client.
                tracing::error!(error = format!("{e:#}"), "internal error");
                Status::internal("internal error; it has been logged")
            }
        }
    }
}
