//! The card dump: what an NFC reader integration hands over, as JSON with hex strings.

use serde::{Deserialize, Serialize};

use crate::error::IdentityError;

/// The raw files read from a card's input-support AP, plus an optional liveness
/// challenge. JSON form:
/// `{"ef0001":"<hex>","ef0002":"<hex>","ef0003":"<hex>","ef0004":"<hex>","ef0007":"<hex>"?,"nonce":"<hex>"?,"nonce_signature":"<hex>"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardDump {
    /// EF 0001 as stored.
    #[serde(with = "hex_bytes")]
    pub ef0001: Vec<u8>,
    /// EF 0002 as stored.
    #[serde(with = "hex_bytes")]
    pub ef0002: Vec<u8>,
    /// EF 0003 as stored.
    #[serde(with = "hex_bytes")]
    pub ef0003: Vec<u8>,
    /// EF 0004 as stored.
    #[serde(with = "hex_bytes")]
    pub ef0004: Vec<u8>,
    /// EF 0007 as stored, when read.
    #[serde(
        default,
        with = "opt_hex_bytes",
        skip_serializing_if = "Option::is_none"
    )]
    pub ef0007: Option<Vec<u8>>,
    /// The verifier's nonce, when liveness was attempted.
    #[serde(
        default,
        with = "opt_hex_bytes",
        skip_serializing_if = "Option::is_none"
    )]
    pub nonce: Option<Vec<u8>>,
    /// The card's signature over the nonce.
    #[serde(
        default,
        with = "opt_hex_bytes",
        skip_serializing_if = "Option::is_none"
    )]
    pub nonce_signature: Option<Vec<u8>>,
}

impl CardDump {
    /// Reads the JSON form.
    pub fn from_json(json: &str) -> Result<Self, IdentityError> {
        serde_json::from_str(json).map_err(|e| IdentityError::Dump {
            reason: e.to_string(),
        })
    }

    /// Writes the JSON form (pretty, one field a line).
    pub fn to_json(&self) -> String {
        // Serialising plain strings cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(s.trim()).map_err(|e| serde::de::Error::custom(format!("not hex: {e}")))
    }
}

mod opt_hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    #[allow(clippy::ref_option)]
    pub(super) fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&hex::encode(v)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        s.map(|s| {
            hex::decode(s.trim()).map_err(|e| serde::de::Error::custom(format!("not hex: {e}")))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dump_round_trips_through_json_and_optional_fields_may_be_absent() {
        let d = CardDump::from_json(r#"{"ef0001":"ff10","ef0002":"AB","ef0003":"","ef0004":"00"}"#)
            .unwrap();
        assert_eq!(d.ef0002, vec![0xAB]);
        assert_eq!(d.ef0007, None);
        let again = CardDump::from_json(&d.to_json()).unwrap();
        assert_eq!(again, d);
        assert!(!d.to_json().contains("nonce"));
    }

    #[test]
    fn bad_dumps_are_refused_naming_the_problem() {
        for (json, needle) in [
            (
                r#"{"ef0001":"zz","ef0002":"","ef0003":"","ef0004":""}"#,
                "not hex",
            ),
            (r#"{"ef0002":"","ef0003":"","ef0004":""}"#, "ef0001"),
            ("[", "EOF"),
        ] {
            let e = CardDump::from_json(json).unwrap_err().to_string();
            assert!(e.contains(needle), "json {json}: {e}");
        }
    }
}
