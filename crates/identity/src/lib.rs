//! Identity verification for electronic issuance (V8, P9, S-2-14, A10-4).
//!
//! This crate will hold the My Number card's input-support AP (券面事項入力補助AP)
//! parser and signature-chain verifier, and the passport MRZ (ICAO 9303 TD3)
//! reader. Its only outputs are proof values that successful verification
//! alone can build. The content arrives with the identity issue.
