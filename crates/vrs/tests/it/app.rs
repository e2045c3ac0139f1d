//! The app's use cases under a clock the test moves: challenges live 5 minutes and
//! are used once; applications signing them issue certificates that verify against the
//! published JWKS; every other nonce is refused citing P9-1 and P9-3; issuer keys are
//! created only for a municipality that consented to electronic issuance (N-1).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, FixedOffset, TimeZone};
use vrs::certificate::{verify_text, TrustList};
use vrs::consent::{DocumentId, N3_MESSAGE};
use vrs::domain::{parse_dose_date, DoseEntry};
use vrs::identity::card::mint::{CardSpec, TestCardIssuer};
use vrs::identity::{CardDump, CardVerifier, TrustAnchors};
use vrs::{jst, Answer, AppApplication, AppIssued, Clock, NotIssued, Principal, Vrs};

use crate::support::{consent, HEADER};

const KOKUTO: &str =
    "131016,A900000001,537686677188,0000900001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n";

/// A clock the test sets.
#[derive(Clone)]
struct TestClock(Arc<Mutex<DateTime<FixedOffset>>>);

impl TestClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<FixedOffset> {
        *self.0.lock().unwrap()
    }
}

fn cards() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/cards")
}

fn card_issuer() -> TestCardIssuer {
    TestCardIssuer::from_fixture_dir(&cards()).unwrap()
}

/// Trusts the test card CA only: the server's configured card CA keys.
fn verifier() -> CardVerifier {
    let mut anchors = TrustAnchors::empty();
    anchors.add(card_issuer().anchor());
    CardVerifier::new(anchors)
}

fn kokuto() -> CardSpec {
    CardSpec {
        my_number: "537686677188".parse().unwrap(),
        name: "黒桐\u{3000}幹也".parse().unwrap(),
        address: "東京都清瀬市観布子南１２－７－２０２".into(),
        birth_date: "1980-02-17".parse().unwrap(),
        sex: vrs::domain::Sex::Male,
    }
}

/// 千代田区 (consenting to electronic issuance) holds 黒桐 幹也 with two doses; 札幌市
/// consents to the 2021-03 terms only.
fn setup() -> (tempfile::TempDir, Vrs, TestClock) {
    let start = jst().with_ymd_and_hms(2022, 1, 20, 9, 0, 0).unwrap();
    let clock = TestClock(Arc::new(Mutex::new(start)));
    let dir = tempfile::tempdir().unwrap();
    Vrs::init(dir.path(), None, &clock).unwrap();
    let mut vrs = Vrs::open(dir.path(), Box::new(clock.clone())).unwrap();
    consent(&mut vrs, "131016", DocumentId::Terms20211203);
    consent(&mut vrs, "011002", DocumentId::Terms202103);
    let Answer::Done(o) = vrs
        .import_residents(
            "municipality:131016".parse().unwrap(),
            format!("{HEADER}{KOKUTO}").as_bytes(),
            None,
            false,
        )
        .unwrap()
    else {
        panic!("import refused")
    };
    assert!(o.committed, "{:?}", o.errors);
    for (n, date) in [(1u8, "2021-06-01"), (2, "2021-06-22")] {
        let entry = DoseEntry {
            ocr: format!("1{n}1310160000900001").parse().unwrap(),
            product: "comirnaty".parse().unwrap(),
            lot: "FA5765".parse().unwrap(),
            date: parse_dose_date(date).unwrap(),
            venue: None,
            doctor: None,
        };
        let Answer::Done(Ok(_)) = vrs
            .register_dose("site:131016".parse().unwrap(), &entry)
            .unwrap()
        else {
            panic!("dose {n} not registered")
        };
    }
    (dir, vrs, clock)
}

/// A fresh challenge's nonce, as bytes.
fn challenge(vrs: &mut Vrs) -> Vec<u8> {
    let c = vrs.issue_challenge().unwrap().expect("a challenge");
    hex::decode(&c.nonce).unwrap()
}

fn application(m: &str, card: &CardDump) -> AppApplication {
    let body = serde_json::json!({ "municipality": m, "kind": "domestic", "card": card });
    AppApplication::from_json(body.to_string().as_bytes()).unwrap()
}

fn apply(vrs: &mut Vrs, m: &str, card: &CardDump) -> Result<AppIssued, NotIssued> {
    vrs.apply_app(&application(m, card), &verifier()).unwrap()
}

#[track_caller]
fn refused_kind(r: Result<AppIssued, NotIssued>) -> NotIssued {
    match r {
        Ok(i) => panic!("issued {}", i.certificate_id),
        Err(n) => n,
    }
}

#[test]
fn p9_1_a_challenge_is_32_random_bytes_valid_five_minutes() {
    let (_dir, mut vrs, _clock) = setup();
    let a = vrs.issue_challenge().unwrap().unwrap();
    let b = vrs.issue_challenge().unwrap().unwrap();
    assert_eq!(a.nonce.len(), 64, "{a:?}");
    assert!(a.nonce.bytes().all(|c| c.is_ascii_hexdigit()), "{a:?}");
    assert_ne!(a.nonce, b.nonce);
    assert_eq!(a.expires_at, "2022-01-20T09:05:00+09:00");
}

#[test]
fn an_application_signing_a_live_challenge_issues_a_certificate_that_verifies_against_the_published_jwks(
) {
    let (_dir, mut vrs, clock) = setup();
    let nonce = challenge(&mut vrs);
    let card = card_issuer().mint_with_nonce(&kokuto(), &nonce);
    let issued = apply(&mut vrs, "131016", &card).expect("issued");
    assert_eq!(
        (issued.issued, issued.issuer.as_str(), issued.kind.as_str()),
        (true, "131016", "domestic")
    );
    assert_eq!(issued.certificate["shc"]["jws"], issued.jws.as_str());
    assert!(issued.qr.starts_with("shc:/"));
    let json = serde_json::to_string(&issued).unwrap();
    assert!(!json.contains("537686677188"), "no My Number in the answer");

    let m = "131016".parse().unwrap();
    let mut trust = TrustList::new();
    trust.add_jwks(
        vrs.issuer(m).unwrap(),
        vrs.issuer_jwks(m).unwrap().expect("published"),
    );
    let kid = issued.certificate["shc"]["kid"].as_str().unwrap();
    trust.add_crl(vrs.issuer_crl(m, kid).unwrap().expect("its crl"));
    clock.advance(Duration::seconds(1));
    let v = verify_text(&issued.qr, &trust, vrs.now().timestamp() as f64).expect("verifies");
    assert_eq!(v.iss, "https://vrs.example.jp/issuer/131016");
    assert_eq!(v.doses.len(), 2);
}

#[test]
fn p9_3_a_replayed_application_is_refused_and_audited() {
    let (_dir, mut vrs, _clock) = setup();
    let nonce = challenge(&mut vrs);
    let card = card_issuer().mint_with_nonce(&kokuto(), &nonce);
    apply(&mut vrs, "131016", &card).expect("the first application issues");
    let n = refused_kind(apply(&mut vrs, "131016", &card));
    assert_eq!(
        (n.kind.as_str(), n.grounds.clone()),
        ("replayed_nonce", vec!["P9-1".to_owned(), "P9-3".to_owned()])
    );
    let events = vrs
        .audit_search(
            Some("131016".parse().unwrap()),
            Some("issue_certificate"),
            None,
            10,
        )
        .unwrap();
    let last = events.last().expect("audited");
    assert_eq!(last.outcome, "refused");
    assert_eq!(last.grounds, ["P9-1", "P9-3"]);
    assert_eq!(last.actor.as_deref(), Some("app"), "the app acted");
    assert!(vrs.caller().is_none(), "no caller is left behind");
    assert!(vrs.audit_verify().unwrap().valid);
}

#[test]
fn p9_1_a_challenge_is_accepted_until_five_minutes_and_refused_from_then_on() {
    let (_dir, mut vrs, clock) = setup();
    let early = challenge(&mut vrs);
    let late = challenge(&mut vrs);
    clock.advance(Duration::seconds(299));
    let card = card_issuer().mint_with_nonce(&kokuto(), &early);
    apply(&mut vrs, "131016", &card).expect("issued at 4:59");
    clock.advance(Duration::seconds(1));
    let card = card_issuer().mint_with_nonce(&kokuto(), &late);
    let n = refused_kind(apply(&mut vrs, "131016", &card));
    assert_eq!(n.kind, "expired_nonce", "{n:?}");
    assert_eq!(n.grounds, ["P9-1", "P9-3"]);
}

#[test]
fn every_nonce_that_is_not_a_live_challenge_or_not_signed_by_the_card_is_refused() {
    let (_dir, mut vrs, _clock) = setup();
    let issuer = card_issuer();
    // Never issued by this service.
    let unknown = issuer.mint_with_nonce(&kokuto(), &[7u8; 32]);
    // No nonce at all.
    let without = issuer.mint(&kokuto());
    // The card signed another nonce than the one it presents.
    let live = challenge(&mut vrs);
    let mut wrong_signature = issuer.mint_with_nonce(&kokuto(), &[9u8; 32]);
    wrong_signature.nonce = Some(live.clone());
    for (label, card, kind, grounds) in [
        (
            "unknown nonce",
            &unknown,
            "unknown_nonce",
            &["P9-1", "P9-3"][..],
        ),
        ("no nonce", &without, "nonce_missing", &["P9-1", "P9-3"]),
        (
            "wrong signature",
            &wrong_signature,
            "bad_liveness",
            &["P9-1", "V8"],
        ),
    ] {
        let n = refused_kind(apply(&mut vrs, "131016", card));
        assert_eq!(n.kind, kind, "{label}: {n:?}");
        assert_eq!(n.grounds, grounds, "{label}");
    }
    // The wrongly signed application used the challenge up.
    let good = issuer.mint_with_nonce(&kokuto(), &live);
    assert_eq!(
        refused_kind(apply(&mut vrs, "131016", &good)).kind,
        "replayed_nonce"
    );
}

#[test]
fn n_3_an_application_to_a_municipality_without_consent_gets_the_exact_text() {
    let (_dir, mut vrs, _clock) = setup();
    let nonce = challenge(&mut vrs);
    let card = card_issuer().mint_with_nonce(&kokuto(), &nonce);
    let n = refused_kind(apply(&mut vrs, "011002", &card));
    assert_eq!(
        (n.grounds.clone(), n.message.as_str()),
        (vec!["N-3".to_owned()], N3_MESSAGE)
    );
}

#[test]
fn a_card_of_a_ca_the_server_does_not_trust_is_refused() {
    let (_dir, mut vrs, _clock) = setup();
    let nonce = challenge(&mut vrs);
    let card = card_issuer().mint_with_nonce(&kokuto(), &nonce);
    // Only J-LIS's keys, not the test CA that signed this card.
    let jlis_only = CardVerifier::new(TrustAnchors::card_defaults());
    let n = vrs
        .apply_app(&application("131016", &card), &jlis_only)
        .unwrap()
        .unwrap_err();
    assert_eq!(n.kind, "unknown_ca");
}

#[test]
fn application_bodies_are_parsed_strictly_and_bounded() {
    let card = card_issuer().mint_with_nonce(&kokuto(), &[1u8; 32]);
    let mut big = card.clone();
    big.ef0002 = vec![0u8; 5000];
    for (label, body, needle) in [
        (
            "unknown field",
            serde_json::json!({"municipality":"131016","kind":"domestic","card":card,"x":1}),
            "unknown field",
        ),
        (
            "bad kind",
            serde_json::json!({"municipality":"131016","kind":"both","card":card}),
            "unknown variant",
        ),
        (
            "bad municipality",
            serde_json::json!({"municipality":"131017","kind":"domestic","card":card}),
            "check digit",
        ),
        (
            "oversized card file",
            serde_json::json!({"municipality":"131016","kind":"domestic","card":big}),
            "card.ef0002",
        ),
    ] {
        let e = AppApplication::from_json(body.to_string().as_bytes()).unwrap_err();
        assert!(e.contains(needle), "{label}: {e}");
    }
}

#[test]
fn n_1_no_issuer_key_is_created_for_a_municipality_that_has_not_consented_to_electronic_issuance() {
    let (_dir, mut vrs, _clock) = setup();
    let sapporo = "011002".parse().unwrap();
    let Answer::Refused(r) = vrs.jwks(sapporo).unwrap() else {
        panic!("a key was created for 札幌市")
    };
    assert_eq!(r.provisions(), ["N-1"]);
    assert!(
        vrs.issuer_jwks(sapporo).unwrap().is_none(),
        "nothing published"
    );
    assert!(vrs.key_directory().unwrap().issuers.is_empty());

    let chiyoda = "131016".parse().unwrap();
    let Answer::Done(jwks) = vrs.jwks(chiyoda).unwrap() else {
        panic!("refused for 千代田区")
    };
    assert_eq!(jwks.keys.len(), 1);
    assert_eq!(vrs.issuer_jwks(chiyoda).unwrap().unwrap().keys, jwks.keys);
    let kid = &jwks.keys[0].kid;
    assert!(vrs.issuer_crl(chiyoda, kid).unwrap().is_some());
    assert!(
        vrs.issuer_crl(sapporo, kid).unwrap().is_none(),
        "a key is published only under its own issuer"
    );
    // Withdrawing consent keeps the published keys, so issued certificates still verify.
    let who: Principal = "municipality:131016".parse().unwrap();
    let Answer::Done(_) = vrs
        .revoke_consent(who, None, DocumentId::Terms20211203)
        .unwrap()
    else {
        panic!("withdrawal refused")
    };
    let Answer::Done(again) = vrs.jwks(chiyoda).unwrap() else {
        panic!("published keys are refused after a withdrawal")
    };
    assert_eq!(again.keys, jwks.keys);
}

#[test]
fn t1_10_an_application_during_an_emergency_stop_says_so_and_keeps_its_challenge() {
    let (_dir, mut vrs, _clock) = setup();
    let nonce = challenge(&mut vrs);
    let card = card_issuer().mint_with_nonce(&kokuto(), &nonce);
    let e_issuance = vrs::consent::Function::EIssuance;
    let Answer::Done(_) = vrs
        .emergency_stop(Principal::Operator, e_issuance, "maintenance")
        .unwrap()
    else {
        panic!("stop refused")
    };
    let n = refused_kind(apply(&mut vrs, "131016", &card));
    assert!(n.under_emergency_stop(), "{n:?}");
    let Answer::Done(_) = vrs
        .emergency_resume(Principal::Operator, e_issuance)
        .unwrap()
    else {
        panic!("resume refused")
    };
    // Refused by the rules before the nonce was looked at: the challenge is still live.
    apply(&mut vrs, "131016", &card).expect("issued after the resume");
    let n = refused_kind(apply(&mut vrs, "131016", &card));
    assert!(!n.under_emergency_stop(), "a replay is no emergency stop");
}

/// A server checks the card before the writer runs the application: the refusals
/// keep their order all the same (rules, then the challenge, then the card).
#[test]
fn a_card_checked_off_the_writer_is_refused_in_the_same_order() {
    let (_dir, mut vrs, _clock) = setup();
    let issuer = card_issuer();
    let live = challenge(&mut vrs);
    let mut bad = issuer.mint_with_nonce(&kokuto(), &[9u8; 32]);
    bad.nonce = Some(live.clone());
    let checked = |m: &str, card: &CardDump| application(m, card).check_card(&verifier());
    // The rules first: N-3, whatever the card.
    let n = vrs
        .apply_app_checked(checked("011002", &bad))
        .unwrap()
        .unwrap_err();
    assert_eq!(
        (n.grounds, n.message.as_str()),
        (vec!["N-3".to_owned()], N3_MESSAGE)
    );
    // Then the challenge: a nonce never issued, with a card that is itself good.
    let unknown = issuer.mint_with_nonce(&kokuto(), &[7u8; 32]);
    let n = vrs
        .apply_app_checked(checked("131016", &unknown))
        .unwrap()
        .unwrap_err();
    assert_eq!(n.kind, "unknown_nonce");
    // Then the card: the live challenge badly signed is refused, and used up.
    let n = vrs
        .apply_app_checked(checked("131016", &bad))
        .unwrap()
        .unwrap_err();
    assert_eq!(n.kind, "bad_liveness");
    let good = issuer.mint_with_nonce(&kokuto(), &live);
    let n = vrs
        .apply_app_checked(checked("131016", &good))
        .unwrap()
        .unwrap_err();
    assert_eq!(n.kind, "replayed_nonce");
    // And a good card signing a live challenge is issued.
    let fresh = challenge(&mut vrs);
    let good = issuer.mint_with_nonce(&kokuto(), &fresh);
    let issued = vrs
        .apply_app_checked(checked("131016", &good))
        .unwrap()
        .unwrap();
    assert!(issued.qr.starts_with("shc:/"));
}
