//! Access control: every RPC against every role, cross-agency attempts,
//! personal data by role, revoked keys, open mode, and public tracking.
use std::{collections::BTreeMap, time::Duration};

use ppid::pb::ppid::v1::{self as pb, key_service_client::KeyServiceClient};
use prost::Message;
use tonic::{Code, Request};

use crate::{
    helpers::{Backend, EMAIL, NIK, PHONE, TRACK_PER_MINUTE, TestApp, spawn_app, submission, with},
    on_both_backends,
};

on_both_backends!(
    every_rpc_against_every_role,
    officers_stay_in_their_agency,
    personal_data_by_role,
    intake_reads_back_only_its_own,
    revoked_keys_and_open_mode,
    open_mode_never_returns,
    tracking_without_enumeration,
    objections_by_role,
    public_reads_only_published_rankings,
    foreign_and_missing_look_alike,
    keyless_calls_are_refused_by_the_auth_layer_alone,
    actor_labels_cannot_pose_as_keys
);

/// Tokens by role name.
struct Keys(BTreeMap<&'static str, String>);

impl Keys {
    fn get(&self, who: &str) -> &str {
        &self.0[who]
    }
}

/// Kota Serang with Dinkes and Disdik, Kabupaten Lebak with its Dinkes, and
/// one key per role: the operator (admin of nothing in particular), the
/// Kota's admin, officers of both Dinkes and Disdik, the Kota's atasan, two
/// intake portals, a reader.
async fn setup(app: &mut TestApp) -> Keys {
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    app.opd("disdik", "kota-serang").await;
    app.pemda("kab-lebak").await;
    app.opd("lebak-dinkes", "kab-lebak").await;
    let mut keys = KeyServiceClient::new(app.channel.clone());
    // Open mode: the first key is made without one; open mode then ends.
    let operator = create_key(&mut keys, None, "operator", pb::api_key::Role::Admin, "").await;
    let mut out = BTreeMap::new();
    for (who, role, agency) in [
        ("admin", pb::api_key::Role::Admin, "kota-serang"),
        ("officer", pb::api_key::Role::Officer, "dinkes"),
        ("officer-disdik", pb::api_key::Role::Officer, "disdik"),
        ("superior", pb::api_key::Role::Superior, "kota-serang"),
        ("intake", pb::api_key::Role::Intake, "kota-serang"),
        ("intake-2", pb::api_key::Role::Intake, "kota-serang"),
        ("reader", pb::api_key::Role::Reader, ""),
        ("lebak-admin", pb::api_key::Role::Admin, "kab-lebak"),
    ] {
        let token = create_key(&mut keys, Some(&operator), who, role, agency).await;
        out.insert(who, token);
    }
    out.insert("operator", operator);
    Keys(out)
}

async fn create_key(
    keys: &mut KeyServiceClient<tonic::transport::Channel>,
    token: Option<&str>,
    name: &str,
    role: pb::api_key::Role,
    agency: &str,
) -> String {
    let msg = pb::CreateApiKeyRequest {
        api_key: Some(pb::ApiKey {
            display_name: name.into(),
            role: role as i32,
            agency: if agency.is_empty() {
                String::new()
            } else {
                format!("agencies/{agency}")
            },
            ..Default::default()
        }),
    };
    let req = match token {
        Some(t) => with(msg, t),
        None => Request::new(msg),
    };
    keys.create_api_key(req).await.unwrap().into_inner().token
}

/// Every method of every `ppid.v1` service, from the server's own
/// descriptors (so a new RPC cannot escape this test): (path, streaming).
fn all_methods() -> Vec<(String, bool)> {
    let set = prost_types::FileDescriptorSet::decode(ppid::pb::FILE_DESCRIPTOR_SET).unwrap();
    let mut out = Vec::new();
    for file in set.file {
        if file.package() != "ppid.v1" {
            continue;
        }
        for s in &file.service {
            for m in &s.method {
                out.push((
                    format!("/ppid.v1.{}/{}", s.name(), m.name()),
                    m.server_streaming(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// The test's own statement of the policy: which roles may call a method,
/// and whether it needs no key.
fn policy(path: &str) -> (&'static [&'static str], bool) {
    const ALL: &[&str] = &[
        "operator", "admin", "officer", "superior", "intake", "reader",
    ];
    const ADMIN: &[&str] = &["operator", "admin"];
    const STAFF: &[&str] = &["operator", "admin", "officer"];
    const DESK: &[&str] = &["operator", "admin", "officer", "intake"];
    const FIGURES: &[&str] = &["operator", "admin", "officer", "reader"];
    const OBJECTIONS: &[&str] = &["operator", "admin", "officer", "superior"];
    const DECIDES: &[&str] = &["operator", "admin", "superior"];
    let method = path.rsplit('/').next().unwrap();
    let service = path.split('/').nth(1).unwrap();
    match (service, method) {
        ("ppid.v1.AgencyService", "GetAgency" | "ListAgencies") => (ALL, true),
        // The fee tariff: any key reads it; staff record their agency's.
        ("ppid.v1.AgencyService", "ListTariffs") => (ALL, false),
        ("ppid.v1.AgencyService", "CreateTariff") => (STAFF, false),
        ("ppid.v1.AgencyService", _) => (ADMIN, false),
        ("ppid.v1.CalendarService", "ListHolidays" | "ComputeDeadline") => (STAFF, false),
        ("ppid.v1.CalendarService", _) => (ADMIN, false),
        ("ppid.v1.ExemptionService", "GetExemption" | "ListExemptions") => (FIGURES, false),
        ("ppid.v1.ExemptionService", _) => (STAFF, false),
        ("ppid.v1.IndicatorService", "GetRanking") => (ALL, true),
        ("ppid.v1.IndicatorService", "GetAgencyStatistics" | "ExplainScore") => (FIGURES, false),
        ("ppid.v1.IndicatorService", "GetScoringPolicy") => (FIGURES, false),
        // National settings: the operator's alone, not a Pemda's admin.
        ("ppid.v1.IndicatorService", _) => (&["operator"], false),
        ("ppid.v1.ObjectionService", "FileObjection") => (STAFF, false),
        ("ppid.v1.ObjectionService", "DecideObjection") => (DECIDES, false),
        (
            "ppid.v1.ObjectionService",
            "FileDispute" | "RecordDisputeOutcome" | "RecordDisputeStep" | "RecordAnswerReceipt",
        ) => (STAFF, false),
        ("ppid.v1.ObjectionService", _) => (OBJECTIONS, false),
        ("ppid.v1.RequestService", "TrackRequest") => (ALL, true),
        ("ppid.v1.RequestService", "GetWorkload") => {
            (&["operator", "admin", "officer", "superior"], false)
        }
        (
            "ppid.v1.RequestService",
            "SubmitRequest" | "GetRequest" | "ListRequests" | "GetRequestHistory",
        ) => (DESK, false),
        ("ppid.v1.RequestService", _) => (STAFF, false),
        // Published reports are public; the handler keeps unpublished ones
        // to FIGURES (tested in reports::published_reports_are_public).
        ("ppid.v1.ReportService", "GetAnnualReport") => (ALL, true),
        ("ppid.v1.ReportService", "RecordReportNarrative") => (STAFF, false),
        ("ppid.v1.ReportService", "PublishAnnualReport") => (DECIDES, false),
        ("ppid.v1.ReportService", _) => (FIGURES, false),
        // Events carry no personal data: reporting jobs may follow them;
        // intake portals write, they do not follow.
        ("ppid.v1.EventService", _) => (
            &["operator", "admin", "officer", "superior", "reader"],
            false,
        ),
        ("ppid.v1.LetterService", "RenderLetter") => (OBJECTIONS, false),
        ("ppid.v1.KeyService", _) => (ADMIN, false),
        // The DIP is public by law; its officers write it; the checklist is
        // a national setting.
        (
            "ppid.v1.PublicInformationService",
            "CreateDipEntry" | "PublishDipVersion" | "WithdrawDipEntry",
        ) => (STAFF, false),
        ("ppid.v1.PublicInformationService", "SetDipChecklist") => (&["operator"], false),
        ("ppid.v1.PublicInformationService", _) => (ALL, true),
        other => panic!("no policy written for {other:?}: add it here and in api::auth"),
    }
}

/// Calls `path` with an empty message; returns the status code.
async fn call(app: &TestApp, path: &str, streaming: bool, token: Option<&str>) -> Code {
    let mut grpc = tonic::client::Grpc::new(app.channel.clone());
    grpc.ready().await.unwrap();
    let mut req = Request::new(());
    if let Some(t) = token {
        req.metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    let path = http::uri::PathAndQuery::try_from(path.to_string()).unwrap();
    let codec = tonic_prost::ProstCodec::<(), ()>::default();
    if streaming {
        match grpc.server_streaming(req, path, codec).await {
            // A watch admitted may wait for events: admitted all the same.
            Ok(mut s) => {
                match tokio::time::timeout(Duration::from_secs(2), s.get_mut().message()).await {
                    Ok(Err(e)) => e.code(),
                    _ => Code::Ok,
                }
            }
            Err(e) => e.code(),
        }
    } else {
        match grpc.unary(req, path, codec).await {
            Ok(_) => Code::Ok,
            Err(e) => e.code(),
        }
    }
}

/// An empty message is mostly invalid, so an admitted call answers
/// INVALID_ARGUMENT (or NOT_FOUND, ...): what matters is that it got past
/// the door. Refused calls say PERMISSION_DENIED (a key without the role)
/// or UNAUTHENTICATED (no key).
async fn every_rpc_against_every_role(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let keys = setup(&mut app).await;
    let methods = all_methods();
    assert!(methods.len() >= 40, "{methods:?}");
    let mut failures = Vec::new();
    for (path, streaming) in &methods {
        let (roles, public) = policy(path);
        for who in [
            "operator", "admin", "officer", "superior", "intake", "reader",
        ] {
            let code = call(&app, path, *streaming, Some(keys.get(who))).await;
            let admitted = !matches!(code, Code::PermissionDenied | Code::Unauthenticated);
            if admitted != roles.contains(&who) {
                failures.push(format!("{path} as {who}: {code:?}"));
            } else if !admitted && code != Code::PermissionDenied {
                failures.push(format!("{path} as {who}: {code:?}, want PermissionDenied"));
            }
        }
        let code = call(&app, path, *streaming, None).await;
        let want_admitted = public;
        let admitted = code != Code::Unauthenticated;
        if admitted != want_admitted {
            failures.push(format!("{path} without a key: {code:?}"));
        }
        let code = call(&app, path, *streaming, Some("ppid_0000_not-a-key")).await;
        if code != Code::Unauthenticated {
            failures.push(format!("{path} with an unknown key: {code:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// An officer of Dinkes cannot read, list, change or count Disdik's
/// requests: by name, by list filter, by statistics, or by DIK.
async fn officers_stay_in_their_agency(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let keys = setup(&mut app).await;
    let officer = keys.get("officer");
    let own = app
        .requests
        .submit_request(with(submission("dinkes", ""), keys.get("admin")))
        .await
        .unwrap()
        .into_inner();
    let other = app
        .requests
        .submit_request(with(submission("disdik", ""), keys.get("admin")))
        .await
        .unwrap()
        .into_inner();

    let got = app
        .requests
        .get_request(with(
            pb::GetRequestRequest {
                name: own.name.clone(),
            },
            officer,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.registration_number, own.registration_number);
    let err = app
        .requests
        .get_request(with(
            pb::GetRequestRequest {
                name: other.name.clone(),
            },
            officer,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    let err = app
        .requests
        .get_request_history(with(
            pb::GetRequestHistoryRequest {
                name: other.name.clone(),
            },
            officer,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    // By list filter: another agency is refused; no filter lists only its own.
    let err = app
        .requests
        .list_requests(with(
            pb::ListRequestsRequest {
                agency: "agencies/disdik".into(),
                ..Default::default()
            },
            officer,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    for filter in [
        pb::ListRequestsRequest::default(),
        pb::ListRequestsRequest {
            agency: "agencies/dinkes".into(),
            ..Default::default()
        },
    ] {
        let listed = app
            .requests
            .list_requests(with(filter, officer))
            .await
            .unwrap()
            .into_inner();
        let names: Vec<_> = listed.requests.iter().map(|r| r.name.clone()).collect();
        assert_eq!(names, vec![own.name.clone()]);
    }
    // Changing another agency's request: refused, and nothing changes.
    let err = app
        .requests
        .extend_request(with(
            pb::ExtendRequestRequest {
                name: other.name.clone(),
                reason: "Dokumen tersebar di beberapa bidang".into(),
                ..Default::default()
            },
            officer,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let unchanged = app
        .requests
        .get_request(with(
            pb::GetRequestRequest {
                name: other.name.clone(),
            },
            keys.get("admin"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unchanged.etag, other.etag);
    // Figures of another agency.
    let err = app
        .indicators
        .get_agency_statistics(with(
            pb::GetAgencyStatisticsRequest {
                agency: "agencies/disdik".into(),
                period: Some(pb::Period {
                    kind: Some(pb::period::Kind::Year(2026)),
                }),
                include_sub_agencies: false,
            },
            officer,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    // DIK: its own agency's and the Pemda's above it, not another OPD's.
    for (parent, allowed) in [
        ("agencies/dinkes", true),
        ("agencies/kota-serang", true),
        ("agencies/disdik", false),
    ] {
        let listed = app
            .exemptions
            .list_exemptions(with(
                pb::ListExemptionsRequest {
                    parent: parent.into(),
                    ..Default::default()
                },
                officer,
            ))
            .await;
        match listed {
            Ok(_) => assert!(allowed, "{parent}"),
            Err(e) => {
                assert!(!allowed, "{parent}: {e:?}");
                assert_eq!(e.code(), Code::PermissionDenied);
            }
        }
    }
    // The Kota's admin does not reach Lebak; Lebak's admin not the Kota.
    let err = app
        .requests
        .get_request(with(
            pb::GetRequestRequest {
                name: own.name.clone(),
            },
            keys.get("lebak-admin"),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = app
        .requests
        .submit_request(with(submission("lebak-dinkes", ""), keys.get("admin")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

/// NIK, address, phone and email in full for the admin and the handling
/// officer; masked for an intake portal; never the tracking code on reads.
async fn personal_data_by_role(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let keys = setup(&mut app).await;
    let submitted = app
        .requests
        .submit_request(with(submission("dinkes", ""), keys.get("intake")))
        .await
        .unwrap()
        .into_inner();
    let q = submitted.requester.clone().unwrap();
    assert_eq!(
        q.nik,
        format!("{}{}", "*".repeat(NIK.len() - 4), &NIK[NIK.len() - 4..])
    );
    assert_eq!(q.email, "s***@contoh.id");
    assert_eq!(q.address, "***");
    assert!(q.phone.ends_with(&PHONE[PHONE.len() - 3..]) && !q.phone.contains(&PHONE[..6]));
    assert_eq!(q.full_name, "Siti Rahayu");

    for who in ["admin", "officer", "operator"] {
        let r = app
            .requests
            .get_request(with(
                pb::GetRequestRequest {
                    name: submitted.name.clone(),
                },
                keys.get(who),
            ))
            .await
            .unwrap()
            .into_inner();
        let q = r.requester.unwrap();
        assert_eq!(
            (q.nik.as_str(), q.email.as_str(), q.phone.as_str()),
            (NIK, EMAIL, PHONE),
            "{who}"
        );
        assert!(r.tracking_code.is_empty());
    }
    let listed = app
        .requests
        .list_requests(with(pb::ListRequestsRequest::default(), keys.get("intake")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.requests.len(), 1);
    assert_ne!(listed.requests[0].requester.as_ref().unwrap().nik, NIK);
    let read = app
        .requests
        .get_request(with(
            pb::GetRequestRequest {
                name: submitted.name.clone(),
            },
            keys.get("intake"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.requester.unwrap().email, "s***@contoh.id");
}

/// An intake portal reads back what it submitted and nothing else; every
/// write names the acting key in the history.
async fn intake_reads_back_only_its_own(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let keys = setup(&mut app).await;
    let mine = app
        .requests
        .submit_request(with(submission("dinkes", ""), keys.get("intake")))
        .await
        .unwrap()
        .into_inner();
    let theirs = app
        .requests
        .submit_request(with(submission("dinkes", ""), keys.get("intake-2")))
        .await
        .unwrap()
        .into_inner();
    let err = app
        .requests
        .get_request(with(
            pb::GetRequestRequest {
                name: theirs.name.clone(),
            },
            keys.get("intake"),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let listed = app
        .requests
        .list_requests(with(pb::ListRequestsRequest::default(), keys.get("intake")))
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = listed.requests.iter().map(|r| r.name.clone()).collect();
    assert_eq!(names, vec![mine.name.clone()]);
    // An intake key cannot answer, even its own.
    let err = app
        .requests
        .extend_request(with(
            pb::ExtendRequestRequest {
                name: mine.name.clone(),
                reason: "x".into(),
                ..Default::default()
            },
            keys.get("intake"),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    // The officer extends: the history names both keys.
    app.requests
        .extend_request(with(
            pb::ExtendRequestRequest {
                name: mine.name.clone(),
                reason: "Dokumen tersebar di beberapa bidang".into(),
                ..Default::default()
            },
            keys.get("officer"),
        ))
        .await
        .unwrap();
    let history = app
        .requests
        .get_request_history(with(
            pb::GetRequestHistoryRequest {
                name: mine.name.clone(),
            },
            keys.get("officer"),
        ))
        .await
        .unwrap()
        .into_inner()
        .events;
    assert_eq!(history.len(), 2);
    assert!(
        history[0].actor.starts_with("intake (key "),
        "{}",
        history[0].actor
    );
    assert!(
        history[1].actor.starts_with("officer (key "),
        "{}",
        history[1].actor
    );
}

/// Open mode until the first key; a revoked key stops at once.
async fn revoked_keys_and_open_mode(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    // Open: no key needed.
    app.submit("dinkes", "").await;
    let keys = setup_after_open(&mut app).await;
    let err = app
        .requests
        .list_requests(pb::ListRequestsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated, "open mode ended");
    let officer = keys.1.clone();
    app.requests
        .list_requests(with(pb::ListRequestsRequest::default(), &officer))
        .await
        .unwrap();
    let mut admin = KeyServiceClient::new(app.channel.clone());
    let listed = admin
        .list_api_keys(with(pb::ListApiKeysRequest {}, &keys.0))
        .await
        .unwrap()
        .into_inner()
        .api_keys;
    assert_eq!(listed.len(), 2);
    let officer_key = listed.iter().find(|k| k.display_name == "officer").unwrap();
    assert!(
        !format!("{listed:?}").contains(&officer),
        "tokens are never listed"
    );
    // An officer may not manage keys.
    let err = admin
        .revoke_api_key(with(
            pb::RevokeApiKeyRequest {
                name: officer_key.name.clone(),
            },
            &officer,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let revoked = admin
        .revoke_api_key(with(
            pb::RevokeApiKeyRequest {
                name: officer_key.name.clone(),
            },
            &keys.0,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(revoked.revoke_time.is_some());
    let err = app
        .requests
        .list_requests(with(pb::ListRequestsRequest::default(), &officer))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    // Malformed authorization.
    let mut req = Request::new(pb::ListRequestsRequest::default());
    req.metadata_mut()
        .insert("authorization", "Basic abc".parse().unwrap());
    let err = app.requests.list_requests(req).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
}

/// Once a key has existed, open mode never returns: the last admin key is
/// kept over gRPC, and when the CLI forces it out, keyless callers are public
/// only, on this server and on a new one.
async fn open_mode_never_returns(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.pemda("kota-serang").await;
    app.opd("dinkes", "kota-serang").await;
    let r = app.submit("dinkes", "").await;
    let (operator, officer) = setup_after_open(&mut app).await;
    let mut keys = KeyServiceClient::new(app.channel.clone());
    let id_of = |token: &str| token.split('_').nth(1).unwrap().to_string();
    keys.revoke_api_key(with(
        pb::RevokeApiKeyRequest {
            name: format!("keys/{}", id_of(&officer)),
        },
        &operator,
    ))
    .await
    .unwrap();
    let err = keys
        .revoke_api_key(with(
            pb::RevokeApiKeyRequest {
                name: format!("keys/{}", id_of(&operator)),
            },
            &operator,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    assert_eq!(crate::helpers::reason(&err), "LAST_KEY_MANAGER");

    // The CLI refuses too unless forced.
    let cli = |force: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ppid"));
        cmd.args(["keys", "revoke", &id_of(&operator)])
            .args(["--database-url", app.database_url()])
            .env("PPID_LOG", "warn");
        if force {
            cmd.arg("--force");
        }
        cmd.output().unwrap()
    };
    let out = cli(false);
    assert!(!out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("last active admin key"),
        "{out:?}"
    );
    let out = cli(true);
    assert!(out.status.success(), "{out:?}");

    // No active key at all: keyless callers stay public, here and on a
    // server started afresh on the same database.
    let fresh = crate::helpers::spawn_on(app.db(), Default::default()).await;
    for server in [app.channel.clone(), fresh.channel.clone()] {
        let mut requests = pb::request_service_client::RequestServiceClient::new(server.clone());
        let err = requests
            .get_request(pb::GetRequestRequest {
                name: r.name.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
        let err = requests
            .list_requests(pb::ListRequestsRequest::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated);
        let err = KeyServiceClient::new(server.clone())
            .create_api_key(pb::CreateApiKeyRequest {
                api_key: Some(pb::ApiKey {
                    display_name: "sneaky".into(),
                    role: pb::api_key::Role::Admin as i32,
                    ..Default::default()
                }),
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated, "no key is minted");
        let err = pb::calendar_service_client::CalendarServiceClient::new(server.clone())
            .add_holiday(pb::AddHolidayRequest::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::Unauthenticated);
        // Public reads still work.
        pb::agency_service_client::AgencyServiceClient::new(server.clone())
            .get_agency(pb::GetAgencyRequest {
                name: "agencies/dinkes".into(),
            })
            .await
            .unwrap();
    }
    fresh.stop().await;
}

/// The operator's key and a Dinkes officer's, made in open mode.
async fn setup_after_open(app: &mut TestApp) -> (String, String) {
    let mut keys = KeyServiceClient::new(app.channel.clone());
    let operator = create_key(&mut keys, None, "operator", pb::api_key::Role::Admin, "").await;
    let officer = create_key(
        &mut keys,
        Some(&operator),
        "officer",
        pb::api_key::Role::Officer,
        "dinkes",
    )
    .await;
    (operator, officer)
}

/// The tracking code finds the request; a wrong code and an unknown number
/// answer alike; too many attempts from one address are refused.
async fn tracking_without_enumeration(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let keys = setup(&mut app).await;
    let r = app
        .requests
        .submit_request(with(submission("dinkes", ""), keys.get("intake")))
        .await
        .unwrap()
        .into_inner();
    let track = |number: &str, code: &str| pb::TrackRequestRequest {
        registration_number: number.into(),
        tracking_code: code.into(),
    };
    let found = app
        .requests
        .track_request(track(
            &r.registration_number,
            &r.tracking_code.to_lowercase(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.registration_number, r.registration_number);
    assert_eq!(found.state, pb::information_request::State::Pending as i32);
    assert_eq!(found.due_date, r.due_date);
    assert_eq!(found.agency_display_name, "Agency dinkes");
    let text = format!("{found:?}");
    for personal in [NIK, EMAIL, PHONE, "Siti"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
    let wrong = app
        .requests
        .track_request(track(&r.registration_number, "AAAA-BBBB-CCCC"))
        .await
        .unwrap_err();
    let unknown = app
        .requests
        .track_request(track("KOTA-SERANG/PPID/2026/999999", &r.tracking_code))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::NotFound);
    assert_eq!(
        (wrong.code(), wrong.message()),
        (unknown.code(), unknown.message())
    );
    // Three attempts so far; the limit is TRACK_PER_MINUTE per address.
    let mut refused = None;
    for _ in 0..TRACK_PER_MINUTE {
        if let Err(e) = app
            .requests
            .track_request(track(&r.registration_number, "AAAA-BBBB-CCCC"))
            .await
            && e.code() == Code::ResourceExhausted
        {
            refused = Some(e);
            break;
        }
    }
    assert!(refused.is_some(), "attempts are rate-limited");
    // Even the right code waits now.
    let err = app
        .requests
        .track_request(track(&r.registration_number, &r.tracking_code))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
}

/// The atasan decides objections of its Pemda; an officer cannot decide;
/// the requester's objection is filed by the PPID's staff, not a portal.
async fn objections_by_role(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let keys = setup(&mut app).await;
    let r = app
        .requests
        .submit_request(with(submission("dinkes", ""), keys.get("intake")))
        .await
        .unwrap()
        .into_inner();
    let o = app
        .objections
        .file_objection(with(
            pb::FileObjectionRequest {
                request: r.name.clone(),
                grounds: vec![pb::ObjectionGround::NotAnswered as i32],
                statement: "Belum ada jawaban".into(),
                ..Default::default()
            },
            keys.get("officer"),
        ))
        .await;
    // Not answered yet: the ground is premature, but the key was admitted.
    let code = o.map(|_| Code::Ok).unwrap_or_else(|e| e.code());
    assert!(
        !matches!(code, Code::PermissionDenied | Code::Unauthenticated),
        "{code:?}"
    );
    let err = app
        .objections
        .file_objection(with(
            pb::FileObjectionRequest {
                request: r.name.clone(),
                grounds: vec![pb::ObjectionGround::NotAnswered as i32],
                statement: "Belum ada jawaban".into(),
                ..Default::default()
            },
            keys.get("officer-disdik"),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::PermissionDenied,
        "not its agency's request"
    );
    let err = app
        .objections
        .file_objection(with(
            pb::FileObjectionRequest {
                request: r.name.clone(),
                grounds: vec![pb::ObjectionGround::NotAnswered as i32],
                statement: "Belum ada jawaban".into(),
                ..Default::default()
            },
            keys.get("intake"),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::PermissionDenied,
        "intake submits and reads back only"
    );
    let listed = app
        .objections
        .list_objections(with(
            pb::ListObjectionsRequest::default(),
            keys.get("superior"),
        ))
        .await;
    assert!(listed.is_ok(), "{listed:?}");
    let err = app
        .objections
        .list_objections(with(
            pb::ListObjectionsRequest {
                agency: "agencies/disdik".into(),
                ..Default::default()
            },
            keys.get("officer"),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
}

/// Without a key, a ranking is readable once published, and only then; a
/// Pemda's admin cannot publish (national: the operator's), the operator can.
async fn public_reads_only_published_rankings(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let keys = setup(&mut app).await;
    let ranking = |y: i32| pb::GetRankingRequest {
        parent: "agencies/kota-serang".into(),
        period: Some(pb::Period {
            kind: Some(pb::period::Kind::Year(y)),
        }),
        ..Default::default()
    };
    let err = app.indicators.get_ranking(ranking(2025)).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated, "not published yet");
    // An intake portal or the atasan sees only what is published, too.
    for who in ["intake", "superior"] {
        let err = app
            .indicators
            .get_ranking(with(ranking(2025), keys.get(who)))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied, "{who}");
    }
    // A reader sees the live ranking.
    app.indicators
        .get_ranking(with(ranking(2025), keys.get("reader")))
        .await
        .unwrap();
    // Reach applies to live rankings: an officer of Dinkes does not see
    // its Pemda's (Disdik is out of its reach) nor another Pemda's; the
    // Lebak admin sees Lebak's.
    let of = |parent: &str| pb::GetRankingRequest {
        parent: format!("agencies/{parent}"),
        ..ranking(2025)
    };
    for (who, parent) in [
        ("officer", "kota-serang"),
        ("officer", "kab-lebak"),
        ("lebak-admin", "kota-serang"),
    ] {
        let err = app
            .indicators
            .get_ranking(with(of(parent), keys.get(who)))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied, "{who} {parent}");
        assert!(
            err.message().contains("outside this key's reach"),
            "{}",
            err.message()
        );
    }
    let lebak = app
        .indicators
        .get_ranking(with(of("kab-lebak"), keys.get("lebak-admin")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(lebak.entries.len(), 1);
    let publish = pb::PublishRankingRequest {
        parent: "agencies/kota-serang".into(),
        period: Some(pb::Period {
            kind: Some(pb::period::Kind::Year(2025)),
        }),
        ..Default::default()
    };
    let err = app
        .indicators
        .publish_ranking(with(publish.clone(), keys.get("admin")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let published = app
        .indicators
        .publish_ranking(with(publish, keys.get("operator")))
        .await
        .unwrap()
        .into_inner();
    let public = app
        .indicators
        .get_ranking(ranking(2025))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(public, published);
    let by_intake = app
        .indicators
        .get_ranking(with(ranking(2025), keys.get("intake")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_intake, published);
    // Once published, the ranking is public: out of reach reads it too.
    let by_officer = app
        .indicators
        .get_ranking(with(ranking(2025), keys.get("officer")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_officer, published);
    let err = app.indicators.get_ranking(ranking(2026)).await.unwrap_err();
    assert_eq!(
        err.code(),
        Code::Unauthenticated,
        "another period is not published"
    );
    // Agencies are public.
    let listed = app
        .agencies
        .list_agencies(pb::ListAgenciesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(!listed.agencies.is_empty());
}

/// AIP-211: a scoped key learns nothing of objects outside its reach, not
/// even whether they exist: a foreign id and a random one get the same code,
/// reason and message, naming neither owner nor number. The operator, who
/// could see anything, keeps NOT_FOUND for a missing id.
async fn foreign_and_missing_look_alike(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.set_now("2026-03-02T02:00:00Z");
    let keys = setup(&mut app).await;
    let op = keys.get("operator");
    let r = app
        .requests
        .submit_request(with(submission("disdik", "2026-03-02T01:00:00Z"), op))
        .await
        .unwrap()
        .into_inner();
    app.set_now("2026-04-01T02:00:00Z");
    let o = app
        .objections
        .file_objection(with(
            pb::FileObjectionRequest {
                request: r.name.clone(),
                grounds: vec![pb::ObjectionGround::NotAnswered as i32],
                statement: "Permohonan tidak ditanggapi".into(),
                ..Default::default()
            },
            op,
        ))
        .await
        .unwrap()
        .into_inner();
    app.set_now("2026-04-02T02:00:00Z");
    app.objections
        .decide_objection(with(
            pb::DecideObjectionRequest {
                name: o.name.clone(),
                decision: pb::objection::Decision::Upheld as i32,
                extent: pb::objection::Extent::Wholly as i32,
                reasons: "Sedang diproses".into(),
                superior_name: "Sekda".into(),
                superior_position: "Sekretaris Daerah".into(),
                ..Default::default()
            },
            op,
        ))
        .await
        .unwrap();
    app.set_now("2026-04-03T02:00:00Z");
    let d = app
        .objections
        .file_dispute(with(
            pb::FileDisputeRequest {
                objection: o.name.clone(),
                ..Default::default()
            },
            op,
        ))
        .await
        .unwrap()
        .into_inner();
    let random = uuid::Uuid::new_v4();
    let answer = |e: tonic::Status| {
        (
            e.code(),
            crate::helpers::reason(&e),
            e.message().to_string(),
        )
    };
    for who in ["lebak-admin", "officer", "intake"] {
        let token = keys.get(who);
        let mut pairs = Vec::new();
        for (foreign, missing) in [(r.name.clone(), format!("requests/{random}"))] {
            let a = app
                .requests
                .get_request(with(
                    pb::GetRequestRequest {
                        name: foreign.clone(),
                    },
                    token,
                ))
                .await
                .unwrap_err();
            let b = app
                .requests
                .get_request(with(
                    pb::GetRequestRequest {
                        name: missing.clone(),
                    },
                    token,
                ))
                .await
                .unwrap_err();
            pairs.push(("GetRequest", answer(a), answer(b)));
            let a = app
                .requests
                .get_request_history(with(pb::GetRequestHistoryRequest { name: foreign }, token))
                .await
                .unwrap_err();
            let b = app
                .requests
                .get_request_history(with(pb::GetRequestHistoryRequest { name: missing }, token))
                .await
                .unwrap_err();
            pairs.push(("GetRequestHistory", answer(a), answer(b)));
        }
        let a = app
            .objections
            .get_objection(with(
                pb::GetObjectionRequest {
                    name: o.name.clone(),
                },
                token,
            ))
            .await
            .unwrap_err();
        let b = app
            .objections
            .get_objection(with(
                pb::GetObjectionRequest {
                    name: format!("objections/{random}"),
                },
                token,
            ))
            .await
            .unwrap_err();
        pairs.push(("GetObjection", answer(a), answer(b)));
        let a = app
            .objections
            .get_dispute(with(
                pb::GetDisputeRequest {
                    name: d.name.clone(),
                },
                token,
            ))
            .await
            .unwrap_err();
        let b = app
            .objections
            .get_dispute(with(
                pb::GetDisputeRequest {
                    name: format!("disputes/{random}"),
                },
                token,
            ))
            .await
            .unwrap_err();
        pairs.push(("GetDispute", answer(a), answer(b)));
        for (method, foreign, missing) in pairs {
            // The intake key may not call GetObjection/GetDispute at all:
            // the method table refuses it before any object is looked at.
            assert_eq!(foreign, missing, "{who} {method}");
            assert_eq!(foreign.0, Code::PermissionDenied, "{who} {method}");
            for leak in [
                "disdik",
                "kota-serang",
                "KOTA-SERANG",
                &r.registration_number,
            ] {
                assert!(!foreign.2.contains(leak), "{who} {method}: {}", foreign.2);
            }
        }
    }
    let err = app
        .requests
        .get_request(with(
            pb::GetRequestRequest {
                name: format!("requests/{random}"),
            },
            op,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::NotFound,
        "the operator could see it if it existed"
    );
}

/// Defence in depth: the auth layer refuses a keyless call on its own,
/// OPTIONS included (a preflight is the CORS layer's to answer, outside
/// it), and a keyless caller is refused by the per-object checks too.
async fn keyless_calls_are_refused_by_the_auth_layer_alone(backend: Backend) {
    let mut app = spawn_app(backend).await;
    setup(&mut app).await;
    // A raw HTTP/2 OPTIONS with gRPC's content type but no CORS headers is
    // not a preflight: the CORS layer passes it in, and the auth layer must
    // not let it through.
    let code = call(&app, "/ppid.v1.RequestService/GetRequest", false, None).await;
    assert_eq!(code, Code::Unauthenticated);
    let status = options_without_cors(&app, "/ppid.v1.RequestService/ListRequests").await;
    assert_ne!(
        status,
        Some(Code::Ok),
        "an OPTIONS call reached a keyed method"
    );
}

/// Sends an OPTIONS request (no Origin, so not a CORS preflight) to `path`
/// over the test channel; the grpc-status it ends with, if any.
async fn options_without_cors(app: &TestApp, path: &str) -> Option<Code> {
    use tower::ServiceExt;
    let mut ch = app.channel.clone();
    let req = http::Request::builder()
        .method(http::Method::OPTIONS)
        .uri(format!("http://localhost{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(tonic::body::Body::empty())
        .unwrap();
    let resp = (&mut ch).oneshot(req).await.expect("a response");
    resp.headers()
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i32>().ok())
        .map(Code::from_i32)
}

/// A key's label cannot imitate another key in histories: labels with
/// parentheses are refused, and each event names the acting key's id in a
/// field of its own.
async fn actor_labels_cannot_pose_as_keys(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let keys = setup(&mut app).await;
    let mut client = KeyServiceClient::new(app.channel.clone());
    let err = client
        .create_api_key(with(
            pb::CreateApiKeyRequest {
                api_key: Some(pb::ApiKey {
                    display_name: "Kepala Dinas (key ff43deec00e818d0)".into(),
                    role: pb::api_key::Role::Officer as i32,
                    agency: "agencies/dinkes".into(),
                    ..Default::default()
                }),
            },
            keys.get("operator"),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        crate::helpers::violations(&err),
        vec!["api_key.display_name"]
    );
    let made = client
        .create_api_key(with(
            pb::CreateApiKeyRequest {
                api_key: Some(pb::ApiKey {
                    display_name: "Loket Dinkes".into(),
                    role: pb::api_key::Role::Officer as i32,
                    agency: "agencies/dinkes".into(),
                    ..Default::default()
                }),
            },
            keys.get("operator"),
        ))
        .await
        .unwrap()
        .into_inner();
    let key_id = made
        .api_key
        .unwrap()
        .name
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let r = app
        .requests
        .submit_request(with(submission("dinkes", ""), &made.token))
        .await
        .unwrap()
        .into_inner();
    let history = app
        .requests
        .get_request_history(with(
            pb::GetRequestHistoryRequest { name: r.name },
            &made.token,
        ))
        .await
        .unwrap()
        .into_inner()
        .events;
    assert_eq!(history[0].actor_key_id, key_id);
    assert!(history[0].actor.starts_with("Loket Dinkes"));
}
