//! Vaccination certificates (S-2-14, A10-2, A10-4-6, T1-4-2).
//!
//! This crate will turn certificate content into a signed SMART Health Card
//! (and an ICAO VDS-NC for overseas certificates), render the QR code, manage
//! each issuing municipality's keys and verify certificates against a trust
//! list. The content arrives with the certificates issue.
