//! Benchmark of the ExportRequests stream (issue: reporting jobs): streams
//! every request from a running server to the end, as a client would, and
//! prints the rows, the bytes received and the rate. `scripts/bench-report.sh`
//! starts the server on a generated database and runs this beside it.
use std::time::{Duration, Instant};

use clap::Parser;
use ppid::pb::ppid::v1::{self as pb, report_service_client::ReportServiceClient};
use prost::Message;
use tonic::transport::Channel;

#[derive(Parser)]
struct Args {
    /// The server (`http://127.0.0.1:PORT`).
    #[arg(long)]
    target: String,
    /// Only this agency (`agencies/ID`) with its sub-agencies; none: all.
    #[arg(long, default_value = "")]
    agency: String,
    /// API key (`authorization: Bearer`), for a server with keys.
    #[arg(long, env = "PPID_TOKEN")]
    token: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let channel = Channel::from_shared(args.target.clone())?
        .connect_timeout(Duration::from_secs(3))
        .connect()
        .await?;
    let mut client = ReportServiceClient::new(channel).max_decoding_message_size(8 << 20);
    let mut request = tonic::Request::new(pb::ExportRequestsRequest {
        agency: args.agency.clone(),
        include_sub_agencies: !args.agency.is_empty(),
        ..Default::default()
    });
    if let Some(t) = &args.token {
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse()?);
    }
    let started = Instant::now();
    let mut stream = client.export_requests(request).await?.into_inner();
    let (mut rows, mut batches, mut bytes) = (0u64, 0u64, 0u64);
    while let Some(batch) = stream.message().await? {
        rows += batch.requests.len() as u64;
        batches += 1;
        bytes += batch.encoded_len() as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "ExportRequests stream: {rows} requests in {batches} batches, {:.0} MB, {secs:.2} s, {:.0} requests/s",
        bytes as f64 / 1e6,
        rows as f64 / secs
    );
    Ok(())
}
