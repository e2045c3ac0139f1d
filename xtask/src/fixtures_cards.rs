//! `cargo xtask fixtures cards`: a test CA of our own and synthetic My Number card dumps.
//!
//! Keys: three RSA-2048 keys (CA → card signer → AP key) under `fixtures/cards/keys/`
//! as PKCS#8 DER. They are generated once from fixed ChaCha20 seeds with the `rsa`
//! crate and then kept: later runs reuse the files, so every output is a pure
//! function of committed bytes (RSASSA-PKCS1-v1_5 signatures are deterministic) and
//! CI can regenerate and diff. Cards: synthetic people only.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rsa::pkcs8::EncodePrivateKey;
use vrs_domain::{MyNumber, Sex};
use vrs_identity::card::mint::{self, CardSpec, TestCardIssuer};
use vrs_identity::CardDump;

/// The fixed liveness nonce of the `-live` fixtures (32 bytes 0x00..0x1f).
const NONCE: [u8; 32] = {
    let mut n = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        n[i] = i as u8;
        i += 1;
    }
    n
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Creates `path` from a seeded RNG unless it exists.
fn ensure_key(path: &Path, seed_text: &str) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    let mut seed = [0u8; 32];
    for (i, b) in seed_text.bytes().enumerate() {
        seed[i % 32] ^= b;
    }
    let mut rng = ChaCha20Rng::from_seed(seed);
    eprintln!(
        "generating {} (rsa-2048, seed {seed_text:?})",
        path.display()
    );
    let key = rsa::RsaPrivateKey::new(&mut rng, 2048).context("rsa key generation")?;
    let der = key.to_pkcs8_der().context("pkcs#8 encoding")?;
    fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
    fs::write(path, der.as_bytes())?;
    Ok(())
}

fn my_number(first_eleven: &str) -> Result<MyNumber> {
    let check = MyNumber::check_digit(first_eleven.as_bytes());
    Ok(format!("{first_eleven}{check}").parse()?)
}

fn people() -> Result<Vec<(&'static str, CardSpec)>> {
    Ok(vec![
        (
            "kokuto",
            // The synthetic test card of the reference README (EF 0002 test vector).
            CardSpec {
                my_number: "537686677188".parse()?,
                name: "黒桐\u{3000}幹也".parse()?,
                address: "東京都清瀬市観布子南１２－７－２０２".into(),
                birth_date: "1980-02-17".parse()?,
                sex: Sex::Male,
            },
        ),
        (
            "yamada",
            CardSpec {
                my_number: my_number("12345678901")?,
                name: "山田\u{3000}花子".parse()?,
                address: "北海道札幌市中央区架空町３－４－５".into(),
                birth_date: "1992-07-01".parse()?,
                sex: Sex::Female,
            },
        ),
        (
            "suzuki",
            CardSpec {
                my_number: my_number("20000000000")?,
                name: "鈴木\u{3000}一".parse()?,
                address: "大阪府大阪市北区試験通１丁目２番３号　架空マンション４０５号".into(),
                birth_date: "2001-04-01".parse()?,
                sex: Sex::NotApplicable,
            },
        ),
    ])
}

struct Entry {
    file: String,
    expect: &'static str,
    detail: &'static str,
    liveness: bool,
    about: String,
}

fn write_dump(dir: &Path, name: &str, dump: &CardDump) -> Result<String> {
    let file = format!("{name}.json");
    fs::write(dir.join(&file), dump.to_json() + "\n")?;
    Ok(file)
}

/// Replaces the last byte of a signature-bearing file (the signature's last byte).
fn flip_last(bytes: &mut [u8]) {
    if let Some(b) = bytes.last_mut() {
        *b ^= 0x01;
    }
}

pub(crate) fn run() -> Result<()> {
    let dir = root().join("fixtures/cards");
    ensure_key(&dir.join(mint::CA_KEY_FILE), "vrs test card ca 1")?;
    ensure_key(&dir.join(mint::SIGNER_KEY_FILE), "vrs test card signer 1")?;
    ensure_key(&dir.join(mint::AP_KEY_FILE), "vrs test card ap 1")?;
    let issuer = TestCardIssuer::from_fixture_dir(&dir)?;
    fs::write(dir.join("test-ca.json"), issuer.anchor_json())?;

    let mut entries = Vec::new();
    let people = people()?;
    for (name, spec) in &people {
        let dump = issuer.mint(spec);
        entries.push(Entry {
            file: write_dump(&dir, &format!("valid-{name}"), &dump)?,
            expect: "valid",
            detail: "",
            liveness: false,
            about: format!("{name}: whole chain, no nonce"),
        });
        let live = issuer.mint_with_nonce(spec, &NONCE);
        entries.push(Entry {
            file: write_dump(&dir, &format!("valid-{name}-live"), &live)?,
            expect: "valid",
            detail: "",
            liveness: true,
            about: format!("{name}: whole chain plus the card's signature over the nonce"),
        });
    }

    let spec = &people[0].1;
    let base = issuer.mint_with_nonce(spec, &NONCE);
    let mut tampered = |name: &str,
                        expect: &'static str,
                        detail: &'static str,
                        about: &str,
                        change: &dyn Fn(&mut CardDump)|
     -> Result<()> {
        let mut d = base.clone();
        change(&mut d);
        entries.push(Entry {
            file: write_dump(&dir, &format!("tampered-{name}"), &d)?,
            expect,
            detail,
            liveness: false,
            about: about.into(),
        });
        Ok(())
    };

    tampered(
        "malformed-offset-table",
        "malformed",
        "ef0002",
        "EF 0002's offset table points one byte past the address object",
        &|d| d.ef0002[9] += 1,
    )?;
    tampered(
        "malformed-truncated-ef0004",
        "malformed",
        "ef0004",
        "EF 0004 cut short by 100 bytes",
        &|d| d.ef0004.truncate(d.ef0004.len() - 100),
    )?;
    let other: MyNumber = "123456789018".parse()?;
    tampered(
        "hash-mismatch-ef0001",
        "hash_mismatch",
        "ef0001",
        "EF 0001 swapped for another valid My Number (forged identity number)",
        &|d| d.ef0001 = mint::ef0001(&other),
    )?;
    tampered(
        "hash-mismatch-ef0002",
        "hash_mismatch",
        "ef0002",
        "EF 0002 re-encoded with a different address (forged text, well-formed)",
        &|d| {
            d.ef0002 = mint::ef0002(
                &spec.name,
                "東京都清瀬市観布子南１２－７－２０３",
                spec.birth_date,
                spec.sex,
            )
        },
    )?;
    tampered(
        "bad-signature",
        "bad_signature",
        "",
        "one bit of EF 0003's signature flipped",
        &|d| flip_last(&mut d.ef0003),
    )?;
    tampered(
        "bad-signature-resigned-by-ap-key",
        "bad_signature",
        "",
        "EF 0001/0002 forged and EF 0003 re-signed with a key EF 0004 does not certify",
        &|d| {
            d.ef0002 = mint::ef0002(
                &spec.name,
                &spec.address,
                "1970-01-01".parse().unwrap_or(spec.birth_date),
                spec.sex,
            );
            d.ef0003 = mint::ef0003(&d.ef0001, &d.ef0002, issuer.ap_key());
        },
    )?;
    tampered(
        "bad-certificate",
        "bad_certificate",
        "",
        "EF 0004 certifying the card key under the test CA's key ID, but signed by another key",
        &|d| {
            d.ef0004 = mint::ef0004(
                &mint::TEST_CA_KEY_ID,
                &mint::TEST_SIGNER_KEY_ID,
                issuer.signer_key(),
                issuer.ap_key(),
            )
        },
    )?;
    tampered(
        "unknown-ca",
        "unknown_ca",
        "",
        "EF 0004 issued by a CA key ID nobody pins (VRS-ROGUE-CA-01)",
        &|d| {
            d.ef0004 = mint::ef0004(
                b"VRS-ROGUE-CA-001",
                &mint::TEST_SIGNER_KEY_ID,
                issuer.signer_key(),
                issuer.ca_key(),
            )
        },
    )?;
    let other_nonce = [0xA5u8; 32];
    tampered(
        "bad-liveness-replayed-signature",
        "bad_liveness",
        "",
        "a fresh nonce with the signature recorded for an earlier nonce (replay)",
        &|d| d.nonce = Some(other_nonce.to_vec()),
    )?;
    tampered(
        "bad-liveness-uncertified-ap-key",
        "bad_liveness",
        "",
        "EF 0007's key certified by the AP key itself instead of the EF 0004 key",
        &|d| d.ef0007 = Some(mint::ef0007(issuer.ap_key(), issuer.ap_key())),
    )?;

    let index: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "file": e.file,
                "expect": e.expect,
                "detail_contains": e.detail,
                "liveness": e.liveness,
                "about": e.about,
            })
        })
        .collect();
    fs::write(
        dir.join("index.json"),
        serde_json::to_string_pretty(&index)? + "\n",
    )?;
    eprintln!("wrote {} card dumps to {}", entries.len(), dir.display());
    Ok(())
}
