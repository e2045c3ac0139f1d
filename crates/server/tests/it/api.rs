//! The `/api/v1` table of answers, end to end over TLS.

use crate::support::{dose, file, my_number, start, PASSWORD};

fn grounds(body: &serde_json::Value) -> Vec<String> {
    body["refused"]["grounds"]
        .as_array()
        .unwrap_or_else(|| panic!("no refused.grounds in {body}"))
        .iter()
        .map(|g| g["provision"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ops_endpoints_answer_and_readyz_is_503_while_the_store_is_unreachable() {
    let mut f = start().await;
    let r = f.client.get(f.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = f.client.get(f.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    let db = f.data_dir().join("vrs.sqlite");
    let aside = f.data_dir().join("vrs.sqlite.aside");
    std::fs::rename(&db, &aside).unwrap();
    let r = f.client.get(f.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    std::fs::rename(&aside, &db).unwrap();
    let r = f.client.get(f.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    let doc: serde_json::Value = f
        .client
        .get(f.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/login",
        "/api/v1/residents/count",
        "/api/v1/residents/import",
        "/api/v1/doses",
        "/api/v1/doses/{dose}/correct",
        "/api/v1/doses/{dose}/delete",
        "/api/v1/doses/{dose}/history",
        "/api/v1/users",
        "/api/v1/users/{login}/disable",
        "/api/v1/users/{login}/reset-password",
        "/api/v1/alerts",
        "/api/v1/emergency",
        "/api/v1/emergency/stop",
        "/api/v1/emergency/resume",
        "/api/v1/enrolments",
        "/api/v1/inquiries",
        "/api/v1/inquiries/batch",
        "/api/v1/tickets/due",
        "/api/v1/statistics",
        "/api/v1/certificates",
        "/api/v1/ledger",
        "/api/v1/consents",
        "/api/v1/consents/{municipality}",
        "/api/v1/consents/{municipality}/grant",
        "/api/v1/consents/{municipality}/revoke",
        "/api/v1/audit",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_signs_in_with_totp_counts_shows_and_logs_out() {
    let mut f = start().await;
    let token = f.sign_in(&f.clerk, 0).await;

    let (status, body) = f
        .get(&token, "/api/v1/residents/count?municipality=131016")
        .await;
    assert_eq!(
        (status, body.clone()),
        (200, serde_json::json!({ "count": 20 }))
    );

    let (status, body) = f
        .get(
            &token,
            "/api/v1/residents?municipality=131016&address_number=A3",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["address_number"], "A3");
    assert_eq!(body["ticket_number"], "0000000003");
    assert_eq!(body["my_number"], vrs::domain::MASKED);

    let (status, body) = f.get(&token, "/api/v1/residents?address_number=A999").await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");

    let (status, body) = f.get(&token, "/api/v1/residents?address_number=").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["errors"][0]["column"], "address_number",
        "{body}"
    );

    // By My Number only in a body, and only for a My Number handler.
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_or_bad_credentials_are_401_and_totp_is_required_for_a_clerk() {
    let mut f = start().await;
    let r = f
        .client
        .get(f.url("/api/v1/residents/count"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let (status, body) = f.get(&"0".repeat(64), "/api/v1/residents/count").await;
    assert_eq!(status, 401);
    assert!(body["error"]["message"].is_string());

    let r = f
        .client
        .post(f.url("/api/v1/login"))
        .json(&serde_json::json!({ "login": "clerk", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a clerk signed in without TOTP");
    let r = f
        .client
        .post(f.url("/api/v1/login"))
        .json(&serde_json::json!({ "login": "clerk" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a login without password is malformed");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failed_logins_lock_the_account_and_the_answer_stays_401() {
    let mut f = start().await;
    for _ in 0..5 {
        let r = f
            .client
            .post(f.url("/api/v1/login"))
            .json(&serde_json::json!({ "login": "clerk", "password": "wrong", "totp": "000000" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = f
        .client
        .post(f.url("/api/v1/login"))
        .json(&serde_json::json!({
            "login": "clerk", "password": PASSWORD, "totp": f.clerk.code(0),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a locked account signed in");
    let metrics = f
        .client
        .get(f.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("vrs_login_failures_total 6"), "{metrics}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t1_4_3_a_chiyoda_clerk_is_refused_sapporo_data_with_403() {
    let mut f = start().await;
    let token = f.sign_in(&f.clerk, 0).await;
    let (status, body) = f
        .get(&token, "/api/v1/residents/count?municipality=011002")
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(grounds(&body).contains(&"T1-4-3".to_owned()), "{body}");
    assert!(body["refused"]["message"]
        .as_str()
        .unwrap()
        .contains("T1-4-3"));
    let (status, body) = f
        .get(
            &token,
            "/api/v1/residents?municipality=011002&address_number=A1",
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let metrics = f
        .client
        .get(f.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("vrs_refusals_total{provision=\"T1-4-3\"} 2"),
        "{metrics}"
    );

    // Sapporo's own clerk reads Sapporo's data.
    let sapporo = f.sign_in(&f.sapporo_clerk, 0).await;
    let (status, body) = f.get(&sapporo, "/api/v1/residents/count").await;
    assert_eq!((status, body["count"].as_u64()), (200, Some(20)));
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_registers_doses_but_cannot_look_residents_up_and_a_revoked_one_is_401() {
    let mut f = start().await;
    let device = f.device.clone();
    let (status, body) = f
        .post(
            &device,
            "/api/v1/doses",
            &dose("131016", 1, 1, "2021-06-01"),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["existing"], false);
    assert_eq!(body["municipality_code"], "131016");
    let (status, body) = f
        .post(
            &device,
            "/api/v1/doses",
            &dose("131016", 1, 1, "2021-06-01"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["existing"], true);

    let (status, body) = f.get(&device, "/api/v1/residents?address_number=A1").await;
    assert_eq!(status, 403, "a tablet looked a resident up: {body}");
    assert!(body["refused"]["grounds"].is_array(), "{body}");

    let (status, _) = f
        .post(
            &f.revoked_device.clone(),
            "/api/v1/doses",
            &dose("131016", 2, 1, "2021-06-01"),
        )
        .await;
    assert_eq!(status, 401, "a revoked tablet registered a dose");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dose_answers_cover_400_404_409_413_and_503_during_an_emergency_stop() {
    let mut f = start().await;
    let device = f.device.clone();
    // 400: a malformed field, named.
    let mut bad = dose("131016", 3, 1, "2021-06-01");
    bad["ocr_line"] = "123".into();
    let (status, body) = f.post(&device, "/api/v1/doses", &bad).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["errors"][0]["column"], "ocr_line", "{body}");
    // 400: a missing field.
    let (status, body) = f
        .post(
            &device,
            "/api/v1/doses",
            &serde_json::json!({ "ocr_line": "x" }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    // 404: a ticket issued to nobody.
    let (status, body) = f
        .post(
            &device,
            "/api/v1/doses",
            &dose("131016", 99, 1, "2021-06-01"),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        body["error"]["rejection"]["rejected"], "unissued_ticket",
        "{body}"
    );
    // 409: a dose too soon after the person's previous one.
    let (status, _) = f
        .post(
            &device,
            "/api/v1/doses",
            &dose("131016", 4, 1, "2021-06-01"),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = f
        .post(
            &device,
            "/api/v1/doses",
            &dose("131016", 4, 1, "2021-06-03"),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    // 413: a body over the JSON limit.
    let mut huge = dose("131016", 5, 1, "2021-06-01");
    huge["venue"] = "x".repeat(100 * 1024).into();
    let (status, body) = f.post(&device, "/api/v1/doses", &huge).await;
    assert_eq!(status, 413, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    // 503 + Retry-After citing T1-10 while the operator stops registration.
    {
        let mut op = vrs::Vrs::open(&f.data_dir(), Box::new(vrs::SystemClock)).unwrap();
        let vrs::Answer::Done(_) = op
            .emergency_stop(
                vrs::Principal::Operator,
                vrs::consent::Function::Registration,
                "test",
            )
            .unwrap()
        else {
            panic!("not stopped")
        };
    }
    let r = f
        .client
        .post(f.url("/api/v1/doses"))
        .bearer_auth(&device)
        .json(&dose("131016", 6, 1, "2021-06-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        grounds(&body).iter().any(|g| g.starts_with("T1-10")),
        "{body}"
    );
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_file_is_imported_streamed_and_bad_rows_are_400_with_line_and_column() {
    let mut f = start().await;
    let token = f.sign_in(&f.clerk, 0).await;
    let csv = file("131016", 30);
    let r = f
        .client
        .post(f.url("/api/v1/residents/import?municipality=131016"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (body["imported"].as_u64(), body["unchanged"].as_u64()),
        (Some(10), Some(20)),
        "{body}"
    );

    let mut bad = file("131016", 3);
    bad.push_str("131016,A4,123,0000000004,山田\u{3000}花子,ヤマダ\u{3000}ハナコ,1980-02-17,2\n");
    let r = f
        .client
        .post(f.url("/api/v1/residents/import"))
        .bearer_auth(&token)
        .body(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    let errors = body["error"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["line"], 5, "{body}");
    assert_eq!(errors[0]["column"], "my_number", "{body}");

    // The viewer may not import (T1-9-1).
    let viewer = f.sign_in(&f.viewer, 0).await;
    let r = f
        .client
        .post(f.url("/api/v1/residents/import"))
        .bearer_auth(&viewer)
        .body(file("131016", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_my_number_appears_in_any_log_line() {
    let mut f = start().await;
    let token = f.sign_in(&f.clerk, 1).await;
    let n = my_number(7 + 131_016 * 1000);
    let (status, _) = f
        .post(
            &token,
            "/api/v1/residents/lookup",
            &serde_json::json!({ "my_number": n }),
        )
        .await;
    assert_eq!(status, 200);
    let r = f
        .client
        .post(f.url("/api/v1/residents/import"))
        .bearer_auth(&token)
        .body(file("131016", 25))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    f.stop().await;
    let logs = crate::support::logs();
    assert!(
        logs.contains("/api/v1/residents/lookup"),
        "the requests were not logged at all"
    );
    for i in 1..=25 {
        for m in [131_016u64, 11_002] {
            let n = my_number(i + m * 1000);
            assert!(!logs.contains(&n), "a My Number is in the logs");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_sign_ins_from_one_address_are_429_with_retry_after() {
    let mut f = start().await;
    let mut statuses = Vec::new();
    for i in 0..=vrs_server::LOGIN_RATE {
        let r = f
            .client
            .post(f.url("/api/v1/login"))
            .json(&serde_json::json!({ "login": format!("nobody{i}"), "password": "x" }))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        if status == 429 {
            assert!(r.headers().contains_key("retry-after"));
            let body: serde_json::Value = r.json().await.unwrap();
            assert!(body["error"]["message"].is_string(), "{body}");
        }
        statuses.push(status);
    }
    let last = statuses.pop();
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(last, Some(429));
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t1_9_1_an_admin_registers_and_revokes_a_tablet_and_a_clerk_may_not() {
    let mut f = start().await;
    let admin = f.sign_in(&f.admin, 0).await;
    let (status, body) = f
        .post(
            &admin,
            "/api/v1/devices",
            &serde_json::json!({ "site": "131016", "name": "tablet 3" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let id = body["device"].as_i64().unwrap();
    let (status, body) = f
        .post(&token, "/api/v1/doses", &dose("131016", 8, 1, "2021-06-01"))
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = f.get(&admin, "/api/v1/devices").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["devices"].as_array().unwrap().len(), 3, "{body}");
    let (status, body) = f
        .post(
            &admin,
            &format!("/api/v1/devices/{id}/revoke"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = f
        .post(&token, "/api/v1/doses", &dose("131016", 9, 1, "2021-06-01"))
        .await;
    assert_eq!(status, 401, "a revoked tablet registered a dose");
    let (status, _) = f
        .post(
            &admin,
            "/api/v1/devices/999999/revoke",
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 404);

    let clerk = f.sign_in(&f.clerk, 0).await;
    let (status, body) = f
        .post(
            &clerk,
            "/api/v1/devices",
            &serde_json::json!({ "site": "131016", "name": "x" }),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(grounds(&body).contains(&"T1-9-1".to_owned()), "{body}");
    f.stop().await;
}
