//! `vrs serve`: refused without TLS off loopback; SIGTERM stops it cleanly (exit 0).

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use crate::support::{init, vrs};

#[test]
fn serve_on_a_non_loopback_address_without_tls_is_bad_input_saying_why() {
    let dir = init();
    let r = vrs(dir.path(), &["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--tls-cert"), "{}", r.stderr);
    assert!(r.stderr.contains("not a loopback address"), "{}", r.stderr);
    let r = vrs(dir.path(), &["serve", "--listen", "localhost"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--listen"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn serve_answers_healthz_and_exits_0_on_sigterm() {
    let dir = init();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vrs"))
        .args(["--json", "--data-dir"])
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "vrs serve said nothing"
        );
        if let Some(rest) = line.trim().strip_prefix("vrs serve: listening on http://") {
            break rest.to_owned();
        }
    };
    let mut tcp = std::net::TcpStream::connect(&addr).unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["stopped"], true, "{json}");
}
