//! The consent documents are pinned: their vendored texts hash to the SHA-256 in the code.

use vrs_consent::{DocumentId, DocumentKind};

#[test]
fn every_document_text_matches_its_pinned_sha256() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/law/consent-documents");
    for id in DocumentId::ALL {
        let doc = id.document();
        let text = std::fs::read(dir.join(format!("{id}.txt"))).unwrap();
        let digest = ring::digest::digest(&ring::digest::SHA256, &text);
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, doc.sha256, "{id}");
    }
}

#[test]
fn each_document_implies_what_it_says() {
    let provisions = |id: DocumentId| -> Vec<&'static str> {
        id.document()
            .implies
            .iter()
            .map(|i| i.provision.as_str())
            .collect()
    };
    assert_eq!(
        provisions(DocumentId::Terms202103),
        ["T1-2-3", "T1-3-1-5", "T1-3-1-6", "T1-4-4"]
    );
    assert_eq!(
        provisions(DocumentId::Terms20211203),
        ["T1-2-3", "T1-3-1-5", "T1-3-1-6", "T1-4-4", "T1-4-1"]
    );
    assert_eq!(provisions(DocumentId::Addendum20211203), ["T2-1-1"]);
    assert_eq!(
        DocumentId::Addendum20211203.document().kind,
        DocumentKind::Addendum
    );
    for id in DocumentId::ALL {
        assert_eq!(id.as_str().parse::<DocumentId>().unwrap(), id);
    }
    assert!("terms-2022".parse::<DocumentId>().is_err());
}
