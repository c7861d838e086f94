//! What the benchmark binaries share: a server on loopback over a database,
//! and timing helpers.
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use ppid::{
    api::AppState,
    clock::SystemClock,
    pb::ppid::v1 as pb,
    store::{self, StoreSettings},
};
use tonic::transport::Channel;

/// A server started by [`start`]: its address, a channel to it, its store,
/// and the sender that stops it.
pub type Server = (
    std::net::SocketAddr,
    Channel,
    Arc<dyn store::Store>,
    tokio::sync::oneshot::Sender<()>,
);

/// Starts `ppid serve` in this process on a free loopback port over `url`.
pub async fn start(url: &str, settings: StoreSettings) -> anyhow::Result<Server> {
    let store = store::connect(url, settings).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = AppState::new(
        store.clone(),
        Arc::new(SystemClock),
        ppid::api::ServerSettings::default(),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = ppid::serve(
            listener,
            state,
            async {
                let _ = stopped.await;
            },
            Duration::from_secs(5),
        )
        .await;
    });
    let channel = Channel::from_shared(format!("http://{addr}"))?
        .connect()
        .await?;
    Ok((addr, channel, store, stop))
}

/// The `p` quantile (0..=1) of sorted samples.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Times `n` calls of `f` in milliseconds, after 3 warm-up calls; sorted.
pub async fn time_calls<F, Fut>(n: usize, mut f: F) -> anyhow::Result<Vec<f64>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    for _ in 0..3 {
        f().await?;
    }
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok(ms)
}

/// A valid submission to `agency` asking for `text` (a fresh request id).
pub fn submission(agency: &str, text: &str) -> pb::SubmitRequestRequest {
    pb::SubmitRequestRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        request: Some(pb::InformationRequest {
            agency: format!("agencies/{agency}"),
            requester: Some(pb::Requester {
                full_name: "Pemohon Uji".into(),
                r#type: pb::requester::Type::Individual as i32,
                nik: "3673010101010001".into(),
                address: "Jl. Uji 1".into(),
                phone: "081200000000".into(),
                ..Default::default()
            }),
            information_requested: text.into(),
            purpose: "Uji beban".into(),
            access_method: pb::AccessMethod::Inspect as i32,
            delivery_method: pb::DeliveryMethod::Email as i32,
            channel: pb::Channel::WebForm as i32,
            ..Default::default()
        }),
    }
}
