//! The administrators' and the operator's screens: consent (text, pinned hash,
//! grant and revoke), users and devices, emergency stop and resume, key
//! rotation and enrolment codes; each refused to the roles the rules refuse.

use crate::support::start;
use crate::web::Web;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t2_2_2_an_admin_sees_each_documents_text_and_hash_and_grants_and_revokes() {
    let mut f = start().await;
    let admin = Web::sign_in(&f, &f.admin, 0).await;
    let (status, html) = admin.get("/consent").await;
    assert_eq!(status, 200, "{html}");
    for d in vrs::consent::DocumentId::ALL {
        assert!(html.contains(d.document().sha256), "{} hash", d.as_str());
    }
    assert_eq!(
        html.matches("一致").count(),
        3,
        "every served text matches its pin"
    );
    assert!(!html.contains("不一致"), "{html}");
    assert!(html.contains("action=\"/consent/revoke\""), "{html}");

    // A grant needs the internal approval.
    let (status, _) = admin
        .post(
            "/consent/grant",
            &[("document", "addendum-2021-12-03"), ("approved_by", "")],
        )
        .await;
    assert_eq!(status, 400);
    let (status, html) = admin
        .post(
            "/consent/grant",
            &[
                ("document", "addendum-2021-12-03"),
                ("approved_by", "決裁第12号"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{html}");
    let (_, html) = admin.get("/consent").await;
    assert!(html.contains("決裁第12号"), "{html}");
    let (status, _) = admin
        .post("/consent/revoke", &[("document", "addendum-2021-12-03")])
        .await;
    assert_eq!(status, 303);
    let (_, html) = admin.get("/consent").await;
    assert!(
        html.contains("revoke"),
        "the history keeps the revocation: {html}"
    );

    // A clerk sees the consents but cannot change them.
    let clerk = Web::sign_in(&f, &f.clerk, 0).await;
    let (status, html) = clerk.get("/consent").await;
    assert_eq!(status, 200);
    assert!(!html.contains("action=\"/consent/grant\""), "{html}");
    let (status, html) = clerk
        .post(
            "/consent/grant",
            &[("document", "addendum-2021-12-03"), ("approved_by", "x")],
        )
        .await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("T1-9-1"), "{html}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t1_9_1_an_admin_adds_a_user_and_a_tablet_and_a_clerk_cannot() {
    let mut f = start().await;
    let admin = Web::sign_in(&f, &f.admin, 0).await;
    let (status, html) = admin.get("/users").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(">clerk<") && html.contains("tablet 1"),
        "{html}"
    );
    let (status, html) = admin
        .post(
            "/users",
            &[
                ("login", "new.clerk"),
                ("role", "clerk"),
                ("password", "another long passphrase 9"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("new.clerk TOTP"),
        "the secret is shown once: {html}"
    );
    let (status, _) = admin
        .post("/users/disable", &[("login", "new.clerk")])
        .await;
    assert_eq!(status, 303);
    let (status, html) = admin.post("/devices", &[("name", "受付タブレット")]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("token"), "{html}");

    let clerk = Web::sign_in(&f, &f.clerk, 0).await;
    let (status, html) = clerk.get("/users").await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("T1-9-1"), "{html}");
    let (status, _) = clerk
        .post(
            "/users",
            &[
                ("login", "x.y"),
                ("role", "admin"),
                ("password", "another long passphrase 9"),
            ],
        )
        .await;
    assert_eq!(status, 403);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t1_10_the_operator_stops_and_resumes_a_function_rotates_a_key_and_issues_a_code() {
    let mut f = start().await;
    let ops = Web::sign_in(&f, &f.operator, 0).await;
    let (status, html) = ops.get("/operator").await;
    assert_eq!(status, 200, "{html}");
    let (status, _) = ops
        .post("/operator/stop", &[("function", "import"), ("reason", "")])
        .await;
    assert_eq!(status, 400, "a stop needs a reason");
    let (status, _) = ops
        .post(
            "/operator/stop",
            &[("function", "import"), ("reason", "不正アクセスの疑い")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, html) = ops.get("/operator").await;
    assert!(html.contains("不正アクセスの疑い"), "{html}");

    // While stopped, a clerk's upload is answered by the stop page citing T1-10.
    let clerk = Web::sign_in(&f, &f.clerk, 0).await;
    let (status, html) = clerk
        .upload(&clerk.csrf, &crate::support::file("131016", 1))
        .await;
    assert_eq!(status, 503, "{html}");
    assert!(html.contains("T1-10"), "{html}");

    let (status, _) = ops
        .post("/operator/resume", &[("function", "import")])
        .await;
    assert_eq!(status, 303);
    let (_, html) = ops.get("/operator").await;
    assert!(!html.contains("不正アクセスの疑い"), "{html}");
    let (status, _) = clerk
        .upload(&clerk.csrf, &crate::support::file("131016", 1))
        .await;
    assert_eq!(status, 200);

    let (status, html) = ops
        .post("/operator/rotate-key", &[("municipality", "131016")])
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<code>"), "{html}");
    let (status, html) = ops
        .post("/operator/enrolment", &[("municipality", "011002")])
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("011002"), "{html}");

    // A municipality's admin is no operator.
    let admin = Web::sign_in(&f, &f.admin, 0).await;
    let (status, html) = admin
        .post("/operator/stop", &[("function", "all"), ("reason", "test")])
        .await;
    assert_eq!(status, 403, "{html}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s_3_3_an_admin_searches_the_audit_log_of_its_own_area_only() {
    let mut f = start().await;
    let clerk = Web::sign_in(&f, &f.clerk, 0).await;
    let (status, _) = clerk.get("/residents/A2").await;
    assert_eq!(status, 200);
    let admin = Web::sign_in(&f, &f.admin, 0).await;
    let (status, html) = admin.get("/audit?action=read_resident").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("read_resident"), "{html}");
    assert!(html.contains("clerk"), "the actor is shown: {html}");
    assert!(!html.contains("011002"), "another area's events: {html}");
    let (status, _) = admin.get("/audit?action=%3Cscript%3E").await;
    assert_eq!(status, 400);
    let (status, html) = clerk.get("/audit").await;
    assert_eq!(status, 403, "{html}");
    f.stop().await;
}
