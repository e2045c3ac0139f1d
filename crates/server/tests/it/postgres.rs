//! `vrs serve` on a PostgreSQL data directory: sign-in, sessions, devices, a
//! revoked device refused, resident reads and the app's challenge, over TLS.
//! Needs `VRS_TEST_DATABASE_URL` (skipped with a message without it, except
//! under `CI=true`, where it fails).

use crate::support::{my_number, start_on};

/// A URL of the test server with a schema of this run's own and a password
/// file beside `dir` (the data directory keeps no password).
fn database(dir: &std::path::Path) -> Option<String> {
    let base = match std::env::var("VRS_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => u,
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but VRS_TEST_DATABASE_URL is not set")
        }
        _ => {
            eprintln!("skipped: VRS_TEST_DATABASE_URL is not set, no PostgreSQL run");
            return None;
        }
    };
    let password = base
        .split_once("://")
        .and_then(|(_, rest)| rest.rsplit_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, p)| p.replace(':', "\\:"))
        .unwrap_or_default();
    let passfile = dir.join("pgpass");
    std::fs::write(&passfile, format!("*:*:*:*:{password}\n")).unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!(
        "{base}{sep}schema=srv_{}_{nanos}&passfile={}",
        std::process::id(),
        passfile.display()
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_runs_on_postgresql_users_sessions_devices_and_the_app_challenge() {
    let aside = tempfile::tempdir().unwrap();
    let Some(url) = database(aside.path()) else {
        return;
    };
    let mut f = start_on(Some(url)).await;
    assert!(f.data_dir().join("database.url").exists());
    let r = f.client.get(f.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    let token = f.sign_in(&f.clerk, 0).await;
    let (status, body) = f
        .get(&token, "/api/v1/residents/count?municipality=131016")
        .await;
    assert_eq!(
        (status, body.clone()),
        (200, serde_json::json!({ "count": 20 }))
    );
    let n = my_number(5 + 131_016 * 1000);
    let (status, body) = f
        .post(
            &token,
            "/api/v1/residents/lookup",
            &serde_json::json!({ "my_number": n }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["address_number"], "A5");
    // Another municipality's clerk does not read 131016's area.
    let sapporo = f.sign_in(&f.sapporo_clerk, 0).await;
    let (status, body) = f
        .get(&sapporo, "/api/v1/residents/count?municipality=131016")
        .await;
    assert_eq!(status, 403, "{body}");

    // A tablet acts as its site (no resident lookup); a revoked one is 401.
    let device = f.device.clone();
    let (status, body) = f.get(&device, "/api/v1/residents?address_number=A1").await;
    assert_eq!(status, 403, "a tablet looked a resident up: {body}");
    let (status, _) = f
        .get(&f.revoked_device.clone(), "/api/v1/residents/count")
        .await;
    assert_eq!(status, 401, "a revoked tablet was let in");

    // The app's challenge is issued and kept on PostgreSQL.
    let r = f
        .client
        .post(f.url("/app/v1/challenge"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["nonce"].as_str().map(str::len), Some(64), "{body}");

    let r = f
        .client
        .post(f.url("/api/v1/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, _) = f.get(&token, "/api/v1/residents/count").await;
    assert_eq!(status, 401, "a logged-out token still works");
    f.stop().await;
}
