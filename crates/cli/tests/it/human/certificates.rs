//! Snapshots of card, passport, apply, certificates and certificate verify for people; completions and manual pages.

use std::path::Path;

use expect_test::expect;

use super::{check, json_has, with_residents, Redact};
use crate::support::{grant, human, init_without_consents, vrs};

#[test]
fn card_and_passport_checks_mask_the_my_number() {
    let dir = init_without_consents();
    let redact = Redact::new(dir.path());
    let ca = crate::fixture("cards/test-ca.json");
    check(
        dir.path(),
        &redact,
        &[
            "card",
            "verify",
            &crate::fixture("cards/valid-yamada-live.json"),
            "--ca-keys",
            &ca,
        ],
        expect![[r#"
            valid: the card data verifies up to a pinned CA key; liveness proof: yes
            name:       山田　花子
            address:    北海道札幌市中央区架空町３－４－５
            birth date: 1992-07-01
            sex:        female
            My Number:  ************ (masked)
            --- exit 0
        "#]],
    );
    check(
        dir.path(),
        &redact,
        &[
            "card",
            "verify",
            &crate::fixture("cards/tampered-bad-signature.json"),
            "--ca-keys",
            &ca,
        ],
        expect![[r#"
            not valid (bad_signature): ef0003: signature does not verify with the key certified in ef0004
            --- exit 1
        "#]],
    );
    json_has(
        dir.path(),
        &[
            "card",
            "verify",
            &crate::fixture("cards/valid-yamada-live.json"),
            "--ca-keys",
            &ca,
        ],
        &["valid", "liveness", "holder"],
    );
    const L1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    const L2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    check(
        dir.path(),
        &redact,
        &["passport", "parse", L1, L2],
        expect![[r#"
            valid: every check digit passes
            surname:         ERIKSSON
            given names:     ANNA MARIA
            passport number: L898902C3
            nationality:     UTO
            issuing state:   UTO
            birth date:      1974-08-12
            sex:             F
            expiry date:     2012-04-15
            --- exit 0
        "#]],
    );
    json_has(
        dir.path(),
        &["passport", "parse", L1, L2],
        &[
            "document_code",
            "surname",
            "given_names",
            "document_number",
            "valid",
            "errors",
            "warnings",
        ],
    );
}

#[test]
fn apply_certificates_and_verify_read_for_people() {
    let (dir, mut redact) = with_residents();
    grant(dir.path(), "131016", "terms-2021-12-03");
    let out = dir.path().join("cert").display().to_string();
    let ca = crate::fixture("cards/test-ca.json");
    let card = crate::fixture("cards/valid-yamada.json");
    let apply = [
        "apply",
        "--municipality",
        "011002",
        "--card",
        &card,
        "--ca-keys",
        &ca,
        "--out",
        &out,
    ];
    check(
        dir.path(),
        &redact,
        &apply,
        expect![[r#"
            --- stderr
            refused: A10-4-5 (別紙10 4-5) (no_record): 札幌市 holds no vaccination record for this person
            --- exit 1
        "#]],
    );
    json_has(dir.path(), &apply, &["issued", "refusal"]);
    let file = crate::support::write_file(
        dir.path(),
        "k.csv",
        &format!(
            "{}131016,A900000001,537686677188,0000900001,黒桐　幹也,コクトウ　ミキヤ,1980-02-17,1\n",
            crate::support::HEADER
        ),
    );
    let r = vrs(
        dir.path(),
        &["residents", "import", "--as", "municipality:131016", &file],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    for (ocr, date) in [
        ("111310160000900001", "2021-06-01"),
        ("121310160000900001", "2021-06-22"),
    ] {
        let r = vrs(
            dir.path(),
            &[
                "doses",
                "register",
                "--as",
                "site:131016",
                "--ocr-line",
                ocr,
                "--vaccine",
                "comirnaty",
                "--lot",
                "FA5765",
                "--date",
                date,
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stdout);
    }
    let kokuto = crate::fixture("cards/valid-kokuto.json");
    let issue = [
        "apply",
        "--municipality",
        "131016",
        "--card",
        &kokuto,
        "--ca-keys",
        &ca,
        "--out",
        &out,
    ];
    let issued = json_has(
        dir.path(),
        &issue,
        &["issued", "certificate_id", "issuer", "kind", "files"],
    );
    redact.add(
        issued["certificate_id"].as_str().unwrap(),
        "[CERTIFICATE 1 ................]",
    );
    let jwks = vrs(dir.path(), &["keys", "jwks", "--municipality", "131016"]).json;
    redact.add(
        jwks["keys"][0]["kid"].as_str().unwrap(),
        "[KID OF 131016 ...........................]",
    );
    let out2 = dir.path().join("cert2").display().to_string();
    let mut again = issue;
    again[again.len() - 1] = &out2;
    let second = human(dir.path(), &again);
    assert_eq!(second.code, 0, "{}", second.stderr);
    let second_id = vrs(
        dir.path(),
        &["certificates", "list", "--as", "municipality:131016"],
    )
    .json["certificates"][0]["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    redact.add(&second_id, "[CERTIFICATE 2 ................]");
    expect![[r#"
        issued domestic certificate [CERTIFICATE 2 ................] by 131016 千代田区 (key [KID OF 131016 ...........................])
        name:       黒桐　幹也
        birth date: 1980-02-17
        doses:      2
        wrote [DIR]/cert2/certificate.html
        wrote [DIR]/cert2/certificate.json
        wrote [DIR]/cert2/certificate.png
        wrote [DIR]/cert2/certificate.smart-health-card
        wrote [DIR]/cert2/certificate.svg
        --- exit 0
    "#]]
    .assert_eq(&redact.apply(&second));
    check(
        dir.path(),
        &redact,
        &["certificates", "list", "--as", "municipality:131016"],
        expect![[r#"
            2 certificates issued
            CERTIFICATE                       KIND      NAME        BIRTH DATE  PASSPORT  ISSUED            STATUS
            [CERTIFICATE 2 ................]  domestic  黒桐　幹也  1980-02-17  -         YYYY-MM-DD hh:mm  in force
            [CERTIFICATE 1 ................]  domestic  黒桐　幹也  1980-02-17  -         YYYY-MM-DD hh:mm  in force
            --- exit 0
        "#]],
    );
    json_has(
        dir.path(),
        &["certificates", "list", "--as", "municipality:131016"],
        &["count", "certificates"],
    );
    let example = crate::fixture("vectors/shc/example-00-f-qr-code-numeric-value-0.txt");
    let jwks = format!(
        "https://spec.smarthealth.cards/examples/issuer={}",
        crate::fixture("vectors/shc/issuer-jwks.json")
    );
    redact.add(&crate::fixture(""), "[FIXTURES]");
    // The example key declares crlVersion: without its list the status would be unknown.
    let crl =
        crate::fixture("vectors/shc/issuer-crl-3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json");
    let verify = [
        "certificate",
        "verify",
        "--qr-file",
        &example,
        "--jwks",
        &jwks,
        "--crl",
        &crl,
        "--at",
        "1795737600",
    ];
    check(
        dir.path(),
        &redact,
        &verify,
        expect![[r#"
            valid: SMART Health Card signed by https://spec.smarthealth.cards/examples/issuer (3 doses)
            name:       John B. Anyperson
            birth date: 1951-01-20
            key id:     3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s
            NO.  DATE        VACCINE            LOT      PERFORMER
            1    2021-01-01  spikevax           0000001  ABC General Hospital
            2    2021-01-29  spikevax           0000007  ABC General Hospital
            3    2022-09-05  spikevax-bivalent  0000001  ABC General Hospital
            --- exit 0
        "#]],
    );
    json_has(
        dir.path(),
        &verify,
        &[
            "valid",
            "format",
            "iss",
            "kid",
            "nbf",
            "name",
            "birth_date",
            "doses",
            "warnings",
        ],
    );
    let untrusted = ["certificate", "verify", "--qr-file", &example];
    check(
        dir.path(),
        &redact,
        &untrusted,
        expect![[r#"
            not valid: the certificate fails verification
            CODE         WHY
            unknown_key  no trusted issuer has a key with kid 3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s
            --- exit 1
        "#]],
    );
    json_has(dir.path(), &untrusted, &["valid", "errors"]);
}

#[test]
fn completions_and_the_manual_page_come_from_the_same_definition() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let r = human(dir.path(), &["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for sub in ["residents", "doses", "consent", "completions", "man"] {
            assert!(r.stdout.contains(sub), "{shell} completion lacks {sub}");
        }
    }
    let man = human(dir.path(), &["man"]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(
        man.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        &man.stdout[..80.min(man.stdout.len())]
    );
    assert!(man.stdout.contains(".TH vrs 1"), "{}", man.stdout);
    assert!(man.stdout.contains("Exit codes"), "{}", man.stdout);
    let bad = human(dir.path(), &["completions", "tcsh"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn the_committed_manual_pages_are_what_vrs_man_makes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("man");
    let r = human(
        tmp.path(),
        &["man", "--out-dir", &out.display().to_string()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/man");
    let names = |dir: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&out),
        names(&committed),
        "docs/man is stale: run `cargo xtask man`"
    );
    for name in names(&out) {
        assert!(
            std::fs::read(out.join(&name)).unwrap()
                == std::fs::read(committed.join(&name)).unwrap(),
            "docs/man/{name} is stale: run `cargo xtask man`"
        );
    }
}

#[test]
fn the_demo_narrates_for_people_and_under_json_prints_only_its_summary_on_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let run = vrs(tmp.path(), &["demo", "--dir", &dir.display().to_string()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json["valid"], true, "{}", run.stdout);
    assert_eq!(run.json["data_dir"], dir.display().to_string());
    let narration = &run.stderr;
    for debug_form in ["Some(", "None", "[\"", "{\""] {
        assert!(
            !narration.contains(debug_form),
            "the narration shows a Rust debug form {debug_form}:\n{narration}"
        );
    }
    assert!(
        narration.contains("counts below 10 are suppressed (T1-4-6)"),
        "{narration}"
    );
    assert!(
        narration.contains("legal basis T2-1-1 (別紙2 第1条第1項), L13 (別紙13)"),
        "{narration}"
    );
}

#[test]
fn control_characters_from_a_scanned_certificate_never_reach_the_terminal() {
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    // A kid that would retitle the terminal window and ring the bell.
    let header = b64(br#"{"zip":"DEF","alg":"ES256","kid":"\u001b]0;pwned\u0007"}"#);
    let jws = format!("{header}.{}.{}", b64(b"abc"), b64(&[0; 64]));
    let dir = tempfile::tempdir().unwrap();
    let run = human(dir.path(), &["certificate", "verify", "--qr-text", &jws]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("unknown_key"), "{}", run.stdout);
    assert!(
        !run.stdout.contains('\x1b') && !run.stdout.contains('\x07'),
        "{:?}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\u{FFFD}]0;pwned\u{FFFD}"),
        "{:?}",
        run.stdout
    );
    // The JSON keeps the data as it was (escaped by JSON itself).
    let json = vrs(dir.path(), &["certificate", "verify", "--qr-text", &jws]);
    assert!(
        json.stdout.contains("\\u001b]0;pwned\\u0007"),
        "{}",
        json.stdout
    );
}
