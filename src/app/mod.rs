//! Use cases: one function per thing a caller does (submit, each
//! transition, the DIK, objections and disputes, calendar edits, figures,
//! reports, keys). The gRPC handlers and the CLI call these and only convert
//! and authorise; the domain decides (`crate::domain`); the store remembers
//! (`crate::store`). A write runs as one job of the store's writer: it reads
//! what it needs in the writer's transaction, asks the domain, and writes
//! the new state with its event, all or nothing.
use std::sync::Arc;

use jiff::Timestamp;

use crate::{clock::Clock, store::Store};

pub mod agencies;
pub mod calendar;
pub mod dip;
pub mod exemptions;
pub mod feed;
pub mod figures;
pub mod import;
pub mod keys;
pub mod letters;
pub mod objections;
pub mod reports;
pub mod requests;
pub mod worklist;

/// The application: the store, and the clock every use case reads time from.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    recompute: Arc<figures::RecomputeLimits>,
    /// The agencies in path order, for subtrees without a query.
    tree: Arc<std::sync::Mutex<Option<Arc<figures::AgencyTree>>>>,
    /// Computed DIP items, kept while the DIP's stamp stands still.
    dip_cache: Arc<std::sync::Mutex<dip::DipCache>>,
    /// Rankings and reports this process has published (the portal's
    /// cached pages follow them at once; other servers' within a second).
    publications: Arc<std::sync::atomic::AtomicU64>,
}

impl App {
    /// The application over a store, with a clock.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            recompute: Arc::new(figures::RecomputeLimits::default()),
            tree: Arc::default(),
            dip_cache: Arc::default(),
            publications: Arc::default(),
        }
    }

    /// How many rankings and reports this process has published.
    pub fn local_publications(&self) -> u64 {
        self.publications.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn published_one(&self) {
        self.publications
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Bounds the figures recomputed from the register (ranges not on whole
    /// months): `concurrency` at once, each waiting `wait` for its turn and
    /// running at most `timeout`.
    pub fn with_recompute_limits(
        mut self,
        concurrency: usize,
        wait: std::time::Duration,
        timeout: std::time::Duration,
    ) -> Self {
        self.recompute = Arc::new(figures::RecomputeLimits::new(concurrency, wait, timeout));
        self
    }

    /// The deployment's settings.
    pub fn settings(&self) -> &crate::store::StoreSettings {
        self.store.settings()
    }

    /// Now, by the app's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The store (reads only; writes are the use cases of this module).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Follows whether the store still writes (a failed commit stops it).
    pub fn writer_health(&self) -> tokio::sync::watch::Receiver<crate::store::Health> {
        self.store.writer().health()
    }
}
