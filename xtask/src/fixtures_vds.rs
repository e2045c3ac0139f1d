//! `cargo xtask fixtures vds [--check]`: the test CSCA and VDS-NC barcode signer
//! certificate (P-256, rcgen with the ICAO extensions of `vrs_certificate::icao`) under
//! fixtures/vds/.
//!
//! ECDSA signatures are randomised, so the certificates cannot be byte-for-byte
//! reproducible: generation writes new files (to commit), and `--check` (CI) verifies the
//! committed ones instead of diffing: CSCA self-signed and a CA, signer certificate
//! issued and signed by it, signer key matching the certificate, and a VDS-NC signed with
//! them verifying against the CSCA.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context};
use rcgen::{
    BasicConstraints, CertificateParams, IsCa, KeyIdMethod, KeyPair, SerialNumber,
    PKCS_ECDSA_P256_SHA256,
};
use x509_parser::prelude::{FromDer, X509Certificate};

const CSCA: &str = "test-csca.der";
const SIGNER: &str = "test-signer.der";
const SIGNER_KEY: &str = "test-signer.pk8";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/vds")
}

/// Writes a fresh test CSCA and signer into fixtures/vds/, per the ICAO profile of
/// `vrs_certificate::icao`: every name attribute a PrintableString, Key Usage without
/// trailing zero bits, no DEFAULT value encoded (the signer has no Basic Constraints),
/// Subject and Authority Key Identifiers, the VDS-NC Extended Key Usage and the Document
/// Type List `NV` on the signer. Validity as the VDS-NC guidelines recommend: the CSCA's
/// key is used for up to 5 years and its certificate outlives the signers it certified
/// (15 years); the signer's key is used for a short period and its certificate covers
/// that period plus the life of the documents it signed (10 years).
pub(crate) fn generate() -> anyhow::Result<()> {
    use vrs_certificate::icao::{self, KeyUsageBit};
    let csca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut csca = CertificateParams::default();
    csca.distinguished_name = "C=JP,O=VRS test fixtures (not a real authority),CN=VRS Test CSCA"
        .parse::<icao::SignerSubject>()?
        .distinguished_name();
    csca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    csca.key_identifier_method = KeyIdMethod::PreSpecified(icao::key_identifier(spk(&csca_key)?));
    csca.use_authority_key_identifier_extension = true;
    icao::add_extensions(
        &mut csca,
        &[icao::key_usage(&[
            KeyUsageBit::KeyCertSign,
            KeyUsageBit::CrlSign,
        ])],
    );
    csca.serial_number = Some(SerialNumber::from(vec![1]));
    csca.not_before = rcgen::date_time_ymd(2025, 1, 1);
    csca.not_after = rcgen::date_time_ymd(2040, 1, 1);
    let csca_cert = csca.self_signed(&csca_key)?;

    let signer_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut signer = CertificateParams::default();
    signer.distinguished_name =
        "C=JP,O=VRS test fixtures (not a real authority),CN=VRS Test VDS-NC Barcode Signer"
            .parse::<icao::SignerSubject>()?
            .distinguished_name();
    signer.is_ca = IsCa::NoCa;
    signer.use_authority_key_identifier_extension = true;
    icao::add_extensions(
        &mut signer,
        &icao::barcode_signer_extensions(spk(&signer_key)?),
    );
    signer.serial_number = Some(SerialNumber::from(vec![2]));
    signer.not_before = rcgen::date_time_ymd(2025, 1, 1);
    signer.not_after = rcgen::date_time_ymd(2035, 1, 1);
    let signer_cert = signer.signed_by(&signer_key, &csca_cert, &csca_key)?;

    let d = dir();
    fs::create_dir_all(&d)?;
    fs::write(d.join(CSCA), csca_cert.der().as_ref())?;
    fs::write(d.join("test-csca.pem"), csca_cert.pem())?;
    fs::write(d.join(SIGNER), signer_cert.der().as_ref())?;
    fs::write(d.join("test-signer.pem"), signer_cert.pem())?;
    fs::write(d.join(SIGNER_KEY), signer_key.serialize_der())?;
    check()?;
    println!("wrote {}", d.display());
    Ok(())
}

/// The subjectPublicKey bits (the uncompressed point) of a P-256 key pair.
fn spk(key: &KeyPair) -> anyhow::Result<&[u8]> {
    let raw = key.public_key_raw();
    ensure!(
        raw.len() == 65 && raw[0] == 4,
        "not an uncompressed P-256 point"
    );
    Ok(raw)
}

/// Verifies the committed fixtures (see the module docs).
pub(crate) fn check() -> anyhow::Result<()> {
    let d = dir();
    let read = |f: &str| fs::read(d.join(f)).with_context(|| format!("fixtures/vds/{f}"));
    let (csca_der, signer_der, key) = (read(CSCA)?, read(SIGNER)?, read(SIGNER_KEY)?);
    let (_, csca) = X509Certificate::from_der(&csca_der).context("test-csca.der")?;
    let (_, signer) = X509Certificate::from_der(&signer_der).context("test-signer.der")?;
    ensure!(csca.is_ca(), "test CSCA is not a CA");
    ensure!(
        csca.subject() == csca.issuer(),
        "test CSCA is not self-issued"
    );
    csca.verify_signature(None)
        .context("test CSCA self-signature")?;
    ensure!(
        signer.issuer() == csca.subject(),
        "signer is not issued by the CSCA"
    );
    signer
        .verify_signature(Some(csca.public_key()))
        .context("signer certificate signature")?;
    vrs_certificate::icao::check_barcode_signer(&signer)
        .map_err(|e| anyhow::anyhow!("test signer: {e}"))?;
    let pem = fs::read_to_string(d.join("test-csca.pem"))?;
    ensure!(
        pem.contains("BEGIN CERTIFICATE"),
        "test-csca.pem is not PEM"
    );

    // A VDS-NC signed with the signer verifies against the CSCA.
    let vds = vrs_certificate::VdsSigner::new(&key, signer_der.clone())?;
    let content = sample()?;
    let doc = vds.sign(&content)?;
    let mut trust = vrs_certificate::TrustList::new();
    trust.add_csca_der(csca_der);
    match vrs_certificate::verify_text(&doc, &trust, 1_800_000_000.0) {
        Ok(card) if card.format == vrs_certificate::Format::VdsNc => Ok(()),
        Ok(_) => bail!("verified as the wrong format"),
        Err(e) => bail!("the test VDS-NC does not verify: {e:?}"),
    }
}

fn sample() -> anyhow::Result<vrs_domain::CertificateContent> {
    use vrs_domain::*;
    Ok(CertificateContent::new(CertificateParts {
        kind: CertificateKind::Overseas(OverseasHolder {
            romaji_name: RomajiName::new("YAMADA", "HANAKO")?,
            nationality: "JPN".parse()?,
            passport_number: "TK1234567".parse()?,
            sex: None,
        }),
        name: "山田　花子".parse()?,
        birth_date: "1980-02-17".parse()?,
        doses: vec![CertificateDose {
            date: "2021-06-01".parse()?,
            site: None,
            product: "comirnaty".parse()?,
            lot: "FA5765".parse()?,
            dose_number: DoseNumber::new(1)?,
        }],
        issuer: "131016".parse()?,
        id: CertificateId::from_random_bytes([1; 16]),
        issued_on: "2022-01-04".parse()?,
    })?)
}
