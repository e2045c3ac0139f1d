//! T1-9-1, M-4-2, S-3-3: users, sessions, devices, enrolment, lockout, the role
//! rule and the audit actor, on a clock the tests move.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, FixedOffset};
use vrs::consent::DocumentId;
use vrs::domain::{Actor, Login, Role};
use vrs::{
    AccountError, AlertKind, AlertOptions, Answer, AuthFailure, Caller, Clock, Lookup, StoreError,
    UserSpec, Vrs, VrsError,
};

use crate::support::{clock, consent, file, my_number};

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

const PASSWORD: &str = "correct horse battery staple";

fn client() -> IpAddr {
    "192.0.2.7".parse().unwrap()
}

fn p(s: &str) -> vrs::Principal {
    s.parse().unwrap()
}

fn login(s: &str) -> Login {
    s.parse().unwrap()
}

/// A fresh instance on a movable clock where 131016 and 011002 consent to the terms.
fn fresh() -> (tempfile::TempDir, Vrs, TestClock) {
    let dir = tempfile::tempdir().unwrap();
    Vrs::init(dir.path(), None, &clock()).unwrap();
    let c = TestClock(Arc::new(Mutex::new(clock().0)));
    let mut vrs = Vrs::open(dir.path(), Box::new(c.clone())).unwrap();
    for m in ["131016", "011002"] {
        consent(&mut vrs, m, DocumentId::Terms20211203);
    }
    (dir, vrs, c)
}

#[track_caller]
fn done<T>(a: Answer<T>) -> T {
    match a {
        Answer::Done(t) => t,
        Answer::Refused(r) => panic!("refused: {r}"),
    }
}

#[track_caller]
fn refused<T: std::fmt::Debug>(a: Answer<T>) -> Vec<&'static str> {
    match a {
        Answer::Refused(r) => r.provisions(),
        Answer::Done(t) => panic!("allowed: {t:?}"),
    }
}

/// Adds a user of `manager`'s area; returns its TOTP secret (decoded), if any.
#[track_caller]
fn add(vrs: &mut Vrs, manager: &str, name: &str, role: Role, handler: bool) -> Option<Vec<u8>> {
    let created = done(
        vrs.add_user(
            p(manager),
            UserSpec {
                principal: None,
                login: &login(name),
                role,
                my_number_handler: handler,
                password: PASSWORD,
            },
        )
        .unwrap(),
    );
    assert_eq!(created.login.as_str(), name);
    assert_eq!(created.role, role);
    created.totp_secret.map(|s| {
        data_encoding::BASE32_NOPAD
            .decode(s.as_bytes())
            .expect("base32 secret")
    })
}

fn code(secret: &[u8], vrs: &Vrs, delta_steps: i64) -> String {
    let step = vrs.now().timestamp().div_euclid(vrs::TOTP_STEP) + delta_steps;
    vrs::totp_code(secret, step, vrs::TOTP_DIGITS)
}

#[track_caller]
fn sign_in(vrs: &mut Vrs, name: &str, secret: Option<&[u8]>) -> vrs::Session {
    let totp = secret.map(|s| code(s, vrs, 0));
    vrs.login(name, PASSWORD, totp.as_deref(), client())
        .unwrap()
        .unwrap_or_else(|_| panic!("{name} could not sign in"))
}

/// The reasons of the failed `login` events, oldest first.
fn login_failures(vrs: &Vrs) -> Vec<String> {
    vrs.audit_search(None, Some("login"), None, 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.outcome == "failed")
        .map(|e| e.detail["reason"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn t1_9_1_a_clerk_signs_in_with_password_and_totp_and_its_session_names_its_principal_and_role() {
    let (_dir, mut vrs, _clock) = fresh();
    let secret = add(&mut vrs, "municipality:131016", "clerk1", Role::Clerk, true).unwrap();
    assert_eq!(secret.len(), 20, "a 160-bit TOTP secret");
    let session = sign_in(&mut vrs, "clerk1", Some(&secret));
    assert_eq!(session.principal, p("municipality:131016"));
    assert_eq!(session.expires_at, vrs.now() + Duration::hours(8));
    assert!(session.token.starts_with("vrss_") && session.token.len() == 5 + 64);
    let caller = vrs.authenticate(&session.token, client()).unwrap().unwrap();
    assert_eq!(
        caller,
        Caller {
            principal: p("municipality:131016"),
            actor: Actor::User {
                login: login("clerk1")
            },
            role: Some(Role::Clerk),
            my_number_handler: true,
        }
    );
    let ok = vrs.audit_search(None, Some("login"), None, 10).unwrap();
    let last = ok.last().unwrap();
    assert_eq!(
        (last.outcome.as_str(), last.actor.as_deref()),
        ("done", Some("user:clerk1"))
    );
    assert_eq!(last.detail["client"], "192.0.2.7");
    assert_eq!(last.municipality.as_deref(), Some("131016"));
    // The token itself is stored nowhere: not in the audit log.
    let everything =
        serde_json::to_string(&vrs.audit_search(None, None, None, 1000).unwrap()).unwrap();
    assert!(!everything.contains(&session.token[5..]));
}

#[test]
fn every_failure_gets_the_same_answer_and_only_the_audit_log_says_why() {
    let (_dir, mut vrs, _clock) = fresh();
    let secret = add(
        &mut vrs,
        "municipality:131016",
        "admin1",
        Role::Admin,
        false,
    )
    .unwrap();
    let good = code(&secret, &vrs, 0);
    let attempts: [(&str, &str, Option<&str>); 5] = [
        ("admin1", "wrong password here", Some(&good)),
        ("admin1", PASSWORD, None),
        ("admin1", PASSWORD, Some("000000")),
        ("nobody", PASSWORD, Some(&good)),
        ("bad login!", PASSWORD, Some(&good)),
    ];
    for (name, password, totp) in attempts {
        let got = vrs.login(name, password, totp, client()).unwrap();
        assert_eq!(got.err(), Some(AuthFailure), "{name} {password} {totp:?}");
    }
    assert_eq!(
        login_failures(&vrs),
        [
            "bad_password",
            "totp_missing",
            "bad_totp",
            "unknown_login",
            "malformed_login"
        ]
    );
}

#[test]
fn totp_is_required_for_admins_and_clerks_and_optional_for_viewers() {
    let (_dir, mut vrs, _clock) = fresh();
    let clerk = add(&mut vrs, "municipality:131016", "c", Role::Clerk, false).unwrap();
    assert!(add(&mut vrs, "municipality:131016", "v", Role::Viewer, false).is_none());
    assert!(vrs.login("c", PASSWORD, None, client()).unwrap().is_err());
    assert!(vrs.login("v", PASSWORD, None, client()).unwrap().is_ok());
    // One step either side of now is accepted (RFC 6238 drift), two are not.
    assert!(vrs
        .login("c", PASSWORD, Some(&code(&clerk, &vrs, 2)), client())
        .unwrap()
        .is_err());
    assert!(vrs
        .login("c", PASSWORD, Some(&code(&clerk, &vrs, -1)), client())
        .unwrap()
        .is_ok());
}

#[test]
fn a_totp_code_is_used_once() {
    let (_dir, mut vrs, _clock) = fresh();
    let secret = add(&mut vrs, "municipality:131016", "c", Role::Clerk, false).unwrap();
    let once = code(&secret, &vrs, 0);
    assert!(vrs
        .login("c", PASSWORD, Some(&once), client())
        .unwrap()
        .is_ok());
    assert!(vrs
        .login("c", PASSWORD, Some(&once), client())
        .unwrap()
        .is_err());
    assert_eq!(login_failures(&vrs), ["totp_replayed"]);
}

#[test]
fn five_failures_lock_the_account_for_fifteen_minutes_without_changing_the_answer() {
    let (_dir, mut vrs, clock) = fresh();
    let secret = add(&mut vrs, "municipality:131016", "c", Role::Clerk, false).unwrap();
    for _ in 0..5 {
        assert!(vrs
            .login("c", "wrong wrong wrong", None, client())
            .unwrap()
            .is_err());
    }
    let lockouts = vrs.audit_search(None, Some("lockout"), None, 10).unwrap();
    assert_eq!(lockouts.len(), 1);
    assert_eq!(lockouts[0].detail["login"], "c");
    assert_eq!(lockouts[0].detail["client"], "192.0.2.7");
    // The right password and code now fail the same way as a wrong one.
    clock.advance(Duration::minutes(14));
    let totp = code(&secret, &vrs, 0);
    assert_eq!(
        vrs.login("c", PASSWORD, Some(&totp), client())
            .unwrap()
            .err(),
        Some(AuthFailure)
    );
    assert_eq!(login_failures(&vrs).last().unwrap(), "locked");
    clock.advance(Duration::minutes(1));
    sign_in(&mut vrs, "c", Some(&secret));
    // A success resets the count: four more failures do not lock.
    clock.advance(Duration::minutes(1));
    for _ in 0..4 {
        assert!(vrs
            .login("c", "wrong wrong wrong", None, client())
            .unwrap()
            .is_err());
    }
    clock.advance(Duration::minutes(1));
    sign_in(&mut vrs, "c", Some(&secret));
    assert_eq!(
        vrs.audit_search(None, Some("lockout"), None, 10)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn sessions_end_after_thirty_idle_minutes_after_eight_hours_and_at_logout() {
    let (_dir, mut vrs, clock) = fresh();
    add(&mut vrs, "municipality:131016", "v", Role::Viewer, false);
    // Idle: used at 29 minutes it lives on; 30 minutes after its last use it is over.
    let s = sign_in(&mut vrs, "v", None);
    clock.advance(Duration::minutes(29));
    assert!(vrs.authenticate(&s.token, client()).unwrap().is_ok());
    clock.advance(Duration::minutes(29));
    assert!(vrs.authenticate(&s.token, client()).unwrap().is_ok());
    clock.advance(Duration::minutes(30));
    assert!(vrs.authenticate(&s.token, client()).unwrap().is_err());
    // Absolute: used every 20 minutes, it still ends 8 hours after login.
    let s = sign_in(&mut vrs, "v", None);
    for _ in 0..23 {
        clock.advance(Duration::minutes(20));
        assert!(vrs.authenticate(&s.token, client()).unwrap().is_ok());
    }
    clock.advance(Duration::minutes(20));
    assert!(vrs.authenticate(&s.token, client()).unwrap().is_err());
    // Logout revokes at once, and is audited.
    let s = sign_in(&mut vrs, "v", None);
    assert!(vrs.logout(&s.token, client()).unwrap());
    assert!(vrs.authenticate(&s.token, client()).unwrap().is_err());
    assert!(!vrs.logout(&s.token, client()).unwrap());
    let logouts = vrs.audit_search(None, Some("logout"), None, 10).unwrap();
    assert_eq!(logouts.len(), 1);
    assert_eq!(logouts[0].actor.as_deref(), Some("user:v"));
    let reasons: Vec<_> = vrs
        .audit_search(None, Some("authenticate"), None, 10)
        .unwrap()
        .into_iter()
        .map(|e| e.detail["reason"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        reasons,
        [
            "session_idle",
            "session_expired",
            "session_ended",
            "session_ended"
        ]
    );
}

#[test]
fn t1_9_1_a_disabled_user_cannot_sign_in_and_its_sessions_end() {
    let (_dir, mut vrs, _clock) = fresh();
    add(&mut vrs, "municipality:131016", "v", Role::Viewer, false);
    let s = sign_in(&mut vrs, "v", None);
    let rec = done(
        vrs.disable_user(p("municipality:131016"), &login("v"))
            .unwrap(),
    );
    assert!(rec.disabled);
    assert!(vrs.authenticate(&s.token, client()).unwrap().is_err());
    assert!(vrs.login("v", PASSWORD, None, client()).unwrap().is_err());
    assert_eq!(login_failures(&vrs), ["disabled"]);
    // Another municipality does not even see the user.
    let err = vrs
        .disable_user(p("municipality:011002"), &login("v"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            VrsError::Store(StoreError::Account(AccountError::NoSuchUser { .. }))
        ),
        "{err:?}"
    );
}

#[test]
fn t1_9_1_a_reset_password_unlocks_gives_a_new_totp_secret_and_ends_sessions() {
    let (_dir, mut vrs, _clock) = fresh();
    let old = add(&mut vrs, "municipality:131016", "c", Role::Clerk, false).unwrap();
    let s = sign_in(&mut vrs, "c", Some(&old));
    for _ in 0..5 {
        assert!(vrs
            .login("c", "wrong wrong wrong", None, client())
            .unwrap()
            .is_err());
    }
    let new_password = "another long passphrase";
    let reset = done(
        vrs.reset_password(p("municipality:131016"), &login("c"), new_password)
            .unwrap(),
    );
    let secret = data_encoding::BASE32_NOPAD
        .decode(reset.totp_secret.unwrap().as_bytes())
        .unwrap();
    assert_ne!(secret, old);
    assert!(vrs.authenticate(&s.token, client()).unwrap().is_err());
    let totp = code(&secret, &vrs, 0);
    assert!(vrs
        .login("c", new_password, Some(&totp), client())
        .unwrap()
        .is_ok());
}

#[test]
fn t1_9_1_each_municipality_manages_its_own_users_and_the_operator_those_without_an_area() {
    let (_dir, mut vrs, _clock) = fresh();
    let spec = |principal: &str, name: &'static str| (Some(p(principal)), login(name));
    for (manager, (user_principal, name), want) in [
        (
            "municipality:131016",
            spec("municipality:131016", "a"),
            None,
        ),
        (
            "municipality:131016",
            spec("municipality:011002", "b"),
            Some(vec!["T1-9-1"]),
        ),
        ("operator", spec("national", "c"), None),
        ("operator", spec("prefecture:13", "d"), None),
        ("operator", spec("operator", "e"), None),
        (
            "operator",
            spec("municipality:131016", "f"),
            Some(vec!["T1-9-1"]),
        ),
        ("national", spec("national", "g"), Some(vec!["T1-9-1"])),
        (
            "site:131016",
            spec("municipality:131016", "h"),
            Some(vec!["T1-9-1"]),
        ),
    ] {
        let got = vrs
            .add_user(
                p(manager),
                UserSpec {
                    principal: user_principal,
                    login: &name,
                    role: Role::Viewer,
                    my_number_handler: false,
                    password: PASSWORD,
                },
            )
            .unwrap();
        match (got, want) {
            (Answer::Done(u), None) => assert_eq!(Some(u.principal), user_principal),
            (Answer::Refused(r), Some(w)) => assert_eq!(r.provisions(), w, "{manager} {name}"),
            (other, w) => panic!("{manager} adding {name}: {other:?}, want {w:?}"),
        }
    }
    let listed: Vec<String> = done(vrs.list_users(p("operator")).unwrap())
        .into_iter()
        .map(|u| u.login.to_string())
        .collect();
    assert_eq!(listed, ["c", "d", "e"]);
    let listed = done(vrs.list_users(p("municipality:131016")).unwrap());
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].login.as_str(), "a");
    assert!(done(vrs.list_users(p("municipality:011002")).unwrap()).is_empty());
}

#[test]
fn bad_account_input_is_an_error_naming_the_field() {
    let (_dir, mut vrs, _clock) = fresh();
    add(
        &mut vrs,
        "municipality:131016",
        "taken",
        Role::Viewer,
        false,
    );
    for (name, password, principal, want) in [
        ("taken", PASSWORD, None, "login: taken is already taken"),
        (
            "short",
            "too short",
            None,
            "password: shorter than 12 characters",
        ),
        (
            "site",
            PASSWORD,
            Some(p("site:131016")),
            "principal: site:131016 cannot be a user's principal: a vaccination site acts \
             through its registered devices",
        ),
    ] {
        let err = vrs
            .add_user(
                p("municipality:131016"),
                UserSpec {
                    principal,
                    login: &login(name),
                    role: Role::Viewer,
                    my_number_handler: false,
                    password,
                },
            )
            .unwrap_err();
        assert_eq!(err.to_string(), want, "{name}");
    }
}

#[test]
fn t1_9_2_a_device_acts_as_its_site_until_its_municipality_revokes_it() {
    let (_dir, mut vrs, _clock) = fresh();
    let chiyoda = p("municipality:131016");
    let dev = done(
        vrs.add_device(chiyoda, "131016".parse().unwrap(), "venue tablet 1")
            .unwrap(),
    );
    assert!(dev.token.starts_with("vrsd_"));
    let caller = vrs.authenticate(&dev.token, client()).unwrap().unwrap();
    assert_eq!(caller.principal, p("site:131016"));
    assert_eq!(caller.actor, Actor::Device { id: dev.device });
    assert_eq!(caller.role, None);
    // Another municipality can neither register a tablet for this site nor revoke one.
    assert_eq!(
        refused(
            vrs.add_device(p("municipality:011002"), "131016".parse().unwrap(), "x")
                .unwrap()
        ),
        ["T1-9-1"]
    );
    let err = vrs
        .revoke_device(p("municipality:011002"), dev.device)
        .unwrap_err();
    assert!(err.to_string().contains("no device"), "{err}");
    assert!(vrs.authenticate(&dev.token, client()).unwrap().is_ok());
    let rec = done(vrs.revoke_device(chiyoda, dev.device).unwrap());
    assert!(rec.revoked_at.is_some());
    assert_eq!(
        vrs.authenticate(&dev.token, client()).unwrap(),
        Err(AuthFailure)
    );
    let listed = done(vrs.list_devices(chiyoda).unwrap());
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "venue tablet 1");
    assert!(listed[0].revoked_at.is_some());
}

#[test]
fn t1_9_1_the_operator_hands_out_a_one_time_enrolment_code_for_the_first_admin() {
    let (_dir, mut vrs, clock) = fresh();
    let chiyoda = "131016".parse().unwrap();
    assert_eq!(
        refused(
            vrs.issue_enrolment(p("municipality:131016"), chiyoda)
                .unwrap()
        ),
        ["T1-9-1"]
    );
    let code = done(vrs.issue_enrolment(p("operator"), chiyoda).unwrap());
    assert_eq!(code.expires_at, vrs.now() + Duration::hours(72));
    let enrolled = vrs
        .enroll(&code.code, &login("first.admin"), PASSWORD, client())
        .unwrap()
        .unwrap();
    let secret = data_encoding::BASE32_NOPAD
        .decode(enrolled.totp_secret.as_bytes())
        .unwrap();
    let s = sign_in(&mut vrs, "first.admin", Some(&secret));
    assert_eq!(s.principal, p("municipality:131016"));
    let caller = vrs.authenticate(&s.token, client()).unwrap().unwrap();
    assert_eq!(caller.role, Some(Role::Admin));
    // Single use.
    assert!(vrs
        .enroll(&code.code, &login("second"), PASSWORD, client())
        .unwrap()
        .is_err());
    // Expired after 72 hours.
    let late = done(vrs.issue_enrolment(p("operator"), chiyoda).unwrap());
    clock.advance(Duration::hours(72));
    assert!(vrs
        .enroll(&late.code, &login("third"), PASSWORD, client())
        .unwrap()
        .is_err());
    let failed = vrs.audit_search(None, Some("enroll"), None, 10).unwrap();
    let outcomes: Vec<_> = failed.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["done", "failed", "failed"]);
    // The code is stored only hashed: not in the audit log either.
    let everything =
        serde_json::to_string(&vrs.audit_search(None, None, None, 1000).unwrap()).unwrap();
    assert!(!everything.contains(&code.code[5..]));
}

#[test]
fn m_4_2_and_t1_9_1_the_callers_role_and_handler_mark_decide_with_the_principal() {
    let (_dir, mut vrs, _clock) = fresh();
    let chiyoda = p("municipality:131016");
    let user = |role, handler| Caller {
        principal: chiyoda,
        actor: Actor::User { login: login("u") },
        role: Some(role),
        my_number_handler: handler,
    };
    let csv = file("131016", 3);
    let r = vrs
        .with_caller(user(Role::Clerk, false), |vrs| {
            vrs.import_residents(chiyoda, csv.as_bytes(), None, false)
        })
        .unwrap();
    assert_eq!(refused(r), ["M-4-2"]);
    let r = vrs
        .with_caller(user(Role::Admin, true), |vrs| {
            vrs.import_residents(chiyoda, csv.as_bytes(), None, false)
        })
        .unwrap();
    assert_eq!(refused(r), ["T1-9-1"]);
    let r = vrs
        .with_caller(user(Role::Clerk, true), |vrs| {
            vrs.import_residents(chiyoda, csv.as_bytes(), None, false)
        })
        .unwrap();
    assert_eq!(done(r).imported, 3);
    // Not a handler: by address number yes, by My Number no.
    vrs.with_caller(user(Role::Clerk, false), |vrs| {
        let by_address = Lookup::AddressNumber("A1".parse().unwrap());
        assert!(done(vrs.find_resident(chiyoda, None, &by_address).unwrap()).is_some());
        let n = my_number(1 + 131016 * 1000).parse().unwrap();
        assert_eq!(
            refused(
                vrs.find_resident(chiyoda, None, &Lookup::MyNumber(n))
                    .unwrap()
            ),
            ["M-4-2"]
        );
        // A clerk of 131016 is refused 011002's data on the partition rule.
        assert_eq!(
            refused(
                vrs.count_residents(chiyoda, Some("011002".parse().unwrap()))
                    .unwrap()
            ),
            ["T1-4-3", "S-1-3-2"]
        );
        Ok(())
    })
    .unwrap();
    vrs.with_caller(user(Role::Viewer, false), |vrs| {
        // A viewer sees statistics only.
        assert_eq!(
            refused(vrs.count_residents(chiyoda, None).unwrap()),
            ["T1-9-1"]
        );
        // The caller's credentials decide the principal: asking for another is a bug.
        let err = vrs
            .count_residents(p("municipality:011002"), None)
            .unwrap_err();
        assert!(matches!(err, VrsError::CallerMismatch { .. }), "{err:?}");
        Ok(())
    })
    .unwrap();
    // Every event records the actor; the chain still verifies.
    let last = vrs.audit_search(None, None, None, 1).unwrap();
    assert_eq!(last[0].actor.as_deref(), Some("user:u"));
    assert!(vrs.audit_verify().unwrap().valid);
}

#[test]
fn the_local_administrator_is_recorded_as_its_os_user_and_has_no_role_restriction() {
    let (_dir, mut vrs, _clock) = fresh();
    let chiyoda = p("municipality:131016");
    vrs.set_local_administrator("vrsadmin").unwrap();
    let csv = file("131016", 2);
    done(
        vrs.import_residents(chiyoda, csv.as_bytes(), None, false)
            .unwrap(),
    );
    let events = vrs
        .audit_search(None, Some("import_residents"), None, 10)
        .unwrap();
    assert_eq!(events[0].actor.as_deref(), Some("os:vrsadmin"));
    // ... acting as any principal it names.
    let sapporo = p("municipality:011002");
    done(vrs.count_residents(sapporo, None).unwrap());
    // ... acting as any principal it names.
    let sapporo = p("municipality:011002");
    done(vrs.count_residents(sapporo, None).unwrap());
    let last = vrs.audit_search(None, None, None, 1).unwrap();
    assert_eq!(last[0].actor.as_deref(), Some("os:vrsadmin"));
    // Events written before a caller was set have none, and all verify.
    let first = vrs.audit_search(None, Some("init"), None, 1).unwrap();
    assert_eq!(first[0].actor, None);
    assert!(vrs.audit_verify().unwrap().valid);
}

#[test]
fn with_caller_restores_the_previous_caller_and_actor_even_when_the_use_case_fails() {
    let (_dir, mut vrs, _clock) = fresh();
    let chiyoda = p("municipality:131016");
    vrs.set_local_administrator("ops").unwrap();
    let clerk = Caller {
        principal: chiyoda,
        actor: Actor::User {
            login: login("clerk"),
        },
        role: Some(Role::Clerk),
        my_number_handler: false,
    };
    let n = vrs
        .with_caller(clerk.clone(), |vrs| {
            assert_eq!(vrs.caller(), Some(&clerk));
            vrs.count_residents(chiyoda, None)
        })
        .unwrap();
    assert_eq!(done(n), 0);
    let err = vrs
        .with_caller(clerk, |vrs| {
            vrs.count_residents(p("municipality:011002"), None)
        })
        .unwrap_err();
    assert!(matches!(err, VrsError::CallerMismatch { .. }), "{err:?}");
    assert_eq!(vrs.caller(), None);
    done(vrs.count_residents(p("municipality:011002"), None).unwrap());
    let actors: Vec<Option<String>> = vrs
        .audit_search(None, Some("count_residents"), None, 10)
        .unwrap()
        .into_iter()
        .map(|e| e.actor)
        .collect();
    assert_eq!(
        actors,
        [Some("user:clerk".to_owned()), Some("os:ops".to_owned())]
    );
}

#[test]
fn an_edited_actor_breaks_the_audit_chain() {
    let (dir, mut vrs, _clock) = fresh();
    let chiyoda = p("municipality:131016");
    vrs.set_local_administrator("alice").unwrap();
    done(vrs.count_residents(chiyoda, None).unwrap());
    let seq = vrs.audit_search(None, None, None, 1).unwrap()[0].seq;
    drop(vrs);
    let conn = rusqlite::Connection::open(dir.path().join("vrs.sqlite")).unwrap();
    conn.execute_batch("DROP TRIGGER audit_log_no_update")
        .unwrap();
    conn.execute(
        "UPDATE audit_log SET actor = 'os:mallory' WHERE seq = ?1",
        [seq],
    )
    .unwrap();
    drop(conn);
    let vrs = Vrs::open(dir.path(), Box::new(clock())).unwrap();
    let report = vrs.audit_verify().unwrap();
    assert_eq!((report.valid, report.first_bad_seq), (false, Some(seq)));
}

#[test]
fn s_3_3_alerts_show_bursts_of_failures_per_account_and_address_and_cross_partition_attempts() {
    let (_dir, mut vrs, clock) = fresh();
    add(&mut vrs, "municipality:131016", "v", Role::Viewer, false);
    for _ in 0..10 {
        clock.advance(Duration::seconds(30));
        assert!(vrs
            .login("v", "wrong wrong wrong", None, client())
            .unwrap()
            .is_err());
    }
    let other: IpAddr = "198.51.100.1".parse().unwrap();
    for i in 0..9 {
        assert!(vrs
            .login(&format!("guess{i}"), "x", None, other)
            .unwrap()
            .is_err());
    }
    let chiyoda = p("municipality:131016");
    for _ in 0..3 {
        refused(
            vrs.count_residents(chiyoda, Some("011002".parse().unwrap()))
                .unwrap(),
        );
    }
    assert_eq!(
        refused(vrs.alerts(chiyoda, AlertOptions::default()).unwrap()),
        ["S-3-3"]
    );
    let alerts = done(vrs.alerts(p("operator"), AlertOptions::default()).unwrap()).alerts;
    let got: Vec<_> = alerts
        .iter()
        .map(|a| (a.kind, a.key.as_str(), a.count))
        .collect();
    assert_eq!(
        got,
        [
            (AlertKind::FailuresPerAccount, "v", 10),
            (AlertKind::FailuresPerAddress, "192.0.2.7", 10),
            (AlertKind::CrossPartition, "municipality:131016", 3),
        ]
    );
    // Raising the threshold hides them; lowering shows the second address too.
    let quiet = AlertOptions {
        failures: 11,
        cross_partition: 4,
        ..AlertOptions::default()
    };
    assert!(done(vrs.alerts(p("operator"), quiet).unwrap())
        .alerts
        .is_empty());
    let loud = AlertOptions {
        failures: 9,
        ..AlertOptions::default()
    };
    let keys: Vec<String> = done(vrs.alerts(p("operator"), loud).unwrap())
        .alerts
        .into_iter()
        .filter(|a| a.kind == AlertKind::FailuresPerAddress)
        .map(|a| a.key)
        .collect();
    assert_eq!(keys, ["192.0.2.7", "198.51.100.1"]);
}
