//! CORS as a browser sees it (#25.8): a page on another origin calls the
//! API over gRPC-Web (ListRequests, which needs a key) from headless Chromium, with and without a key, against
//! a server that allows any origin and one restricted by `--cors-origins`.
//! Skipped (with a message) where Chromium is absent, unless
//! `PPID_TEST_CHROMIUM` names it (CI sets it, so there it must run).
use std::{
    io::{Read as _, Write as _},
    net::TcpListener,
    process::Command,
};

use crate::helpers::serve_process;

/// The page: for each `server=URL` in its query, ListRequests over
/// gRPC-Web without and with the key; each result (`grpc-status` as the page
/// could read it, or `blocked` when the browser refused the response) goes
/// into `#out` for --dump-dom.
const PAGE: &str = r#"<!doctype html><html><body><pre id="out"></pre><script>
async function call(server, key) {
  const headers = {'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1'};
  if (key) headers['authorization'] = 'Bearer ' + key;
  try {
    const r = await fetch(server + '/ppid.v1.RequestService/ListRequests',
      {method: 'POST', headers, body: new Uint8Array([0, 0, 0, 0, 0])});
    let status = r.headers.get('grpc-status');
    const body = new Uint8Array(await r.arrayBuffer());
    let messages = 0;
    for (let i = 0; i + 5 <= body.length;) {
      const len = (body[i + 1] << 24) | (body[i + 2] << 16) | (body[i + 3] << 8) | body[i + 4];
      const frame = body.subarray(i + 5, i + 5 + len);
      if (body[i] & 0x80) {
        const m = new TextDecoder().decode(frame).match(/grpc-status:\s*(\d+)/);
        if (m) status = m[1];
      } else {
        messages += 1;
      }
      i += 5 + len;
    }
    return 'status=' + status + ' messages=' + messages;
  } catch (e) {
    return 'blocked';
  }
}
(async () => {
  const q = new URLSearchParams(location.search);
  const lines = [];
  for (const server of q.getAll('server')) {
    lines.push(server + ' nokey ' + await call(server, ''));
    lines.push(server + ' key ' + await call(server, q.get('key')));
  }
  document.getElementById('out').textContent = lines.join('\n') + '\nDONE';
})();
</script></body></html>"#;

/// A one-page HTTP server on its own port (its own origin); its address.
fn page_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{PAGE}",
                PAGE.len()
            );
        }
    });
    addr
}

pub(crate) fn chromium() -> Option<String> {
    if let Ok(c) = std::env::var("PPID_TEST_CHROMIUM") {
        return Some(c);
    }
    let found = Command::new("chromium").arg("--version").output().is_ok();
    if !found {
        eprintln!("browser CORS test skipped: no `chromium` (apt-get install chromium)");
    }
    found.then(|| "chromium".to_string())
}

/// Opens the page from `origin` and returns its result lines.
fn run_page(chromium: &str, origin: &str, servers: &[&str], key: &str) -> Vec<String> {
    let mut url = format!("http://{origin}/?key={key}");
    for s in servers {
        url.push_str(&format!("&server=http://{s}"));
    }
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--virtual-time-budget=15000", "--dump-dom"])
        .arg(&url)
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        dom.contains("DONE"),
        "the page did not finish: {dom}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let start = dom.find("<pre id=\"out\">").unwrap() + "<pre id=\"out\">".len();
    let end = dom[start..].find("DONE").unwrap() + start;
    dom[start..end].lines().map(str::to_string).collect()
}

#[test]
fn a_page_on_another_origin_calls_with_and_without_a_key() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ppid.db").to_string_lossy().into_owned();
    let out = Command::new(env!("CARGO_BIN_EXE_ppid"))
        .args(["keys", "create", "--database-url", &db, "--role", "admin"])
        .args(["--name", "portal"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let allowed = page_server();
    let other = page_server();
    let mut any = serve_process(&db, &[]);
    let mut restricted = serve_process(&db, &[("PPID_CORS_ORIGINS", &format!("http://{allowed}"))]);

    let seen = run_page(&chromium, &allowed, &[&any.addr, &restricted.addr], &key);
    let (a, r) = (&any.addr, &restricted.addr);
    assert_eq!(
        seen,
        [
            // Without a key the page can read the refusal (grpc-status is exposed).
            format!("http://{a} nokey status=16 messages=0"),
            // With one, the Authorization header passes the preflight.
            format!("http://{a} key status=0 messages=1"),
            format!("http://{r} nokey status=16 messages=0"),
            format!("http://{r} key status=0 messages=1"),
        ],
    );
    // An origin outside --cors-origins gets nothing, with or without a key.
    let seen = run_page(&chromium, &other, &[&restricted.addr], &key);
    assert_eq!(
        seen,
        [
            format!("http://{r} nokey blocked"),
            format!("http://{r} key blocked"),
        ],
    );
    for p in [&mut any, &mut restricted] {
        let _ = p.child.kill();
        let _ = p.child.wait();
    }
}
