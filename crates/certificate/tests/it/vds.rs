//! ICAO VDS-NC: sign with the test barcode signer, verify against the test CSCA.
