//! `vrs users` and `vrs devices` (T1-9-1, T1-9-2), `vrs audit alerts` (S-3-3),
//! and the OS user recorded as the actor of every CLI event.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{human, init, vrs, Run};

const PASSWORD: &str = "correct horse battery staple";

/// Runs `vrs [--json] --data-dir DIR ARGS...` with `stdin` on standard input.
fn with_stdin(dir: &Path, json: bool, args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vrs"))
        .args(json.then_some("--json"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running vrs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    Run {
        code: out.status.code().unwrap_or(-1),
        json: serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn add(dir: &Path, manager: &str, extra: &[&str]) -> Run {
    let mut args = vec!["users", "add", "--as", manager, "--password-stdin"];
    args.extend_from_slice(extra);
    with_stdin(dir, true, &args, &format!("{PASSWORD}\n"))
}

#[test]
fn t1_9_1_users_add_prints_the_contract_json_with_a_base32_totp_secret_once() {
    let dir = init();
    let r = add(
        dir.path(),
        "municipality:131016",
        &[
            "--login",
            "clerk1",
            "--role",
            "clerk",
            "--my-number-handler",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let obj = r.json.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "login",
            "my_number_handler",
            "principal",
            "role",
            "totp_secret"
        ]
    );
    assert_eq!(r.json["login"], "clerk1");
    assert_eq!(r.json["principal"], "municipality:131016");
    assert_eq!(r.json["role"], "clerk");
    assert_eq!(r.json["my_number_handler"], true);
    let secret = r.json["totp_secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "160 bits in base32: {secret}");
    assert!(secret
        .bytes()
        .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
    // Listed without any secret.
    let list = vrs(
        dir.path(),
        &["users", "list", "--as", "municipality:131016"],
    );
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_eq!(list.json["users"][0]["login"], "clerk1");
    assert_eq!(list.json["users"][0]["totp"], true);
    assert!(!list.stdout.contains(secret));
    // A viewer gets no TOTP secret (optional for viewers).
    let v = add(
        dir.path(),
        "municipality:131016",
        &["--login", "viewer1", "--role", "viewer"],
    );
    assert_eq!(v.json["totp_secret"], serde_json::Value::Null);
}

#[test]
fn t1_9_1_the_operator_adds_users_without_an_area_only_and_refusals_exit_1() {
    let dir = init();
    for (manager, principal, want) in [
        ("operator", "national", 0),
        ("operator", "prefecture:13", 0),
        ("operator", "operator", 0),
        ("operator", "municipality:131016", 1),
        ("municipality:131016", "municipality:011002", 1),
    ] {
        let login = format!("u-{}", principal.replace(':', "-"));
        let r = add(
            dir.path(),
            manager,
            &[
                "--principal",
                principal,
                "--login",
                &login,
                "--role",
                "viewer",
            ],
        );
        assert_eq!(r.code, want, "{manager} adding {principal}: {}", r.stderr);
        if want == 1 {
            assert!(r.stderr.contains("refused: T1-9-1"), "{}", r.stderr);
        }
    }
}

#[test]
fn bad_user_input_exits_2_naming_the_flag_or_field() {
    let dir = init();
    assert_eq!(
        add(
            dir.path(),
            "municipality:131016",
            &["--login", "a", "--role", "viewer"]
        )
        .code,
        0
    );
    for (args, stdin, want) in [
        (
            vec!["--login", "a", "--role", "viewer"],
            PASSWORD,
            "login: a is already taken",
        ),
        (
            vec!["--login", "b", "--role", "boss"],
            PASSWORD,
            "--role: role: expected admin, clerk or viewer",
        ),
        (
            vec!["--login", "b c", "--role", "viewer"],
            PASSWORD,
            "--login: login: only ASCII letters",
        ),
        (
            vec!["--login", "b", "--role", "viewer"],
            "Xq9-pw",
            "password: shorter than 12 characters",
        ),
    ] {
        let mut all = vec![
            "users",
            "add",
            "--as",
            "municipality:131016",
            "--password-stdin",
        ];
        all.extend(args.iter());
        let r = with_stdin(dir.path(), false, &all, &format!("{stdin}\n"));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(want), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains(stdin), "password echoed: {}", r.stderr);
    }
}

#[test]
fn t1_9_1_disable_and_reset_password_answer_for_the_managed_user() {
    let dir = init();
    add(
        dir.path(),
        "municipality:131016",
        &["--login", "c", "--role", "clerk"],
    );
    let r = vrs(
        dir.path(),
        &[
            "users",
            "disable",
            "--as",
            "municipality:011002",
            "--login",
            "c",
        ],
    );
    assert_eq!(r.code, 2, "another municipality does not see the user");
    assert!(r.stderr.contains("no user c in this area"), "{}", r.stderr);
    let r = vrs(
        dir.path(),
        &[
            "users",
            "disable",
            "--as",
            "municipality:131016",
            "--login",
            "c",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json["disabled"], true);
    let r = with_stdin(
        dir.path(),
        true,
        &[
            "users",
            "reset-password",
            "--as",
            "municipality:131016",
            "--login",
            "c",
            "--password-stdin",
        ],
        "a brand new passphrase\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json["login"], "c");
    assert_eq!(r.json["totp_secret"].as_str().unwrap().len(), 32);
}

#[test]
fn t1_9_1_users_enroll_gives_the_operator_a_one_time_code_for_a_municipality() {
    let dir = init();
    let r = vrs(
        dir.path(),
        &[
            "users",
            "enroll",
            "--as",
            "operator",
            "--municipality",
            "131016",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let code = r.json["code"].as_str().unwrap();
    assert!(code.starts_with("vrse_") && code.len() == 69, "{code}");
    let r = vrs(
        dir.path(),
        &[
            "users",
            "enroll",
            "--as",
            "municipality:131016",
            "--municipality",
            "131016",
        ],
    );
    assert_eq!(r.code, 1);
    let r = vrs(
        dir.path(),
        &[
            "users",
            "enroll",
            "--as",
            "operator",
            "--municipality",
            "130001",
        ],
    );
    assert_eq!(r.code, 2, "a prefecture code: {}", r.stderr);
    assert!(r.stderr.contains("--municipality"), "{}", r.stderr);
}

#[test]
fn t1_9_2_devices_add_list_revoke() {
    let dir = init();
    let r = vrs(
        dir.path(),
        &[
            "devices",
            "add",
            "--as",
            "municipality:131016",
            "--site",
            "131016",
            "--name",
            "tablet A",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let keys: Vec<&str> = r
        .json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["device", "token"]);
    let id = r.json["device"].as_i64().unwrap().to_string();
    let token = r.json["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("vrsd_"));
    let r = vrs(
        dir.path(),
        &[
            "devices",
            "add",
            "--as",
            "municipality:011002",
            "--site",
            "131016",
            "--name",
            "x",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = vrs(
        dir.path(),
        &[
            "devices",
            "revoke",
            "--as",
            "municipality:131016",
            "--device",
            &id,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.json["revoked_at"].is_string());
    let r = human(
        dir.path(),
        &["devices", "list", "--as", "municipality:131016"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("tablet A"), "{}", r.stdout);
    assert!(r.stdout.contains("site:131016"), "{}", r.stdout);
    assert!(
        !r.stdout.contains(&token[5..]),
        "the token is shown once only"
    );
}

#[test]
fn cli_events_record_the_os_user_as_actor_and_alerts_are_the_operators() {
    let dir = init();
    vrs(
        dir.path(),
        &["residents", "count", "--as", "municipality:131016"],
    );
    let r = vrs(
        dir.path(),
        &[
            "audit",
            "search",
            "--action",
            "count_residents",
            "--limit",
            "1",
        ],
    );
    let actor = r.json[0]["actor"].as_str().unwrap();
    assert!(actor.starts_with("os:"), "{actor}");
    assert!(actor.len() > 3, "{actor}");
    for _ in 0..3 {
        vrs(
            dir.path(),
            &[
                "residents",
                "count",
                "--as",
                "municipality:131016",
                "--municipality",
                "011002",
            ],
        );
    }
    let r = vrs(dir.path(), &["audit", "alerts"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json["alerts"][0]["kind"], "cross_partition");
    assert_eq!(r.json["alerts"][0]["count"], 3);
    assert_eq!(
        r.json["alerts"][0]["key"],
        format!("municipality:131016 ({actor})")
    );
    let r = human(dir.path(), &["audit", "alerts", "--cross-partition", "4"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("no intrusion signals"), "{}", r.stdout);
    let r = vrs(
        dir.path(),
        &["audit", "alerts", "--as", "municipality:131016"],
    );
    assert_eq!(r.code, 1);
    let r = vrs(dir.path(), &["audit", "alerts", "--since", "yesterday"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--since"), "{}", r.stderr);
}
