//! The rest of `/api/v1` end to end over TLS: dose correction, deletion and
//! history; users; the operator's routes; inquiry, tickets, statistics,
//! issuance history, ledger and consents. Each route: its success, its
//! refusal (403 citing the provision) and its bad input.

use serde_json::{json, Value};

use crate::support::{dose, my_number, start, Fixture};

fn provisions(body: &Value) -> Vec<String> {
    body["refused"]["grounds"]
        .as_array()
        .unwrap_or_else(|| panic!("no refused.grounds in {body}"))
        .iter()
        .map(|g| g["provision"].as_str().unwrap().to_owned())
        .collect()
}

#[track_caller]
fn refused_citing(answer: &(u16, Value), provision: &str) {
    assert_eq!(answer.0, 403, "{}", answer.1);
    assert!(
        provisions(&answer.1).iter().any(|p| p == provision),
        "not refused citing {provision}: {}",
        answer.1
    );
}

#[track_caller]
fn bad_field(answer: &(u16, Value), field: &str) {
    assert_eq!(answer.0, 400, "{}", answer.1);
    assert_eq!(
        answer.1["error"]["errors"][0]["column"], field,
        "{}",
        answer.1
    );
}

/// Registers ticket `ticket`'s first dose with the tablet; its dose id.
async fn registered(f: &Fixture, ticket: u64) -> String {
    let (status, body) = f
        .post(
            &f.device,
            "/api/v1/doses",
            &dose("131016", ticket, 1, "2021-06-01"),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["dose_id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t1_5_1_a_clerk_corrects_and_deletes_a_dose_with_a_reason_and_reads_every_version() {
    let mut f = start().await;
    let clerk = f.sign_in(&f.clerk, 0).await;
    let id = registered(&f, 1).await;

    let path = format!("/api/v1/doses/{id}/correct");
    let fixed = f
        .post(
            &clerk,
            &path,
            &json!({ "reason": "lot misread", "lot": "FA7812" }),
        )
        .await;
    assert_eq!(fixed.0, 200, "{}", fixed.1);
    assert_eq!(fixed.1["lot"], "FA7812", "{}", fixed.1);
    bad_field(
        &f.post(&clerk, &path, &json!({ "reason": " ", "lot": "FA7812" }))
            .await,
        "reason",
    );
    bad_field(
        &f.post(
            &clerk,
            &path,
            &json!({ "reason": "x", "date": "2021-02-30" }),
        )
        .await,
        "date",
    );
    // The same values again: nothing to change.
    let same = f
        .post(
            &clerk,
            &path,
            &json!({ "reason": "again", "lot": "FA7812" }),
        )
        .await;
    assert_eq!(same.0, 400, "{}", same.1);

    let history = f.get(&clerk, &format!("/api/v1/doses/{id}/history")).await;
    assert_eq!(history.0, 200, "{}", history.1);
    let versions = history.1.as_array().unwrap();
    assert_eq!(versions.len(), 2, "{}", history.1);
    assert!(
        history.1.to_string().contains("lot misread"),
        "{}",
        history.1
    );

    // Another municipality's clerk: refused, and cannot read the history either.
    let sapporo = f.sign_in(&f.sapporo_clerk, 0).await;
    refused_citing(
        &f.post(&sapporo, &path, &json!({ "reason": "x", "lot": "FA0001" }))
            .await,
        "T1-4-3",
    );
    refused_citing(
        &f.get(&sapporo, &format!("/api/v1/doses/{id}/history"))
            .await,
        "T1-4-3",
    );
    let unknown = f.get(&clerk, "/api/v1/doses/131016-999999/history").await;
    assert_eq!(unknown.0, 404, "{}", unknown.1);
    bad_field(
        &f.get(&clerk, "/api/v1/doses/nonsense/history").await,
        "dose",
    );

    // Confirming locks a dose against bulk uploads (a correction stays possible).
    let other = registered(&f, 2).await;
    let confirmed = f
        .post(
            &clerk,
            &format!("/api/v1/doses/{other}/confirm"),
            &json!({}),
        )
        .await;
    assert_eq!(confirmed.0, 200, "{}", confirmed.1);
    assert_eq!(confirmed.1["confirmed"], true, "{}", confirmed.1);

    let delete = format!("/api/v1/doses/{id}/delete");
    bad_field(
        &f.post(&clerk, &delete, &json!({ "reason": "" })).await,
        "reason",
    );
    let gone = f
        .post(&clerk, &delete, &json!({ "reason": "entered twice" }))
        .await;
    assert_eq!(gone.0, 200, "{}", gone.1);
    // A deleted dose can no longer be changed: 409.
    let again = f
        .post(&clerk, &delete, &json!({ "reason": "entered twice" }))
        .await;
    assert_eq!(again.0, 409, "{}", again.1);
    let late = f
        .post(
            &clerk,
            &path,
            &json!({ "reason": "too late", "lot": "FA0001" }),
        )
        .await;
    assert_eq!(late.0, 409, "{}", late.1);
    let history = f.get(&clerk, &format!("/api/v1/doses/{id}/history")).await;
    assert_eq!(history.1.as_array().unwrap().len(), 3, "{}", history.1);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t1_9_1_an_admin_manages_the_municipality_s_users_and_a_clerk_is_refused() {
    let mut f = start().await;
    let admin = f.sign_in(&f.admin, 0).await;
    let list = f.get(&admin, "/api/v1/users").await;
    assert_eq!(list.0, 200, "{}", list.1);
    let logins: Vec<&str> = list.1["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["login"].as_str().unwrap())
        .collect();
    assert!(
        logins.contains(&"clerk") && logins.contains(&"viewer"),
        "{logins:?}"
    );
    assert!(
        !logins.contains(&"sapporo"),
        "another municipality's user is listed"
    );

    let new = json!({
        "login": "new.clerk", "role": "clerk", "my_number_handler": false,
        "password": "another long passphrase 9",
    });
    let added = f.post(&admin, "/api/v1/users", &new).await;
    assert_eq!(added.0, 201, "{}", added.1);
    assert_eq!(added.1["principal"], "municipality:131016", "{}", added.1);
    assert!(added.1["totp_secret"].is_string(), "{}", added.1);
    let taken = f.post(&admin, "/api/v1/users", &new).await;
    assert_eq!(taken.0, 400, "a taken login: {}", taken.1);
    let weak = f
        .post(
            &admin,
            "/api/v1/users",
            &json!({ "login": "weak", "role": "viewer", "password": "short" }),
        )
        .await;
    assert_eq!(weak.0, 400, "{}", weak.1);
    bad_field(
        &f.post(
            &admin,
            "/api/v1/users",
            &json!({ "login": "x", "role": "boss", "password": "another long passphrase 9" }),
        )
        .await,
        "role",
    );

    let reset = f
        .post(
            &admin,
            "/api/v1/users/new.clerk/reset-password",
            &json!({ "password": "a third long passphrase 1" }),
        )
        .await;
    assert_eq!(reset.0, 200, "{}", reset.1);
    assert!(reset.1["totp_secret"].is_string(), "{}", reset.1);
    let disabled = f
        .post(&admin, "/api/v1/users/new.clerk/disable", &json!({}))
        .await;
    assert_eq!(disabled.0, 200, "{}", disabled.1);
    let unknown = f
        .post(&admin, "/api/v1/users/nobody/disable", &json!({}))
        .await;
    assert_eq!(unknown.0, 404, "{}", unknown.1);
    // Sapporo's user is not Chiyoda's to disable.
    let foreign = f
        .post(&admin, "/api/v1/users/sapporo/disable", &json!({}))
        .await;
    assert_eq!(foreign.0, 404, "{}", foreign.1);

    let clerk = f.sign_in(&f.clerk, 0).await;
    refused_citing(&f.get(&clerk, "/api/v1/users").await, "T1-9-1");
    refused_citing(&f.post(&clerk, "/api/v1/users", &new).await, "T1-9-1");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_reads_alerts_stops_and_resumes_and_issues_enrolment_codes() {
    let mut f = start().await;
    let ops = f.sign_in(&f.operator, 0).await;
    let clerk = f.sign_in(&f.clerk, 0).await;

    let alerts = f.get(&ops, "/api/v1/alerts?window=10&failures=3").await;
    assert_eq!(alerts.0, 200, "{}", alerts.1);
    assert!(alerts.1["alerts"].is_array(), "{}", alerts.1);
    refused_citing(&f.get(&clerk, "/api/v1/alerts").await, "S-3-3");
    bad_field(&f.get(&ops, "/api/v1/alerts?window=0").await, "window");
    bad_field(
        &f.get(&ops, "/api/v1/alerts?since=yesterday").await,
        "since",
    );

    let stop = json!({ "function": "registration", "reason": "maintenance" });
    refused_citing(
        &f.post(&clerk, "/api/v1/emergency/stop", &stop).await,
        "T1-10",
    );
    let stopped = f.post(&ops, "/api/v1/emergency/stop", &stop).await;
    assert_eq!(stopped.0, 200, "{}", stopped.1);
    assert_eq!(
        stopped.1["stopped"][0]["function"], "registration",
        "{}",
        stopped.1
    );
    let status = f.get(&f.device, "/api/v1/emergency").await;
    assert_eq!(status.0, 200, "{}", status.1);
    assert_eq!(
        status.1["stopped"].as_array().unwrap().len(),
        1,
        "{}",
        status.1
    );
    // During the stop a tablet's registration is answered 503 citing T1-10.
    let r = f
        .client
        .post(f.url("/api/v1/doses"))
        .bearer_auth(&f.device)
        .json(&dose("131016", 3, 1, "2021-06-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().await.unwrap();
    assert!(provisions(&body).contains(&"T1-10".to_owned()), "{body}");
    bad_field(
        &f.post(
            &ops,
            "/api/v1/emergency/resume",
            &json!({ "function": "everything" }),
        )
        .await,
        "function",
    );
    let resumed = f
        .post(
            &ops,
            "/api/v1/emergency/resume",
            &json!({ "function": "registration" }),
        )
        .await;
    assert_eq!(resumed.0, 200, "{}", resumed.1);
    assert_eq!(resumed.1["stopped"], json!([]), "{}", resumed.1);
    registered(&f, 3).await;

    let code = f
        .post(
            &ops,
            "/api/v1/enrolments",
            &json!({ "municipality": "011002" }),
        )
        .await;
    assert_eq!(code.0, 201, "{}", code.1);
    assert!(code.1["code"].is_string(), "{}", code.1);
    let admin = f.sign_in(&f.admin, 0).await;
    refused_citing(
        &f.post(
            &admin,
            "/api/v1/enrolments",
            &json!({ "municipality": "131016" }),
        )
        .await,
        "T1-9-1",
    );
    bad_field(
        &f.post(
            &ops,
            "/api/v1/enrolments",
            &json!({ "municipality": "13101" }),
        )
        .await,
        "municipality",
    );
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inquiry_tickets_statistics_certificates_ledger_and_consents_answer_by_the_table() {
    let mut f = start().await;
    let clerk = f.sign_in(&f.clerk, 0).await;
    for (count, date) in [(1, "2021-05-01"), (2, "2021-06-01")] {
        let (status, body) = f
            .post(&f.device, "/api/v1/doses", &dose("131016", 4, count, date))
            .await;
        assert_eq!(status, 201, "{body}");
    }

    // D12-3 / N-4: an inquiry about one's own resident; the answer names its legal basis.
    let n = my_number(4 + 131_016 * 1000);
    let ask = json!({
        "holder": "011002", "my_number": n, "personal_consent": true,
        "purpose": "vaccination-ticket",
    });
    let answer = f.post(&clerk, "/api/v1/inquiries", &ask).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert!(
        answer.1["legal_basis"]
            .as_array()
            .is_some_and(|b| !b.is_empty()),
        "{}",
        answer.1
    );
    let mut no_purpose = ask.clone();
    no_purpose["purpose"] = json!("curiosity");
    refused_citing(
        &f.post(&clerk, "/api/v1/inquiries", &no_purpose).await,
        "M-9",
    );
    let mut bad = ask.clone();
    bad["my_number"] = json!("123");
    let bad = f.post(&clerk, "/api/v1/inquiries", &bad).await;
    bad_field(&bad, "my_number");
    assert!(!bad.1.to_string().contains("123456"), "{}", bad.1);

    // L13: the third dose's ticket is due 8 months after the second.
    let due = f
        .get(&clerk, "/api/v1/tickets/due?dose=3&on=2022-02-01")
        .await;
    assert_eq!(due.0, 200, "{}", due.1);
    assert!(due.1.as_array().is_some_and(|d| d.len() == 1), "{}", due.1);
    assert_eq!(due.1[0]["ticket_number"], "0000000004", "{}", due.1);
    let early = f
        .get(&clerk, "/api/v1/tickets/due?dose=3&on=2022-01-01")
        .await;
    assert_eq!(early.1, json!([]), "due a month early");
    bad_field(
        &f.get(&clerk, "/api/v1/tickets/due?dose=x&on=2022-02-01")
            .await,
        "dose",
    );
    // No third doses' tickets were sent before December 2021.
    bad_field(
        &f.get(&clerk, "/api/v1/tickets/due?dose=3&on=2021-09-01")
            .await,
        "dose",
    );
    refused_citing(
        &f.get(&f.device, "/api/v1/tickets/due?dose=3&on=2022-02-01")
            .await,
        "T1-4-3",
    );

    // Statistics: the municipality exactly, the State suppressed, a tablet refused.
    let viewer = f.sign_in(&f.viewer, 0).await;
    let own = f.get(&viewer, "/api/v1/statistics?by=dose").await;
    assert_eq!(own.0, 200, "{}", own.1);
    assert_eq!(own.1["scope"], "municipality:131016", "{}", own.1);
    let counts: Vec<&Value> = own.1["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["count"])
        .collect();
    assert_eq!(counts, [&json!(1), &json!(1)], "{}", own.1);
    let national = f.sign_in(&f.national, 0).await;
    let all = f.get(&national, "/api/v1/statistics?by=municipality").await;
    assert_eq!(all.0, 200, "{}", all.1);
    assert_eq!(all.1["scope"], "national", "{}", all.1);
    assert!(
        all.1["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["suppressed"] == true),
        "a cell of one dose reached the State: {}",
        all.1
    );
    bad_field(&f.get(&viewer, "/api/v1/statistics?by=colour").await, "by");
    assert_eq!(f.get(&f.device, "/api/v1/statistics").await.0, 403);

    // Issuance history: the municipality's clerk; not a viewer.
    let history = f.get(&clerk, "/api/v1/certificates").await;
    assert_eq!(history.0, 200, "{}", history.1);
    assert_eq!(history.1["count"], 0, "{}", history.1);
    assert_eq!(f.get(&viewer, "/api/v1/certificates").await.0, 403);

    // The ledger as CSV.
    let r = f
        .client
        .get(f.url("/api/v1/ledger"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-doses"], "2");
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("0000000004"), "{csv}");
    bad_field(
        &f.get(&clerk, "/api/v1/ledger?encoding=latin1").await,
        "encoding",
    );
    assert_eq!(f.get(&viewer, "/api/v1/ledger").await.0, 403);
    let leftovers: Vec<_> = std::fs::read_dir(f.data_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".ledger-"))
        .collect();
    assert!(leftovers.is_empty(), "the ledger spool was left behind");

    // Consents: the operator's list; a municipality's admin for its own only.
    let ops = f.sign_in(&f.operator, 0).await;
    let list = f.get(&ops, "/api/v1/consents").await;
    assert_eq!(list.0, 200, "{}", list.1);
    assert_eq!(list.1["count"], 2, "{}", list.1);
    refused_citing(&f.get(&clerk, "/api/v1/consents").await, "T1-11-2");
    let admin = f.sign_in(&f.admin, 0).await;
    let grant = json!({ "document": "addendum-2021-12-03", "approved_by": "mayor" });
    let granted = f
        .post(&admin, "/api/v1/consents/131016/grant", &grant)
        .await;
    assert_eq!(granted.0, 200, "{}", granted.1);
    assert_eq!(granted.1["municipality"], "131016", "{}", granted.1);
    let foreign = f
        .post(&admin, "/api/v1/consents/011002/grant", &grant)
        .await;
    assert_eq!(foreign.0, 403, "{}", foreign.1);
    bad_field(
        &f.post(
            &admin,
            "/api/v1/consents/131016/grant",
            &json!({ "document": "nothing" }),
        )
        .await,
        "document",
    );
    let shown = f.get(&clerk, "/api/v1/consents/131016").await;
    assert_eq!(shown.0, 200, "{}", shown.1);
    let revoked = f
        .post(
            &admin,
            "/api/v1/consents/131016/revoke",
            &json!({ "document": "addendum-2021-12-03" }),
        )
        .await;
    assert_eq!(revoked.0, 200, "{}", revoked.1);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s_3_3_an_admin_searches_the_audit_log_of_its_own_area_only() {
    let mut f = start().await;
    let clerk = f.sign_in(&f.clerk, 0).await;
    let shown = f.get(&clerk, "/api/v1/residents?address_number=A1").await;
    assert_eq!(shown.0, 200, "{}", shown.1);
    let sapporo = f.sign_in(&f.sapporo_clerk, 0).await;
    assert_eq!(f.get(&sapporo, "/api/v1/residents/count").await.0, 200);

    let admin = f.sign_in(&f.admin, 0).await;
    let found = f
        .get(&admin, "/api/v1/audit?action=read_resident&limit=10")
        .await;
    assert_eq!(found.0, 200, "{}", found.1);
    let events = found.1.as_array().unwrap();
    assert_eq!(events.len(), 1, "{}", found.1);
    assert_eq!(events[0]["actor"], "user:clerk", "{}", found.1);
    let all = f.get(&admin, "/api/v1/audit").await;
    assert!(
        all.1
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["municipality"] == "131016"),
        "another area's event: {}",
        all.1
    );
    assert!(
        !all.1.to_string().contains("count_residents"),
        "Sapporo's count leaked"
    );
    bad_field(&f.get(&admin, "/api/v1/audit?limit=0").await, "limit");
    bad_field(
        &f.get(&admin, "/api/v1/audit?action=DROP%20TABLE").await,
        "action",
    );
    refused_citing(&f.get(&clerk, "/api/v1/audit").await, "T1-9-1");
    let ops = f.sign_in(&f.operator, 0).await;
    refused_citing(&f.get(&ops, "/api/v1/audit").await, "S-3-3");
    f.stop().await;
}
