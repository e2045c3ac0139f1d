//! The movers' batch inquiry over TLS (`POST /api/v1/inquiries/batch`, D12-3,
//! T1-3-1-5, N-4): every person's answer by row and line, a refusal citing its
//! provision, bad rows naming line, column and reason, the body's bounds, and
//! no My Number in an answer or a log line.

use serde_json::Value;

use crate::support::{logs, my_number, start, Fixture};

const PATH: &str = "/api/v1/inquiries/batch";

async fn post_csv(f: &Fixture, token: &str, query: &str, csv: String) -> (u16, Value) {
    let r = f
        .client
        .post(f.url(&format!("{PATH}?{query}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d12_3_a_batch_inquiry_answers_every_row_refuses_by_rule_and_names_bad_rows() {
    let mut f = start().await;
    let clerk = f.sign_in(&f.clerk, 0).await;
    let numbers: Vec<String> = (1..=3).map(|i| my_number(i + 131_016 * 1000)).collect();
    let query = "holder=011002&purpose=vaccination-ticket&personal_consent=true";

    // Three movers (a blank line is no row): one answer each, in file order.
    let csv = format!(
        "my_number\n{}\n\n{}\n{}\n",
        numbers[0], numbers[1], numbers[2]
    );
    let (status, body) = post_csv(&f, &clerk, query, csv.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["asked"], 3, "{body}");
    let at: Vec<(u64, u64)> = body["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["row"].as_u64().unwrap(), a["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(at, [(1, 2), (2, 4), (3, 5)], "{body}");
    assert!(
        body["legal_basis"]
            .as_array()
            .is_some_and(|b| !b.is_empty()),
        "{body}"
    );
    for a in body["answers"].as_array().unwrap() {
        assert!(a["found"].is_boolean() && a["doses"].is_array(), "{a}");
    }
    for n in &numbers {
        assert!(!body.to_string().contains(n.as_str()), "{body}");
    }

    // M-9: an unlisted purpose refuses the whole batch; a tablet is no municipality and may not ask.
    let (status, body) = post_csv(&f, &clerk, "holder=011002&purpose=curiosity", csv.clone()).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains("M-9"), "{body}");
    let (status, body) = post_csv(&f, &f.device, query, csv.clone()).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.to_string().contains("T1-3-1-5"), "{body}");
    let (status, _) = post_csv(&f, "not-a-token", query, csv).await;
    assert_eq!(status, 401);

    // Bad rows: each named by line, column and reason, never by its digits;
    // nobody is asked.
    let wrong_check = format!(
        "{}{}",
        &numbers[1][..11],
        (numbers[1].as_bytes()[11] - b'0' + 1) % 10
    );
    let bad = format!("my_number\n{}\n{wrong_check}\nabc\n", numbers[0]);
    let (status, body) = post_csv(&f, &clerk, query, bad).await;
    assert_eq!(status, 400, "{body}");
    let faults: Vec<(u64, &str)> = body["error"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(faults, [(3, "my_number"), (4, "my_number")], "{body}");
    assert!(!body.to_string().contains(&wrong_check), "{body}");
    let (status, body) = post_csv(&f, &clerk, query, "name\nx\n".into()).await;
    assert_eq!(status, 400, "a file without the column: {body}");
    let (status, body) = post_csv(
        &f,
        &clerk,
        "purpose=vaccination-ticket",
        "my_number\n".into(),
    )
    .await;
    assert_eq!(status, 400, "no holder: {body}");
    let (status, body) = post_csv(
        &f,
        &clerk,
        "holder=01100&purpose=vaccination-ticket",
        "my_number\n".into(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["errors"][0]["column"], "holder", "{body}");

    // Bounded: more rows than one batch takes, named by the first line past
    // the limit (and, below, a body over 2 MiB is 413).
    let rows = vrs_server::api::inquiry::BATCH_ROWS;
    let many = format!(
        "my_number\n{}",
        format!("{}\n", numbers[0]).repeat(rows + 1)
    );
    let (status, body) = post_csv(&f, &clerk, query, many).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["errors"][0]["line"],
        rows as u64 + 2,
        "{body}"
    );

    // Asked and refused persons are audited; no My Number reached a log line.
    let admin = f.sign_in(&f.admin, 0).await;
    let audit = f
        .get(&admin, "/api/v1/audit?action=inquire&limit=100")
        .await;
    assert_eq!(audit.0, 200, "{}", audit.1);
    let events = audit.1.as_array().unwrap();
    assert!(events.len() >= 3, "{}", audit.1);
    for n in &numbers {
        assert!(!audit.1.to_string().contains(n.as_str()), "{}", audit.1);
    }
    let logged = logs();
    for n in numbers.iter().chain([&wrong_check]) {
        assert!(!logged.contains(n.as_str()), "a My Number was logged");
    }
    // Last: the server refuses an oversized body (413) and closes the
    // connection, often while the client is still writing it: then the client
    // sees the broken pipe before it can read the 413. Either way nothing is
    // asked, and the service goes on answering.
    let huge = format!("my_number\n{}", "0".repeat(3 * 1024 * 1024));
    let sent = f
        .client
        .post(f.url(&format!("{PATH}?{query}")))
        .bearer_auth(&clerk)
        .header("content-type", "text/csv")
        .body(huge)
        .send()
        .await;
    match sent {
        Ok(r) => assert_eq!(r.status().as_u16(), 413),
        Err(e) => assert!(e.is_request(), "not refused while sending: {e:?}"),
    }
    // A pooled connection the server closed with the refusal fails the next
    // request once: ask again on a fresh one.
    let mut after = None;
    for _ in 0..3 {
        let r = f
            .client
            .get(f.url("/api/v1/audit?action=inquire&limit=100"))
            .bearer_auth(&admin)
            .send()
            .await;
        if let Ok(r) = r {
            after = Some((r.status().as_u16(), r.json::<Value>().await.unwrap()));
            break;
        }
    }
    let after = after.expect("the service answers after refusing the oversized body");
    assert_eq!(after.0, 200, "{}", after.1);
    assert_eq!(
        after.1.as_array().unwrap().len(),
        events.len(),
        "the oversized batch asked someone: {}",
        after.1
    );
    f.stop().await;
}
