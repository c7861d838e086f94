//! Shutdown signals: SIGTERM and Ctrl-C.
use std::future::Future;

/// Listens for Ctrl-C or (on Unix) SIGTERM from the moment it is called, so a
/// signal sent as soon as the server says it is serving is never lost to the
/// default action (the process killed mid-call); the future completes on the
/// first of them.
pub fn signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let (mut int, mut term) = {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind: SignalKind, name: &'static str| {
            signal(kind)
                .inspect_err(|e| tracing::error!(error = %e, "cannot listen for {name}"))
                .ok()
        };
        (
            listen(SignalKind::interrupt(), "Ctrl-C"),
            listen(SignalKind::terminate(), "SIGTERM"),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let int = async {
                match int.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            let term = async {
                match term.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = int => tracing::info!("Ctrl-C received, shutting down"),
                _ = term => tracing::info!("SIGTERM received, shutting down"),
            }
        }
        #[cfg(not(unix))]
        {
            if let Err(e) = tokio::signal::ctrl_c().await {
                tracing::error!(error = %e, "cannot listen for Ctrl-C");
                std::future::pending::<()>().await;
            }
            tracing::info!("Ctrl-C received, shutting down");
        }
    }
}
