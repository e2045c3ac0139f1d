//! Signed audit heads an outsider can check: each chain's last hash signed with
//! the keyring's ES256 audit key, whose public key travels with the heads. With
//! nothing but a heads file (and the public key it pins) a database is checked
//! for a rewritten event, a cut-off tail and a whole copy rolled back to an
//! earlier state: every chain must reach each head's place with that head's hash.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::audit::{genesis, legacy_tail, Row, OPERATOR_CHAIN};
use crate::keyring::Keyring;
use crate::StoreError;

/// The format name of a heads file.
pub const HEADS_FORMAT: &str = "vrs-audit-heads-1";

/// The most a heads file may hold (1,741 municipalities need about 600 KiB).
pub const MAX_HEADS_BYTES: u64 = 8 * 1024 * 1024;

/// The published audit public key as a JWK (P-256).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPublicKey {
    /// `EC`.
    pub kty: String,
    /// `P-256`.
    pub crv: String,
    /// The point's x coordinate, base64url.
    pub x: String,
    /// The point's y coordinate, base64url.
    pub y: String,
}

impl AuditPublicKey {
    fn from_point(point: &[u8]) -> Self {
        let (x, y) = if point.len() == 65 {
            (&point[1..33], &point[33..])
        } else {
            (&[][..], &[][..])
        };
        Self {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: B64.encode(x),
            y: B64.encode(y),
        }
    }

    /// The uncompressed point, if the key is a well-formed P-256 JWK.
    fn point(&self) -> Option<Vec<u8>> {
        if self.kty != "EC" || self.crv != "P-256" {
            return None;
        }
        let (x, y) = (B64.decode(&self.x).ok()?, B64.decode(&self.y).ok()?);
        if x.len() != 32 || y.len() != 32 {
            return None;
        }
        let mut p = vec![4u8];
        p.extend_from_slice(&x);
        p.extend_from_slice(&y);
        Some(p)
    }
}

/// One chain's signed head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHead {
    /// `operator` or the municipality code.
    pub chain: String,
    /// How many events the chain held.
    pub events: u64,
    /// The sequence number of its last event.
    pub seq: i64,
    /// The last event's chained hash, hex.
    pub hash: String,
    /// ES256 (r ‖ s) over the head and `signed_at`, base64url.
    pub signature: String,
}

/// The events written before chains existed, as one digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedLegacy {
    /// How many legacy events there are.
    pub events: u64,
    /// SHA-256 over every legacy event's fields and MAC, hex.
    pub digest: String,
    /// ES256 over the digest and `signed_at`, base64url.
    pub signature: String,
}

/// What `vrs audit heads` prints and `vrs audit verify --heads` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHeads {
    /// [`HEADS_FORMAT`].
    pub format: String,
    /// When the heads were signed.
    pub signed_at: String,
    /// The audit public key that signed them (publish it; verifiers pin it).
    pub public_key: AuditPublicKey,
    /// The legacy events, when the database has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy: Option<SignedLegacy>,
    /// Every chain's head, the operator's first, then by municipality code.
    pub heads: Vec<SignedHead>,
}

/// One way a database departs from the heads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeadProblem {
    /// `operator`, a municipality code or `legacy`.
    pub chain: String,
    /// The sequence number where it shows, when one is known.
    pub seq: Option<i64>,
    /// What is wrong.
    pub reason: String,
}

/// The result of checking a database against signed heads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeadsReport {
    /// True when every head's signature verifies and every chain reaches it.
    pub valid: bool,
    /// How many heads were checked.
    pub heads: u64,
    /// When the heads were signed.
    pub signed_at: String,
    /// Every problem found.
    pub problems: Vec<HeadProblem>,
}

/// Records a problem; true, so that callers can remember they flagged one.
fn push(problems: &mut Vec<HeadProblem>, chain: &str, seq: Option<i64>, reason: String) -> bool {
    problems.push(HeadProblem {
        chain: chain.to_owned(),
        seq,
        reason,
    });
    true
}

fn chain_name(chain: u32) -> String {
    if chain == OPERATOR_CHAIN {
        "operator".into()
    } else {
        format!("{chain:06}")
    }
}

fn chain_number(name: &str) -> Option<u32> {
    if name == "operator" {
        return Some(OPERATOR_CHAIN);
    }
    let m: vrs_domain::MunicipalityCode = name.parse().ok()?;
    Some(m.as_u32())
}

fn head_message(chain: u32, events: u64, seq: i64, hash: &[u8], signed_at: &str) -> Vec<u8> {
    let mut buf = b"vrs-audit-signed-head-1\0".to_vec();
    buf.extend_from_slice(&chain.to_be_bytes());
    buf.extend_from_slice(&events.to_be_bytes());
    buf.extend_from_slice(&seq.to_be_bytes());
    buf.extend_from_slice(hash);
    buf.extend_from_slice(signed_at.as_bytes());
    buf
}

fn legacy_message(events: u64, digest: &[u8], signed_at: &str) -> Vec<u8> {
    let mut buf = b"vrs-audit-signed-legacy-1\0".to_vec();
    buf.extend_from_slice(&events.to_be_bytes());
    buf.extend_from_slice(digest);
    buf.extend_from_slice(signed_at.as_bytes());
    buf
}

/// A chain's head as stored: chain, chain_seq, seq, hash.
pub(crate) type ChainHead = (u32, i64, i64, Vec<u8>);

/// A backend's audit log as signed heads read it: the same rows whatever the
/// backend, so the heads and their check are one code.
pub(crate) trait AuditLog {
    /// Every chain's head: chain, chain_seq, seq, hash.
    fn chain_heads(&mut self) -> Result<Vec<ChainHead>, StoreError>;
    /// The legacy events (before chains) in order, given to `visit`.
    fn legacy_events(&mut self, visit: &mut dyn FnMut(&Row)) -> Result<(), StoreError>;
    /// The legacy chain's last MAC (empty without one).
    fn legacy_tail(&mut self) -> Result<Vec<u8>, StoreError>;
    /// A chain's events in order, given to `visit` until it returns `false`.
    fn walk_chain(
        &mut self,
        chain: u32,
        visit: &mut dyn FnMut(Row) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError>;
}

impl AuditLog for &Connection {
    fn chain_heads(&mut self) -> Result<Vec<ChainHead>, StoreError> {
        Ok(self
            .prepare("SELECT chain, chain_seq, seq, hash FROM audit_heads ORDER BY chain")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?)
    }

    fn legacy_events(&mut self, visit: &mut dyn FnMut(&Row)) -> Result<(), StoreError> {
        let mut stmt = self.prepare(&format!(
            "SELECT {} FROM audit_log WHERE chain IS NULL ORDER BY seq",
            Row::COLUMNS
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            visit(&Row::read(r)?);
        }
        Ok(())
    }

    fn legacy_tail(&mut self) -> Result<Vec<u8>, StoreError> {
        legacy_tail(self)
    }

    fn walk_chain(
        &mut self,
        chain: u32,
        visit: &mut dyn FnMut(Row) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.prepare_cached(&format!(
            "SELECT {} FROM audit_log WHERE chain = ?1 ORDER BY chain_seq",
            Row::COLUMNS
        ))?;
        let mut rows = stmt.query([chain])?;
        while let Some(r) = rows.next()? {
            if !visit(Row::read(r)?)? {
                break;
            }
        }
        Ok(())
    }
}

/// SHA-256 over every legacy event's fields and MAC, in order.
fn legacy_digest(log: &mut impl AuditLog) -> Result<(u64, Vec<u8>), StoreError> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(b"vrs-audit-legacy-1\0");
    let mut events = 0u64;
    log.legacy_events(&mut |row| {
        ctx.update(&row.legacy_bytes(&row.prev));
        ctx.update(&row.mac);
        events += 1;
    })?;
    Ok((events, ctx.finish().as_ref().to_vec()))
}

/// Signs the head of every chain as it is now.
pub(crate) fn sign(
    mut log: impl AuditLog,
    keys: &Keyring,
    signed_at: &str,
) -> Result<SignedHeads, StoreError> {
    let rows = log.chain_heads()?;
    let mut heads = Vec::with_capacity(rows.len());
    for (chain, chain_seq, seq, hash) in rows {
        let events = u64::try_from(chain_seq).unwrap_or(0);
        let signature = keys.audit_sign(&head_message(chain, events, seq, &hash, signed_at))?;
        heads.push(SignedHead {
            chain: chain_name(chain),
            events,
            seq,
            hash: hex::encode(&hash),
            signature: B64.encode(signature),
        });
    }
    let (events, digest) = legacy_digest(&mut log)?;
    let legacy = if events == 0 {
        None
    } else {
        let signature = keys.audit_sign(&legacy_message(events, &digest, signed_at))?;
        Some(SignedLegacy {
            events,
            digest: hex::encode(&digest),
            signature: B64.encode(signature),
        })
    };
    Ok(SignedHeads {
        format: HEADS_FORMAT.into(),
        signed_at: signed_at.to_owned(),
        public_key: AuditPublicKey::from_point(&keys.audit_public_key()),
        legacy,
        heads,
    })
}

/// Checks `conn` against `heads` with nothing but the heads: every signature
/// under `pinned` (the published audit public key; the key in the file is only
/// accepted if it is that key), every chain recomputed from its start, reaching
/// each head's place with the head's hash. Needs no keyring.
pub fn verify_heads(
    conn: &Connection,
    heads: &SignedHeads,
    pinned: &AuditPublicKey,
) -> Result<HeadsReport, StoreError> {
    verify_heads_in(conn, heads, pinned)
}

/// [`verify_heads`] on any backend's audit log.
pub(crate) fn verify_heads_in(
    mut log: impl AuditLog,
    heads: &SignedHeads,
    pinned: &AuditPublicKey,
) -> Result<HeadsReport, StoreError> {
    let mut problems = Vec::new();
    let report = |problems: Vec<HeadProblem>| HeadsReport {
        valid: problems.is_empty(),
        heads: heads.heads.len() as u64,
        signed_at: heads.signed_at.clone(),
        problems,
    };
    if heads.format != HEADS_FORMAT {
        push(
            &mut problems,
            "",
            None,
            format!("unknown heads format {:?}", heads.format),
        );
        return Ok(report(problems));
    }
    let Some(point) = pinned.point().filter(|_| heads.public_key == *pinned) else {
        push(
            &mut problems,
            "",
            None,
            "the heads are not signed with the published audit key".into(),
        );
        return Ok(report(problems));
    };
    let public = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point);
    let signed = |message: &[u8], signature: &str| {
        B64.decode(signature)
            .ok()
            .is_some_and(|s| public.verify(message, &s).is_ok())
    };
    let (legacy_events, digest) = legacy_digest(&mut log)?;
    match &heads.legacy {
        None if legacy_events > 0 => {
            push(
                &mut problems,
                "legacy",
                None,
                "the database holds legacy events the heads do not cover".into(),
            );
        }
        None => {}
        Some(l) => {
            let claimed = hex::decode(&l.digest).unwrap_or_default();
            if !signed(
                &legacy_message(l.events, &claimed, &heads.signed_at),
                &l.signature,
            ) {
                push(&mut problems, "legacy", None, "bad signature".into());
            } else if l.events != legacy_events || claimed != digest {
                let _ = push(
                    &mut problems,
                    "legacy",
                    None,
                    format!(
                        "the {} legacy events differ from the {} signed",
                        legacy_events, l.events
                    ),
                );
            }
        }
    }
    let tail = log.legacy_tail()?;
    for head in &heads.heads {
        let name = head.chain.as_str();
        let Some(chain) = chain_number(name) else {
            push(&mut problems, name, None, "not a chain name".into());
            continue;
        };
        let claimed = hex::decode(&head.hash).unwrap_or_default();
        if !signed(
            &head_message(chain, head.events, head.seq, &claimed, &heads.signed_at),
            &head.signature,
        ) {
            push(&mut problems, name, Some(head.seq), "bad signature".into());
            continue;
        }
        let mut prev = genesis(chain, &tail).to_vec();
        let mut expected = 1i64;
        let mut reached = false;
        let mut flagged = false;
        log.walk_chain(chain, &mut |row| {
            if row.chain_seq != expected {
                flagged = push(
                    &mut problems,
                    name,
                    Some(row.seq),
                    format!("event {expected} of the chain is missing"),
                );
                return Ok(false);
            }
            let hash = row.link(row.chain_seq).hash(chain, &prev);
            if expected as u64 == head.events {
                reached = true;
                if hash.as_slice() != claimed.as_slice() {
                    flagged = push(
                        &mut problems,
                        name,
                        Some(row.seq),
                        "the chain up to the head does not hash to the signed head \
                         (an event was rewritten, removed or replaced)"
                            .into(),
                    );
                }
                return Ok(false);
            }
            prev = hash.to_vec();
            expected += 1;
            Ok(true)
        })?;
        if !reached && !flagged && head.events > 0 {
            push(
                &mut problems,
                name,
                Some(head.seq),
                format!(
                    "the chain ends at event {} but the signed head is event {}: a cut-off \
                     tail or a copy rolled back to an earlier state",
                    expected - 1,
                    head.events
                ),
            );
        }
    }
    Ok(report(problems))
}

impl Keyring {
    /// The published audit public key as a JWK.
    pub fn audit_jwk(&self) -> AuditPublicKey {
        AuditPublicKey::from_point(&self.audit_public_key())
    }
}
