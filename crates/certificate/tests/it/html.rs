//! The printable certificate page in a real browser: headless Chromium (Debian's chromium)
//! renders `certificate.html` to a screenshot, and the QR code(s) in the screenshot must
//! decode with zbarimg (Debian's zbar-tools) to the issued texts, which must verify.
//!
//! Without /usr/bin/chromium or zbarimg the tests print a notice and return: CI installs
//! both. The HTML and the screenshots stay under Cargo's target tmp dir for inspection.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use vrs_certificate::{
    decode_png, encode_bytes, encode_shc, issue, render_html, verify_text, Format, IssueOptions,
    Issuer, Jwks, TrustList, VdsSigner, DEFAULT_ISSUER_BASE_URL,
};
use vrs_domain::{
    CertificateContent, CertificateDose, CertificateId, CertificateKind, CertificateParts,
    DoseNumber, OverseasHolder, RomajiName,
};

use crate::support::{fixed_key, fixture, four_dose, overseas};

const CHROMIUM: &str = "/usr/bin/chromium";
const NBF: i64 = 1_673_308_800; // 2023-01-10T00:00:00Z
const LATER: f64 = 1_800_000_000.0;
/// Generous: a cold Chromium start on a busy 2-core machine can take many seconds.
const TIMEOUT: Duration = Duration::from_secs(180);

/// An issued certificate: its page, and the QR texts the page shows.
struct Issued {
    content: CertificateContent,
    shc_text: String,
    vds_text: Option<String>,
    trust: TrustList,
}

fn issued(content: CertificateContent) -> Issued {
    let key = fixed_key();
    let iss = Issuer::new(DEFAULT_ISSUER_BASE_URL, content.issuer()).unwrap();
    let card = issue(
        &content,
        &key,
        &IssueOptions {
            issuer: &iss,
            nbf: NBF,
            exp: None,
            rid: None,
        },
    )
    .unwrap();
    let mut trust = TrustList::new();
    trust.add_jwks(
        iss,
        Jwks {
            keys: vec![key.public_jwk()],
        },
    );
    let vds_text = match content.kind() {
        CertificateKind::Domestic => None,
        CertificateKind::Overseas(_) => {
            let read = |n: &str| std::fs::read(fixture(&format!("vds/{n}"))).unwrap();
            let signer = VdsSigner::new(&read("test-signer.pk8"), read("test-signer.der")).unwrap();
            trust.add_csca_der(read("test-csca.der"));
            Some(signer.sign(&content).unwrap())
        }
    };
    Issued {
        shc_text: card.qr_text(),
        content,
        vds_text,
        trust,
    }
}

impl Issued {
    fn html(&self) -> String {
        let shc_svg = encode_shc(&self.shc_text).unwrap().to_svg();
        let vds_svg = self
            .vds_text
            .as_deref()
            .map(|t| encode_bytes(t).unwrap().to_svg());
        render_html(&self.content, &shc_svg, vds_svg.as_deref())
    }
}

/// Whether Chromium and zbarimg are installed; prints why not.
fn tools_present() -> bool {
    if !Path::new(CHROMIUM).exists() {
        println!("SKIPPED: {CHROMIUM} not found; install Debian's chromium to run this check");
        return false;
    }
    if Command::new("zbarimg").arg("--version").output().is_err() {
        println!("SKIPPED: zbarimg not found; install Debian's zbar-tools to run this check");
        return false;
    }
    true
}

/// A directory under Cargo's target tmp dir that outlives the test, for inspection.
fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("certificate-html")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a command with [`TIMEOUT`], killing it when it runs over. Output goes to files
/// (a pipe nobody reads would fill up and stall Chromium's `--dump-dom`).
#[track_caller]
fn run_with_timeout(cmd: &mut Command) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{cmd:?} ran over {TIMEOUT:?}; stderr: {}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: std::fs::read(&out_path).unwrap(),
        stderr: std::fs::read(&err_path).unwrap(),
    }
}

/// Headless Chromium with a fresh profile, the flags that keep it off the network, and `extra`.
fn chromium(html: &Path, extra: &[String]) -> Output {
    let profile = tempfile::tempdir().unwrap();
    let out = run_with_timeout(
        Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(format!("file://{}", html.display())),
    );
    assert!(
        out.status.success(),
        "chromium failed ({}); stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// How a page is photographed.
#[derive(Clone, Copy)]
enum Shot {
    /// 1240 × 1754 CSS pixels (A4 proportions) at 96 dpi: the A4 sheet is the centred
    /// 794 px wide column, so a QR code of 80 mm is about 302 pixels wide.
    Window,
    /// The A4 sheet (794 × 1123 CSS pixels) at device scale 2, i.e. 192 dpi.
    Dpi192,
}

impl Shot {
    fn flags(self) -> &'static [&'static str] {
        match self {
            Self::Window => &["--window-size=1240,1754"],
            Self::Dpi192 => &["--window-size=794,1123", "--force-device-scale-factor=2"],
        }
    }

    fn size(self) -> (u32, u32) {
        match self {
            Self::Window => (1240, 1754),
            Self::Dpi192 => (1588, 2246),
        }
    }
}

/// Writes the page, screenshots it and returns the PNG's path.
fn screenshot(issued: &Issued, name: &str, shot: Shot) -> PathBuf {
    let dir = out_dir(name);
    let html = dir.join("certificate.html");
    std::fs::write(&html, issued.html()).unwrap();
    let png = dir.join("screenshot.png");
    let _ = std::fs::remove_file(&png);
    let mut flags: Vec<String> = shot.flags().iter().map(|f| f.to_string()).collect();
    flags.push(format!("--screenshot={}", png.display()));
    chromium(&html, &flags);
    png
}

/// The texts zbarimg reads from an image, sorted.
fn zbarimg(png: &Path) -> Vec<String> {
    let out = run_with_timeout(Command::new("zbarimg").args(["--raw", "-q"]).arg(png));
    assert!(
        out.status.success(),
        "zbarimg found no code in {} ({})",
        png.display(),
        out.status
    );
    let mut texts: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    texts.sort();
    texts
}

#[track_caller]
fn check_screenshot(issued: &Issued, name: &str, shot: Shot) {
    let png = screenshot(issued, name, shot);
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{name}: no screenshot: {e}"));
    let info = png::Decoder::new(bytes.as_slice()).read_info().unwrap();
    assert_eq!(
        (info.info().width, info.info().height),
        shot.size(),
        "{name}: screenshot size"
    );

    let mut want: Vec<String> = std::iter::once(issued.shc_text.clone())
        .chain(issued.vds_text.clone())
        .collect();
    want.sort();
    let got = zbarimg(&png);
    assert_eq!(got, want, "{name}: zbarimg read {}", png.display());

    for text in &got {
        let card = verify_text(text, &issued.trust, LATER).unwrap_or_else(|e| {
            panic!("{name}: a code from the screenshot does not verify: {e:?}")
        });
        let want_name = match (card.format, issued.content.kind()) {
            (Format::VdsNc, CertificateKind::Overseas(h)) => h.romaji_name.to_string(),
            // An overseas SHC carries the passport name, given name first (FHIR HumanName).
            (_, CertificateKind::Overseas(h)) => {
                format!("{} {}", h.romaji_name.given(), h.romaji_name.family())
            }
            (_, CertificateKind::Domestic) => issued.content.name().to_string(),
        };
        assert_eq!(card.name, want_name, "{name}: {:?} name", card.format);
    }

    // The crate's own reader (rqrr) is optional here: it needs sharper modules than a
    // screenshot gives (2.7 pixels or fewer each at 96 dpi, anti-aliased) and usually finds
    // no code; whatever it does read must be an issued text.
    match decode_png(&bytes) {
        Ok(texts) => {
            for text in &texts {
                assert!(want.contains(text), "{name}: decode_png read {text:?}");
            }
        }
        Err(e) => println!("NOTE: {name}: decode_png did not read the screenshot ({e})"),
    }
}

#[test]
fn a_domestic_certificate_page_screenshot_shows_a_qr_that_zbarimg_reads_and_verifies() {
    if !tools_present() {
        return;
    }
    check_screenshot(
        &issued(four_dose(CertificateKind::Domestic)),
        "domestic",
        Shot::Window,
    );
}

#[test]
fn an_overseas_certificate_page_screenshot_shows_both_qr_codes_readable_and_valid() {
    if !tools_present() {
        return;
    }
    check_screenshot(&issued(four_dose(overseas())), "overseas", Shot::Window);
}

#[test]
fn the_rendered_page_holds_the_names_as_text_in_chromium() {
    if !tools_present() {
        return;
    }
    let issued = issued(four_dose(overseas()));
    let dir = out_dir("dom");
    let html = dir.join("certificate.html");
    std::fs::write(&html, issued.html()).unwrap();
    let out = chromium(&html, &["--dump-dom".into()]);
    let dom = String::from_utf8(out.stdout).unwrap();
    for want in [
        "山田\u{3000}花子",
        "YAMADA HANAKO",
        "TK1234567",
        "東京都千代田区長",
        issued.content.id().as_str(),
    ] {
        assert!(dom.contains(want), "chromium's DOM lacks {want:?}");
    }
}

/// The most a page must hold: nine doses with the longest product names and lot numbers,
/// the longest kanji name the type admits (50 + 50) and a romaji name near the 39
/// characters VDS-NC allows.
fn largest_overseas() -> CertificateContent {
    let doses = [
        ("2021-06-01", "comirnaty"),
        ("2021-06-22", "comirnaty"),
        ("2022-01-20", "spikevax-booster"),
        ("2022-09-20", "comirnaty-bivalent-ba1"),
        ("2023-01-20", "comirnaty-bivalent"),
        ("2023-05-20", "spikevax-bivalent-ba1"),
        ("2023-10-20", "comirnaty-omicron"),
        ("2024-03-20", "spikevax-omicron"),
        ("2024-10-20", "kostaive"),
    ];
    let name = format!("{}　{}", "齋藤".repeat(25), "龍之介".repeat(16));
    CertificateContent::new(CertificateParts {
        kind: CertificateKind::Overseas(OverseasHolder {
            // VDS-NC allows 39 characters for the whole name.
            romaji_name: RomajiName::new("HASEGAWA-SAITO-KOB", "RYUNOSUKE TAKAHIRO").unwrap(),
            nationality: "JPN".parse().unwrap(),
            passport_number: "TK1234567".parse().unwrap(),
            sex: None,
        }),
        name: name.parse().unwrap(),
        birth_date: "1950-02-17".parse().unwrap(),
        doses: doses
            .iter()
            .zip(1..)
            .map(|((date, product), n)| CertificateDose {
                date: date.parse().unwrap(),
                site: None,
                product: product.parse().unwrap(),
                lot: format!("LOT-{n}-ABCDEFGHIJKLMN").parse().unwrap(),
                dose_number: DoseNumber::new(n).unwrap(),
            })
            .collect(),
        issuer: "011002".parse().unwrap(),
        id: CertificateId::from_random_bytes([0xfe; 16]),
        issued_on: "2024-11-01".parse().unwrap(),
    })
    .unwrap()
}

/// Pages of a PDF Chromium wrote: the page tree root's `/Count`.
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Count ")
        .filter_map(|(i, m)| {
            let rest = &text[i + m.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .max()
        .expect("a page tree with /Count")
}

#[test]
fn the_page_prints_on_one_a4_sheet_even_with_nine_doses_and_the_longest_names() {
    if !tools_present() {
        return;
    }
    for (name, content) in [
        ("domestic", four_dose(CertificateKind::Domestic)),
        ("overseas", four_dose(overseas())),
        ("largest", largest_overseas()),
    ] {
        let issued = issued(content);
        let dir = out_dir(&format!("print-{name}"));
        let html = dir.join("certificate.html");
        std::fs::write(&html, issued.html()).unwrap();
        let pdf = dir.join("certificate.pdf");
        let _ = std::fs::remove_file(&pdf);
        chromium(
            &html,
            &[
                "--no-pdf-header-footer".into(),
                format!("--print-to-pdf={}", pdf.display()),
            ],
        );
        let bytes = std::fs::read(&pdf).unwrap_or_else(|e| panic!("{name}: no pdf: {e}"));
        assert_eq!(pdf_pages(&bytes), 1, "{name}: pages of {}", pdf.display());
    }
}

/// The largest VDS-NC is a version-40 QR code (185 modules with its quiet zone): at 96 dpi
/// its modules are 1.6 pixels wide and zbarimg reads only the SHC code, so this checks
/// both codes at 192 dpi (a printer has 300 or more).
#[test]
fn the_largest_overseas_page_at_192_dpi_shows_both_qr_codes_readable_and_valid() {
    if !tools_present() {
        return;
    }
    check_screenshot(&issued(largest_overseas()), "largest-192dpi", Shot::Dpi192);
}
