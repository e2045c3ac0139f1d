//! Issue 13, defects 3 and 4 through the release-shaped binary: QR chunk-header
//! bombs, PNG decompression bombs and oversized files are bad input (exit 2), and
//! the verifier's peak resident memory stays at most 64 MiB on each of them
//! (measured with `/usr/bin/time -v`; in CI a missing `time` fails the test).

use std::path::Path;
use std::process::Command;

#[path = "../../../certificate/tests/it/png_bombs.rs"]
mod png_bombs;

/// The memory budget of the verifier on any input.
const MAX_RSS_KIB: u64 = 64 * 1024;

/// Runs `vrs certificate verify ARGS` under `/usr/bin/time -v`: the exit code and
/// the peak RSS in KiB, or `None` for the RSS when `time` is not installed.
/// `VRS_BIN` names another binary to measure (e.g. `target/release/vrs`).
fn verify_measured(args: &[&str]) -> (i32, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    let bin = std::env::var("VRS_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_vrs").to_owned());
    let bin = bin.as_str();
    if !time.exists() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("/usr/bin/time is missing (apt-get install time)");
        }
        eprintln!("skipping the RSS measurement: /usr/bin/time is not installed");
        let out = Command::new(bin)
            .args(["certificate", "verify"])
            .args(args)
            .output()
            .unwrap();
        return (out.status.code().unwrap_or(-1), None);
    }
    let out = Command::new(time)
        .arg("-v")
        .arg(bin)
        .args(["certificate", "verify"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rss = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok());
    assert!(rss.is_some(), "no RSS in: {stderr}");
    (out.status.code().unwrap_or(-1), rss)
}

#[track_caller]
fn check(what: &str, args: &[&str]) {
    let (code, rss) = verify_measured(args);
    assert_eq!(code, 2, "{what}");
    if let Some(rss) = rss {
        println!("{what}: exit {code}, peak RSS {rss} KiB");
        assert!(rss <= MAX_RSS_KIB, "{what}: peak RSS {rss} KiB");
    }
}

#[test]
fn shc_chunk_header_bombs_exit_2_in_bounded_memory() {
    for text in [
        "shc:/1/18446744073709551615/5656",
        "shc:/1/100000000000/5656",
        "shc:/1/100000000/5656",
    ] {
        check(text, &["--qr-text", text]);
    }
}

#[test]
fn json_and_jws_at_the_size_limit_exit_2_in_bounded_memory() {
    let max = vrs_certificate::MAX_VERIFY_TEXT;
    let numbers = format!("[{}0]", "0,".repeat(max / 2 - 2));
    let nested = format!("{}{}", "[".repeat(max / 2), "]".repeat(max / 2));
    let jws = format!(
        "{}.{}.{}",
        "e".repeat(max / 3),
        "e".repeat(max / 3),
        "e".repeat(max / 4)
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("numbers.json", numbers),
        ("nested.json", nested),
        ("big.jws", jws),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, &text).unwrap();
        check(name, &["--jws", &p.display().to_string()]);
    }
}

#[test]
fn png_bombs_and_oversized_files_exit_2_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let bomb = write("bomb-20000.png", &png_bombs::one_bit_bomb());
    check("20000 × 20000 one-bit PNG", &["--png", &bomb]);
    let wide = write(
        "bomb-rgba.png",
        &png_bombs::png_rows(16_384, 16_384, 1, 16, 6, 0, &[]),
    );
    check("16384 × 16384 16-bit RGBA PNG header", &["--png", &wide]);
    // The largest image decoded: 2048 × 2048 RGBA, read in full and searched.
    let limit = write("limit.png", &png_bombs::png(2048, 2048, 8, 6, 0x80, &[]));
    check("2048 × 2048 RGBA PNG (decoded)", &["--png", &limit]);
    let ztxt = write("bomb-ztxt.png", &png_bombs::ztxt_bomb(256));
    check("zTXt chunk inflating to 256 MiB", &["--png", &ztxt]);
    // Sparse files: a gigabyte that takes no disk and must not be read whole.
    for (flag, name) in [
        ("--png", "huge.png"),
        ("--jws", "huge.jws"),
        ("--qr-file", "huge.txt"),
    ] {
        let p = dir.path().join(name);
        std::fs::File::create(&p).unwrap().set_len(1 << 30).unwrap();
        check(
            &format!("1 GiB {flag} file"),
            &[flag, &p.display().to_string()],
        );
    }
}
