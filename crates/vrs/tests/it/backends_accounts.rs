//! The accounts part of the one facade suite (`both!`): users, logins and
//! lockout, sessions, devices, enrolment codes and the app's single-use
//! challenges, with the same assertions on SQLite and on PostgreSQL.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, FixedOffset};
use vrs::consent::DocumentId;
use vrs::domain::{Actor, Login, Role};
use vrs::identity::card::mint::{CardSpec, TestCardIssuer};
use vrs::identity::{CardVerifier, TrustAnchors};
use vrs::{
    AccountError, Answer, AppApplication, AuthFailure, Clock, StoreError, UserSpec, Vrs, VrsError,
};

use crate::backends::{both, fresh_on_clock, Backend};
use crate::support::{clock, consent};

const PASSWORD: &str = "correct horse battery staple";

/// A clock the test moves forward.
#[derive(Clone)]
struct TestClock(Arc<Mutex<DateTime<FixedOffset>>>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<FixedOffset> {
        *self.0.lock().unwrap()
    }
}

impl TestClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

/// A fresh instance on `backend` and a movable clock, where 131016 and 011002
/// consent to the terms; `None` when PostgreSQL is not available outside CI.
fn fresh(backend: Backend) -> Option<(crate::backends::TestDir, Vrs, TestClock)> {
    let c = TestClock(Arc::new(Mutex::new(clock().0)));
    let (dir, mut vrs) = fresh_on_clock(backend, Box::new(c.clone()))?;
    for m in ["131016", "011002"] {
        consent(&mut vrs, m, DocumentId::Terms20211203);
    }
    Some((dir, vrs, c))
}

fn client() -> IpAddr {
    "192.0.2.7".parse().unwrap()
}

fn p(s: &str) -> vrs::Principal {
    s.parse().unwrap()
}

fn login(s: &str) -> Login {
    s.parse().unwrap()
}

#[track_caller]
fn done<T>(a: Answer<T>) -> T {
    match a {
        Answer::Done(t) => t,
        Answer::Refused(r) => panic!("refused: {r}"),
    }
}

/// Adds a user of `manager`'s area; returns its TOTP secret (decoded), if any.
#[track_caller]
fn add(vrs: &mut Vrs, manager: &str, name: &str, role: Role) -> Option<Vec<u8>> {
    let created = done(
        vrs.add_user(
            p(manager),
            UserSpec {
                principal: None,
                login: &login(name),
                role,
                my_number_handler: false,
                password: PASSWORD,
            },
        )
        .unwrap(),
    );
    assert_eq!(created.login.as_str(), name);
    created.totp_secret.map(|s| {
        data_encoding::BASE32_NOPAD
            .decode(s.as_bytes())
            .expect("base32 secret")
    })
}

fn code(secret: &[u8], vrs: &Vrs) -> String {
    let step = vrs.now().timestamp().div_euclid(vrs::TOTP_STEP);
    vrs::totp_code(secret, step, vrs::TOTP_DIGITS)
}

#[track_caller]
fn sign_in(vrs: &mut Vrs, name: &str, secret: Option<&[u8]>) -> vrs::Session {
    let totp = secret.map(|s| code(s, vrs));
    vrs.login(name, PASSWORD, totp.as_deref(), client())
        .unwrap()
        .unwrap_or_else(|_| panic!("{name} could not sign in"))
}

/// The reasons of the audit events of `action` that failed, oldest first.
fn failures(vrs: &Vrs, action: &str) -> Vec<String> {
    vrs.audit_search(None, Some(action), None, 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.outcome == "failed")
        .map(|e| e.detail["reason"].as_str().unwrap_or("").to_owned())
        .collect()
}

both!(
    users_sign_in_and_five_failures_lock_for_fifteen_minutes,
    each_area_manages_its_own_users_and_a_login_is_unique_in_the_country,
    sessions_end_when_idle_at_logout_and_when_the_user_is_disabled,
    a_revoked_device_is_refused,
    an_enrolment_code_is_used_once,
    an_app_challenge_is_used_once,
);

fn users_sign_in_and_five_failures_lock_for_fifteen_minutes(backend: Backend) {
    let Some((_dir, mut vrs, clock)) = fresh(backend) else {
        return;
    };
    let secret = add(&mut vrs, "municipality:131016", "c", Role::Clerk).unwrap();
    let s = sign_in(&mut vrs, "c", Some(&secret));
    assert_eq!(s.principal, p("municipality:131016"));
    let caller = vrs.authenticate(&s.token, client()).unwrap().unwrap();
    assert_eq!(caller.actor, Actor::User { login: login("c") });
    assert_eq!(caller.role, Some(Role::Clerk));
    clock.advance(Duration::minutes(1));
    for _ in 0..5 {
        assert_eq!(
            vrs.login("c", "wrong wrong wrong", None, client())
                .unwrap()
                .err(),
            Some(AuthFailure)
        );
    }
    let lockouts = vrs.audit_search(None, Some("lockout"), None, 10).unwrap();
    assert_eq!(lockouts.len(), 1);
    assert_eq!(lockouts[0].municipality.as_deref(), Some("131016"));
    // Locked: the right password and code fail like a wrong one.
    clock.advance(Duration::minutes(14));
    let totp = code(&secret, &vrs);
    assert_eq!(
        vrs.login("c", PASSWORD, Some(&totp), client())
            .unwrap()
            .err(),
        Some(AuthFailure)
    );
    clock.advance(Duration::minutes(1));
    sign_in(&mut vrs, "c", Some(&secret));
    // A TOTP code is used once.
    assert!(vrs
        .login("c", PASSWORD, Some(&code(&secret, &vrs)), client())
        .unwrap()
        .is_err());
    assert!(vrs
        .login("nobody", PASSWORD, None, client())
        .unwrap()
        .is_err());
    assert_eq!(
        failures(&vrs, "login"),
        [
            "bad_password",
            "bad_password",
            "bad_password",
            "bad_password",
            "bad_password",
            "locked",
            "totp_replayed",
            "unknown_login"
        ]
    );
    let listed = done(vrs.list_users(p("municipality:131016")).unwrap());
    assert_eq!(listed.len(), 1);
    assert!(listed[0].totp && listed[0].locked_until.is_none());
    assert!(vrs.audit_verify().unwrap().valid);
}

fn each_area_manages_its_own_users_and_a_login_is_unique_in_the_country(backend: Backend) {
    let Some((_dir, mut vrs, _clock)) = fresh(backend) else {
        return;
    };
    add(&mut vrs, "municipality:131016", "chiyoda.v", Role::Viewer);
    add(&mut vrs, "municipality:011002", "sapporo.v", Role::Viewer);
    add(&mut vrs, "operator", "ops", Role::Admin);
    let names = |vrs: &mut Vrs, who: &str| -> Vec<String> {
        done(vrs.list_users(p(who)).unwrap())
            .into_iter()
            .map(|u| u.login.as_str().to_owned())
            .collect()
    };
    assert_eq!(names(&mut vrs, "municipality:131016"), ["chiyoda.v"]);
    assert_eq!(names(&mut vrs, "municipality:011002"), ["sapporo.v"]);
    assert_eq!(names(&mut vrs, "operator"), ["ops"]);
    // A login taken in another area is taken.
    let err = vrs
        .add_user(
            p("municipality:011002"),
            UserSpec {
                principal: None,
                login: &login("chiyoda.v"),
                role: Role::Viewer,
                my_number_handler: false,
                password: PASSWORD,
            },
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            VrsError::Store(StoreError::Account(AccountError::LoginTaken { .. }))
        ),
        "{err:?}"
    );
    // Another municipality does not see the user.
    let err = vrs
        .disable_user(p("municipality:011002"), &login("chiyoda.v"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            VrsError::Store(StoreError::Account(AccountError::NoSuchUser { .. }))
        ),
        "{err:?}"
    );
    // A reset gives a new password; the operator's user signs in as the operator.
    let reset = done(
        vrs.reset_password(
            p("municipality:131016"),
            &login("chiyoda.v"),
            "another long passphrase",
        )
        .unwrap(),
    );
    assert!(reset.totp_secret.is_none(), "a viewer has no TOTP");
    assert!(vrs
        .login("chiyoda.v", "another long passphrase", None, client())
        .unwrap()
        .is_ok());
    assert!(vrs
        .login("chiyoda.v", PASSWORD, None, client())
        .unwrap()
        .is_err());
    assert!(vrs.audit_verify().unwrap().valid);
}

fn sessions_end_when_idle_at_logout_and_when_the_user_is_disabled(backend: Backend) {
    let Some((_dir, mut vrs, clock)) = fresh(backend) else {
        return;
    };
    add(&mut vrs, "municipality:131016", "v", Role::Viewer);
    let s = sign_in(&mut vrs, "v", None);
    clock.advance(Duration::minutes(29));
    assert!(vrs.authenticate(&s.token, client()).unwrap().is_ok());
    clock.advance(Duration::minutes(29));
    assert!(vrs.authenticate(&s.token, client()).unwrap().is_ok());
    clock.advance(Duration::minutes(30));
    assert!(vrs.authenticate(&s.token, client()).unwrap().is_err());
    let s = sign_in(&mut vrs, "v", None);
    assert!(vrs.logout(&s.token, client()).unwrap());
    assert!(vrs.authenticate(&s.token, client()).unwrap().is_err());
    assert!(!vrs.logout(&s.token, client()).unwrap());
    let s = sign_in(&mut vrs, "v", None);
    let rec = done(
        vrs.disable_user(p("municipality:131016"), &login("v"))
            .unwrap(),
    );
    assert!(rec.disabled);
    assert!(vrs.authenticate(&s.token, client()).unwrap().is_err());
    assert!(vrs.login("v", PASSWORD, None, client()).unwrap().is_err());
    assert!(vrs
        .authenticate("vrss_nonsense", client())
        .unwrap()
        .is_err());
    assert_eq!(
        failures(&vrs, "authenticate"),
        [
            "session_idle",
            "session_ended",
            "session_ended",
            "session_ended",
            "unknown_token"
        ]
    );
    assert_eq!(failures(&vrs, "login"), ["disabled"]);
    let logouts = vrs.audit_search(None, Some("logout"), None, 10).unwrap();
    assert_eq!(logouts.len(), 1);
    assert_eq!(logouts[0].actor.as_deref(), Some("user:v"));
    // The token is stored nowhere in the clear.
    let everything =
        serde_json::to_string(&vrs.audit_search(None, None, None, 1000).unwrap()).unwrap();
    assert!(!everything.contains(&s.token[5..]));
    assert!(vrs.audit_verify().unwrap().valid);
}

fn a_revoked_device_is_refused(backend: Backend) {
    let Some((_dir, mut vrs, _clock)) = fresh(backend) else {
        return;
    };
    let chiyoda = p("municipality:131016");
    let dev = done(
        vrs.add_device(chiyoda, "131016".parse().unwrap(), "venue tablet 1")
            .unwrap(),
    );
    let caller = vrs.authenticate(&dev.token, client()).unwrap().unwrap();
    assert_eq!(caller.principal, p("site:131016"));
    assert_eq!(caller.actor, Actor::Device { id: dev.device });
    // Another municipality cannot revoke it.
    let err = vrs
        .revoke_device(p("municipality:011002"), dev.device)
        .unwrap_err();
    assert!(err.to_string().contains("no device"), "{err}");
    assert!(vrs.authenticate(&dev.token, client()).unwrap().is_ok());
    let rec = done(vrs.revoke_device(chiyoda, dev.device).unwrap());
    let first = rec.revoked_at.expect("revoked");
    assert_eq!(
        vrs.authenticate(&dev.token, client()).unwrap(),
        Err(AuthFailure)
    );
    // Revoking again keeps the first time.
    let again = done(vrs.revoke_device(chiyoda, dev.device).unwrap());
    assert_eq!(again.revoked_at, Some(first));
    let listed = done(vrs.list_devices(chiyoda).unwrap());
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "venue tablet 1");
    assert!(done(vrs.list_devices(p("municipality:011002")).unwrap()).is_empty());
    assert_eq!(failures(&vrs, "authenticate"), ["device_revoked"]);
    assert!(vrs.audit_verify().unwrap().valid);
}

fn an_enrolment_code_is_used_once(backend: Backend) {
    let Some((_dir, mut vrs, clock)) = fresh(backend) else {
        return;
    };
    let chiyoda = "131016".parse().unwrap();
    let code = done(vrs.issue_enrolment(p("operator"), chiyoda).unwrap());
    let enrolled = vrs
        .enroll(&code.code, &login("first.admin"), PASSWORD, client())
        .unwrap()
        .unwrap();
    let secret = data_encoding::BASE32_NOPAD
        .decode(enrolled.totp_secret.as_bytes())
        .unwrap();
    let s = sign_in(&mut vrs, "first.admin", Some(&secret));
    assert_eq!(s.principal, p("municipality:131016"));
    assert!(vrs
        .enroll(&code.code, &login("second"), PASSWORD, client())
        .unwrap()
        .is_err());
    let late = done(vrs.issue_enrolment(p("operator"), chiyoda).unwrap());
    clock.advance(Duration::hours(72));
    assert!(vrs
        .enroll(&late.code, &login("third"), PASSWORD, client())
        .unwrap()
        .is_err());
    let outcomes: Vec<_> = vrs
        .audit_search(None, Some("enroll"), None, 10)
        .unwrap()
        .into_iter()
        .map(|e| e.outcome)
        .collect();
    assert_eq!(outcomes, ["done", "failed", "failed"]);
    let listed = done(vrs.list_users(p("municipality:131016")).unwrap());
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].role, Role::Admin);
    assert!(vrs.audit_verify().unwrap().valid);
}

fn cards() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/cards")
}

fn an_app_challenge_is_used_once(backend: Backend) {
    let Some((_dir, mut vrs, _clock)) = fresh(backend) else {
        return;
    };
    let issuer = TestCardIssuer::from_fixture_dir(&cards()).unwrap();
    let mut anchors = TrustAnchors::empty();
    anchors.add(issuer.anchor());
    let verifier = CardVerifier::new(anchors);
    let spec = CardSpec {
        my_number: "537686677188".parse().unwrap(),
        name: "黒桐\u{3000}幹也".parse().unwrap(),
        address: "東京都清瀬市観布子南１２－７－２０２".into(),
        birth_date: "1980-02-17".parse().unwrap(),
        sex: vrs::domain::Sex::Male,
    };
    let apply = |vrs: &mut Vrs, card: &vrs::identity::CardDump| {
        let body =
            serde_json::json!({ "municipality": "131016", "kind": "domestic", "card": card });
        let app = AppApplication::from_json(body.to_string().as_bytes()).unwrap();
        match vrs.apply_app(&app, &verifier).unwrap() {
            Ok(i) => panic!("issued {}", i.certificate_id),
            Err(n) => n.kind,
        }
    };
    let c = vrs.issue_challenge().unwrap().expect("a challenge");
    let live = hex::decode(&c.nonce).unwrap();
    // Never issued here.
    assert_eq!(
        apply(&mut vrs, &issuer.mint_with_nonce(&spec, &[7u8; 32])),
        "unknown_nonce"
    );
    // A card that signed another nonce uses the challenge up all the same.
    let mut wrong = issuer.mint_with_nonce(&spec, &[9u8; 32]);
    wrong.nonce = Some(live.clone());
    assert_eq!(apply(&mut vrs, &wrong), "bad_liveness");
    let good = issuer.mint_with_nonce(&spec, &live);
    assert_eq!(apply(&mut vrs, &good), "replayed_nonce");
    let refused: Vec<_> = vrs
        .audit_search(None, Some("issue_certificate"), None, 10)
        .unwrap()
        .into_iter()
        .map(|e| (e.outcome, e.grounds))
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(refused.iter().all(|(o, _)| o == "refused"), "{refused:?}");
    assert!(vrs.audit_verify().unwrap().valid);
}
