//! base64url without padding (JOSE), base64url with padding (VDS-NC, RFC 4648 section 5)
//! and standard base64 (x5c) helpers.

use base64::engine::general_purpose::{
    GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE, URL_SAFE_NO_PAD,
};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine};

/// base64url that reads values with or without `=` padding (VDS-NC `sig.cer`, `sig.sigvl`:
/// Australia's carry padding, others do not).
const URL_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// base64url with `=` padding, as RFC 4648 section 5 writes it (the VDS-NC guidelines do not
/// say to drop it, and readers written for the Australian seals require it).
pub(crate) fn url_padded(bytes: &[u8]) -> String {
    URL_SAFE.encode(bytes)
}

/// base64url with or without padding.
pub(crate) fn url_decode_any_padding(text: &str) -> Option<Vec<u8>> {
    URL_ANY_PADDING.decode(text).ok()
}

pub(crate) fn url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn url_into(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

pub(crate) fn url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

pub(crate) fn std_decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}
