//! The VDS-NC test PKI and barcode signer requests read by x509-parser in strict mode
//! (its structure validator, every extension parsed) with every extension the ICAO
//! profile names checked byte for byte.

use vrs_certificate::icao::{self, SignerSubject};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::prelude::{FromDer, X509Certificate, X509Extension};
use x509_parser::validate::{Validator, VecLogger, X509StructureValidator};

use crate::support::fixture;

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("vds/{name}"))).unwrap()
}

fn ext<'a>(exts: &'a [X509Extension<'a>], oid: &str) -> Option<&'a X509Extension<'a>> {
    exts.iter().find(|e| e.oid.to_id_string() == oid)
}

#[track_caller]
fn strict(der: &[u8]) -> X509Certificate<'_> {
    let (rest, cert) = X509Certificate::from_der(der).expect("parses");
    assert!(rest.is_empty(), "trailing bytes");
    let mut log = VecLogger::default();
    assert!(X509StructureValidator.validate(&cert, &mut log), "{log:?}");
    // x509-parser does not know the ICAO Document Type List; it is checked below.
    let warnings: Vec<_> = log
        .warnings()
        .iter()
        .filter(|w| *w != "Unsupported extension 2.23.136.1.1.6.2")
        .collect();
    assert!(warnings.is_empty() && log.errors().is_empty(), "{log:?}");
    for e in cert.extensions() {
        assert!(
            !matches!(
                e.parsed_extension(),
                x509_parser::extensions::ParsedExtension::ParseError { .. }
            ),
            "{} does not parse",
            e.oid
        );
    }
    cert
}

/// The country attribute, as its DER: `SET { SEQUENCE { countryName, PrintableString "JP" } }`.
const COUNTRY_JP_PRINTABLE: [u8; 11] = [
    0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02,
];

#[track_caller]
fn country_is_printable(name_der: &[u8]) {
    assert!(
        name_der
            .windows(13)
            .any(|w| w[..11] == COUNTRY_JP_PRINTABLE && &w[11..] == b"JP"),
        "country is not a PrintableString JP"
    );
}

#[track_caller]
fn check_signer_extensions(exts: &[X509Extension<'_>], spk: &[u8]) {
    let ku = ext(exts, "2.5.29.15").expect("key usage");
    assert!(ku.critical);
    assert_eq!(
        ku.value,
        [0x03, 0x02, 0x07, 0x80],
        "digitalSignature, no trailing zero bits"
    );
    let eku = ext(exts, "2.5.29.37").expect("extended key usage");
    assert_eq!(
        eku.value,
        [0x30, 0x09, 0x06, 0x07, 0x67, 0x81, 0x08, 0x01, 0x01, 0x0e, 0x02]
    );
    let dtl = ext(exts, icao::DOCUMENT_TYPE_LIST).expect("document type list");
    assert_eq!(icao::parse_document_type_list(dtl.value).unwrap(), ["NV"]);
    let ski = ext(exts, "2.5.29.14").expect("subject key identifier");
    assert_eq!(&ski.value[2..], icao::key_identifier(spk));
    assert!(
        ext(exts, "2.5.29.19").is_none(),
        "a barcode signer carries no Basic Constraints (no DEFAULT cA FALSE)"
    );
}

#[test]
fn the_test_csca_and_barcode_signer_follow_the_icao_profile() {
    let (csca_der, signer_der) = (bytes("test-csca.der"), bytes("test-signer.der"));
    let csca = strict(&csca_der);
    let signer = strict(&signer_der);
    country_is_printable(csca.subject().as_raw());
    country_is_printable(signer.subject().as_raw());
    country_is_printable(signer.issuer().as_raw());

    let bc = ext(csca.extensions(), "2.5.29.19").expect("CSCA basic constraints");
    assert!(bc.critical);
    assert_eq!(
        bc.value,
        [0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x00],
        "cA TRUE, pathLen 0"
    );
    let ku = ext(csca.extensions(), "2.5.29.15").expect("CSCA key usage");
    assert!(ku.critical);
    assert_eq!(ku.value, [0x03, 0x02, 0x01, 0x06], "keyCertSign, cRLSign");
    let csca_ski = ext(csca.extensions(), "2.5.29.14").expect("CSCA SKI").value[2..].to_vec();
    assert_eq!(
        csca_ski,
        icao::key_identifier(&csca.public_key().subject_public_key.data)
    );

    check_signer_extensions(
        signer.extensions(),
        &signer.public_key().subject_public_key.data,
    );
    let aki = ext(signer.extensions(), "2.5.29.35").expect("AKI");
    // SEQUENCE { [0] keyIdentifier }
    assert_eq!(&aki.value[4..], csca_ski, "AKI is the CSCA's SKI");
    signer.verify_signature(Some(csca.public_key())).unwrap();
    icao::check_barcode_signer(&signer).unwrap();
    assert!(
        icao::check_barcode_signer(&csca).is_err(),
        "the CSCA is no barcode signer"
    );
    // Validity as documented: the signer's within the CSCA's.
    assert!(signer.validity().not_after <= csca.validity().not_after);
}

#[test]
fn a_barcode_signer_request_carries_the_same_extensions_and_a_valid_signature() {
    let subject: SignerSubject = "C=JP,O=Digital Agency,CN=VRS Barcode Signer 1"
        .parse()
        .unwrap();
    let (pkcs8, csr_der) = icao::barcode_signer_request(&subject).unwrap();
    assert!(!pkcs8.is_empty());
    let (rest, csr) = X509CertificationRequest::from_der(&csr_der).unwrap();
    assert!(rest.is_empty());
    csr.verify_signature().unwrap();
    let info = &csr.certification_request_info;
    country_is_printable(info.subject.as_raw());
    let exts = info
        .attributes()
        .iter()
        .find_map(|a| match a.parsed_attribute() {
            ParsedCriAttribute::ExtensionRequest(r) => Some(r.extensions.clone()),
            _ => None,
        })
        .expect("an extensionRequest attribute");
    check_signer_extensions(&exts, &info.subject_pki.subject_public_key.data);
}
