#!/usr/bin/env python3
"""Reads the VDS-NC test CSCA, the barcode signer certificate and (optionally) barcode
signer certificate requests with Python's `cryptography` (an independent DER parser) and
checks every extension the ICAO profile names. Exit 1 with a message on any failure.

usage: check_vds_certs.py CSCA.der SIGNER.der [REQUEST.der ...]
"""
import sys

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID

EKU_VDS_NC = x509.ObjectIdentifier("2.23.136.1.1.14.2")
DOC_TYPE_LIST = x509.ObjectIdentifier("2.23.136.1.1.6.2")
# SEQUENCE { INTEGER 0, SET { PrintableString "NV" } }
DOC_TYPE_LIST_NV = bytes.fromhex("3009020100310413024e56")


def fail(msg):
    print(f"check_vds_certs: {msg}", file=sys.stderr)
    sys.exit(1)


def ext(holder, oid, who="CSCA"):
    """The extension `oid` of a certificate or request (`holder.extensions`)."""
    try:
        return holder.extensions.get_extension_for_oid(oid)
    except x509.ExtensionNotFound:
        fail(f"{who}: no extension {oid.dotted_string}")


def printable_country(name, who):
    attrs = name.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    if len(attrs) != 1 or attrs[0].value != "JP":
        fail(f"{who}: country is not JP")
    # _type is the ASN.1 string type cryptography read from the DER.
    if attrs[0]._type.name != "PrintableString":
        fail(f"{who}: country is a {attrs[0]._type.name}, not a PrintableString")


def check_signer_extensions(holder, who, ski_expected):
    ku = ext(holder, ExtensionOID.KEY_USAGE, who)
    if not ku.critical or not ku.value.digital_signature or ku.value.key_cert_sign:
        fail(f"{who}: key usage is not critical digitalSignature only")
    eku = ext(holder, ExtensionOID.EXTENDED_KEY_USAGE, who)
    if list(eku.value) != [EKU_VDS_NC]:
        fail(f"{who}: extended key usage {list(eku.value)} is not the VDS-NC signer's")
    dtl = ext(holder, DOC_TYPE_LIST, who)
    if dtl.value.value != DOC_TYPE_LIST_NV:
        fail(f"{who}: document type list {dtl.value.value.hex()} is not [NV]")
    ski = ext(holder, ExtensionOID.SUBJECT_KEY_IDENTIFIER, who)
    if ski.value.digest != ski_expected:
        fail(f"{who}: subject key identifier is not the RFC 5280 method (1) SHA-1")
    try:
        bc = holder.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS)
        if bc.value.ca:
            fail(f"{who}: a barcode signer must not be a CA")
    except x509.ExtensionNotFound:
        pass


def main(argv):
    if len(argv) < 3:
        fail(__doc__)
    with open(argv[1], "rb") as f:
        csca = x509.load_der_x509_certificate(f.read())
    with open(argv[2], "rb") as f:
        signer = x509.load_der_x509_certificate(f.read())
    # Reading .extensions parses every extension; a bad encoding raises here.
    for c in (csca, signer):
        _ = [e.value for e in c.extensions]
        printable_country(c.subject, c.subject.rfc4514_string())
    bc = ext(csca, ExtensionOID.BASIC_CONSTRAINTS)
    if not (bc.critical and bc.value.ca):
        fail("CSCA: basic constraints are not critical cA TRUE")
    ku = ext(csca, ExtensionOID.KEY_USAGE)
    if not (ku.critical and ku.value.key_cert_sign and ku.value.crl_sign) or ku.value.digital_signature:
        fail("CSCA: key usage is not critical keyCertSign + cRLSign")
    csca_ski = ext(csca, ExtensionOID.SUBJECT_KEY_IDENTIFIER).value.digest
    if ext(signer, ExtensionOID.AUTHORITY_KEY_IDENTIFIER, "signer").value.key_identifier != csca_ski:
        fail("signer: authority key identifier is not the CSCA's subject key identifier")
    spki = x509.SubjectKeyIdentifier.from_public_key(signer.public_key()).digest
    check_signer_extensions(signer, "signer", spki)
    signer.verify_directly_issued_by(csca)
    if not isinstance(signer.public_key(), ec.EllipticCurvePublicKey):
        fail("signer: not an EC key")
    for path in argv[3:]:
        with open(path, "rb") as f:
            req = x509.load_der_x509_csr(f.read())
        if not req.is_signature_valid:
            fail(f"{path}: request signature does not verify")
        _ = [e.value for e in req.extensions]
        printable_country(req.subject, path)
        check_signer_extensions(req, path, x509.SubjectKeyIdentifier.from_public_key(req.public_key()).digest)
    print(f"check_vds_certs: ok ({2 + len(argv[3:])} files)")


if __name__ == "__main__":
    main(sys.argv)
