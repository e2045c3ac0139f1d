//! The audit log: appending events in the caller's transaction to one hash chain
//! per municipality (plus the operator's), and verifying the chains.
//!
//! Each event's `hash` is SHA-256 over its chain, its place in the chain, the
//! previous event's hash and its fields; its `mac` is HMAC-SHA256 over that hash
//! under the keyring's audit key. Each chain has a head row (its last event,
//! MAC'd), so cutting events off the end is detected. No row is shared by all
//! chains: two municipalities' writes never wait on one audit head. Events
//! written before chains existed (schema < 9) form the one legacy chain they
//! were written in; every new chain starts from that chain's last link.

use rusqlite::{params, Connection, OptionalExtension};

use crate::group::Transaction;
use serde::Serialize;

use crate::keyring::Keyring;
use crate::StoreError;

/// What came of the action an event records; stored as its [`Outcome::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A rule allowed the action and it was carried out.
    Allowed,
    /// A rule refused the action (the grounds say which).
    Refused,
    /// The input was not admitted (a dose that breaks an admission rule, say).
    Rejected,
    /// An operation with no rule to pass (init, key rotation, sign-in) was done.
    Done,
    /// An attempt failed (a wrong password, a failed import).
    Failed,
}

impl Outcome {
    /// The stored word: `allowed`, `refused`, `rejected`, `done` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Refused => "refused",
            Self::Rejected => "rejected",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
}

/// One event to append. The store fills in the sequence number and chain links.
///
/// Built with [`AuditEvent::new`] (or [`AuditEvent::allowed`] from a rule's
/// proof) and the builder methods; the one way every event of the store, the
/// facade and the server is made.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    /// When (RFC 3339, Japan time).
    pub at: String,
    /// Who, e.g. `municipality:131016`.
    pub principal: String,
    /// What, e.g. `import_residents`.
    pub action: &'a str,
    /// Whose area it touched, when it touched one.
    pub municipality: Option<u32>,
    /// Whom it was about: the blind index of the person's My Number, never the number.
    pub subject: Option<[u8; 32]>,
    /// What came of it.
    pub outcome: Outcome,
    /// Provision IDs the outcome rests on.
    pub grounds: Vec<&'a str>,
    /// Counts and other non-personal details, as JSON.
    pub detail: serde_json::Value,
}

impl<'a> AuditEvent<'a> {
    /// An event of `principal` doing `action` at `at` (RFC 3339), touching no area, about no
    /// one, citing nothing, with no detail (add those with the methods below).
    pub fn new(
        at: impl Into<String>,
        principal: impl std::fmt::Display,
        action: &'a str,
        outcome: Outcome,
    ) -> Self {
        Self {
            at: at.into(),
            principal: principal.to_string(),
            action,
            municipality: None,
            subject: None,
            outcome,
            grounds: Vec::new(),
            detail: serde_json::Value::Null,
        }
    }

    /// The event of an action a rule allowed: its time, principal, action, area and
    /// grounds all come from the proof, so they cannot disagree with the decision.
    pub fn allowed(allowed: &'a vrs_consent::Allowed) -> Self {
        Self {
            at: allowed.as_of().to_rfc3339(),
            principal: allowed.principal().to_string(),
            action: allowed.action().as_str(),
            municipality: allowed.partition().map(|m| m.as_u32()),
            subject: None,
            outcome: Outcome::Allowed,
            grounds: allowed
                .grounds()
                .iter()
                .map(|g| g.provision.as_str())
                .collect(),
            detail: serde_json::Value::Null,
        }
    }

    /// The municipality whose area (and audit chain) the event belongs to.
    pub fn in_area(mut self, municipality: Option<u32>) -> Self {
        self.municipality = municipality;
        self
    }

    /// The person it was about, by blind index.
    pub fn about(mut self, subject: Option<[u8; 32]>) -> Self {
        self.subject = subject;
        self
    }

    /// The provision IDs the outcome rests on.
    pub fn citing(mut self, grounds: Vec<&'a str>) -> Self {
        self.grounds = grounds;
        self
    }

    /// Counts and other non-personal details.
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }

    /// The same event with another outcome (an allowed action whose input was
    /// then rejected, say).
    pub fn with_outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }
}

/// The result of checking the chains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// True when every event and every head verify.
    pub valid: bool,
    /// How many events the log holds.
    pub events: u64,
    /// The first sequence number whose event, link or position is wrong.
    pub first_bad_seq: Option<i64>,
    /// How many chains (municipalities and the operator) the log holds.
    pub chains: u64,
}

/// One stored event as read back (for `audit search`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEvent {
    /// Sequence number, from 1.
    pub seq: i64,
    /// When.
    pub at: String,
    /// Who.
    pub principal: String,
    /// What.
    pub action: String,
    /// Whose area.
    pub municipality: Option<String>,
    /// Outcome.
    pub outcome: String,
    /// Provision IDs.
    pub grounds: Vec<String>,
    /// Details.
    pub detail: serde_json::Value,
    /// Who acted beside the principal (`os:NAME`, `user:LOGIN`, `device:ID`,
    /// `app`); `null` for events written before actors were recorded.
    pub actor: Option<String>,
}

const GENESIS: [u8; 32] = [0; 32];

/// The chain of the operator's events (those of no municipality).
pub(crate) const OPERATOR_CHAIN: u32 = 0;

/// The fields of one event as stored, in chain order.
pub(crate) struct Link<'a> {
    pub(crate) seq: i64,
    pub(crate) at: &'a str,
    pub(crate) principal: &'a str,
    pub(crate) action: &'a str,
    pub(crate) municipality: Option<i64>,
    pub(crate) subject: Option<&'a [u8]>,
    pub(crate) outcome: &'a str,
    pub(crate) grounds: &'a str,
    pub(crate) detail: &'a str,
    pub(crate) actor: Option<&'a str>,
}

impl Link<'_> {
    /// The bytes a link covers: the previous link, then each field length-prefixed.
    fn bytes(&self, prev: &[u8]) -> Vec<u8> {
        let mut buf = Vec::with_capacity(256);
        let mut field = |b: &[u8]| {
            buf.extend_from_slice(&(b.len() as u64).to_be_bytes());
            buf.extend_from_slice(b);
        };
        field(prev);
        field(&self.seq.to_be_bytes());
        field(self.at.as_bytes());
        field(self.principal.as_bytes());
        field(self.action.as_bytes());
        field(&self.municipality.unwrap_or(-1).to_be_bytes());
        field(self.subject.unwrap_or(b""));
        field(self.outcome.as_bytes());
        field(self.grounds.as_bytes());
        field(self.detail.as_bytes());
        // Events written before actors were recorded keep their MAC: the actor is
        // covered only when there is one (fields are length-prefixed, so an event
        // with an actor never has the bytes of one without).
        if let Some(actor) = self.actor {
            field(actor.as_bytes());
        }
        buf
    }

    /// The chained hash of an event at place `self.seq` of `chain`: what signed
    /// heads commit to, checkable by anyone without a key.
    pub(crate) fn hash(&self, chain: u32, prev: &[u8]) -> [u8; 32] {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"vrs-audit-chain-1\0");
        ctx.update(&chain.to_be_bytes());
        ctx.update(&self.bytes(prev));
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    }
}

/// The link a chain starts from: the legacy chain's last MAC (none on a
/// database made with chains), bound to the chain's number.
pub(crate) fn genesis(chain: u32, legacy_tail: &[u8]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(b"vrs-audit-genesis-1\0");
    ctx.update(&chain.to_be_bytes());
    ctx.update(legacy_tail);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn head_bytes(seq: i64, mac: &[u8]) -> Vec<u8> {
    let mut buf = b"vrs-audit-head".to_vec();
    buf.extend_from_slice(&seq.to_be_bytes());
    buf.extend_from_slice(mac);
    buf
}

pub(crate) fn chain_head_bytes(chain: u32, chain_seq: i64, seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut buf = b"vrs-audit-chain-head-1\0".to_vec();
    buf.extend_from_slice(&chain.to_be_bytes());
    buf.extend_from_slice(&chain_seq.to_be_bytes());
    buf.extend_from_slice(&seq.to_be_bytes());
    buf.extend_from_slice(hash);
    buf
}

/// The chain an event belongs to: its municipality's, or the operator's.
pub(crate) fn chain_of(municipality: Option<u32>) -> u32 {
    municipality.unwrap_or(OPERATOR_CHAIN)
}

/// The legacy chain's last MAC (empty when the database never had one).
pub(crate) fn legacy_tail(conn: &Connection) -> Result<Vec<u8>, StoreError> {
    Ok(conn
        .query_row("SELECT mac FROM audit_head WHERE id = 1", [], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// Creates the connection's actor slot (a temporary table: per connection, never
/// in the database file). Every event appended on the connection records it.
pub(crate) fn prepare_actor(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS vrs_actor (
             id    INTEGER PRIMARY KEY CHECK (id = 1),
             actor TEXT NOT NULL
         )",
    )?;
    Ok(())
}

/// Sets (or clears) the actor the connection's next events record. The slot
/// exists from the store's open ([`prepare_actor`]); creating it here again
/// parsed a DDL statement twice per request on the service's hot path.
pub(crate) fn set_actor(conn: &Connection, actor: Option<&str>) -> Result<(), StoreError> {
    match actor {
        Some(a) => conn
            .prepare_cached(
                "INSERT INTO temp.vrs_actor (id, actor) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET actor = excluded.actor",
            )?
            .execute([a])?,
        None => conn
            .prepare_cached("DELETE FROM temp.vrs_actor")?
            .execute([])?,
    };
    Ok(())
}

/// The actor set on the connection, if any.
pub(crate) fn current_actor(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT actor FROM temp.vrs_actor WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// Appends one event inside `tx`; if this fails, the caller's effect rolls back with it.
pub(crate) fn append(
    tx: &Transaction<'_>,
    keys: &Keyring,
    event: &AuditEvent<'_>,
) -> Result<i64, StoreError> {
    let actor = current_actor(tx)?;
    append_as(tx, keys, event, actor.as_deref())
}

/// [`append`] recording `actor` instead of the connection's (a login attempt
/// records the login tried).
pub(crate) fn append_as(
    tx: &Transaction<'_>,
    keys: &Keyring,
    event: &AuditEvent<'_>,
    actor: Option<&str>,
) -> Result<i64, StoreError> {
    let chain = chain_of(event.municipality);
    let head: Option<(i64, i64, Vec<u8>)> = tx
        .prepare_cached("SELECT chain_seq, seq, hash FROM audit_heads WHERE chain = ?1")?
        .query_row([chain], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let (prev_chain_seq, prev_seq, prev) = match head {
        Some(h) => h,
        None => (0, 0, genesis(chain, &legacy_tail(tx)?).to_vec()),
    };
    let chain_seq = prev_chain_seq + 1;
    let grounds = serde_json::to_string(&event.grounds).map_err(StoreError::json)?;
    let detail = serde_json::to_string(&event.detail).map_err(StoreError::json)?;
    let municipality = event.municipality.map(i64::from);
    let subject = event.subject.as_ref().map(|s| s.as_slice());
    let link = Link {
        seq: chain_seq,
        at: &event.at,
        principal: &event.principal,
        action: event.action,
        municipality,
        subject,
        outcome: event.outcome.as_str(),
        grounds: &grounds,
        detail: &detail,
        actor,
    };
    let hash = link.hash(chain, &prev);
    let mac = keys.audit_mac(&hash);
    tx.prepare_cached(
        "INSERT INTO audit_log (at, principal, action, municipality, subject, outcome, grounds,
             detail, prev, mac, chain, chain_seq, prev_seq, hash, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        event.at,
        event.principal,
        event.action,
        municipality,
        subject,
        event.outcome.as_str(),
        grounds,
        detail,
        prev,
        mac.as_slice(),
        chain,
        chain_seq,
        prev_seq,
        hash.as_slice(),
        actor,
    ])?;
    let seq = tx.last_insert_rowid();
    let head_mac = keys.audit_mac(&chain_head_bytes(chain, chain_seq, seq, &hash));
    tx.prepare_cached(
        "INSERT INTO audit_heads (chain, chain_seq, seq, hash, head_mac) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (chain) DO UPDATE SET chain_seq = excluded.chain_seq, seq = excluded.seq,
             hash = excluded.hash, head_mac = excluded.head_mac",
    )?
    .execute(params![
        chain,
        chain_seq,
        seq,
        hash.as_slice(),
        head_mac.as_slice()
    ])?;
    Ok(seq)
}

/// One event read back for verification.
pub(crate) struct Row {
    pub(crate) seq: i64,
    at: String,
    principal: String,
    action: String,
    municipality: Option<i64>,
    subject: Option<Vec<u8>>,
    outcome: String,
    grounds: String,
    detail: String,
    pub(crate) prev: Vec<u8>,
    pub(crate) mac: Vec<u8>,
    pub(crate) chain_seq: i64,
    pub(crate) prev_seq: i64,
    pub(crate) hash: Vec<u8>,
    actor: Option<String>,
}

impl Row {
    pub(crate) const COLUMNS: &'static str = "seq, at, principal, action, municipality, subject, \
         outcome, grounds, detail, prev, mac, chain_seq, prev_seq, hash, actor";

    pub(crate) fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Self::read_at(r, 0)
    }

    /// The link as the chain covers it, at place `seq` (global in the legacy chain).
    pub(crate) fn link(&self, seq: i64) -> Link<'_> {
        Link {
            seq,
            at: &self.at,
            principal: &self.principal,
            action: &self.action,
            municipality: self.municipality,
            subject: self.subject.as_deref(),
            outcome: &self.outcome,
            grounds: &self.grounds,
            detail: &self.detail,
            actor: self.actor.as_deref(),
        }
    }

    /// The bytes of the legacy chain's link (global sequence, keyed MAC).
    pub(crate) fn legacy_bytes(&self, prev: &[u8]) -> Vec<u8> {
        self.link(self.seq).bytes(prev)
    }
}

/// What walking the legacy chain found.
struct Legacy {
    events: u64,
    first_bad: Option<i64>,
    tail: Vec<u8>,
}

/// Walks the events written before chains (global sequence, keyed MACs) and their head.
fn verify_legacy(conn: &Connection, keys: &Keyring) -> Result<Legacy, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM audit_log WHERE chain IS NULL ORDER BY seq",
        Row::COLUMNS
    ))?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_vec();
    let mut events = 0u64;
    let mut first_bad = None;
    while let Some(r) = rows.next()? {
        events += 1;
        if first_bad.is_some() {
            continue;
        }
        let row = Row::read(r)?;
        let expect = keys.audit_mac(&row.legacy_bytes(&prev));
        if row.seq != expected_seq {
            // A gap: the event that should hold `expected_seq` is gone.
            first_bad = Some(expected_seq);
        } else if row.prev != prev || expect.as_slice() != row.mac.as_slice() {
            first_bad = Some(row.seq);
        }
        prev = row.mac;
        expected_seq += 1;
    }
    let head: Option<(i64, Vec<u8>, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, mac, head_mac FROM audit_head WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let tail = head.as_ref().map(|h| h.1.clone()).unwrap_or_default();
    if first_bad.is_none() {
        let last = expected_seq - 1;
        match head {
            None if last == 0 => {}
            None => first_bad = Some(1),
            Some((seq, mac, head_mac)) => {
                let head_ok =
                    keys.audit_mac(&head_bytes(seq, &mac)).as_slice() == head_mac.as_slice();
                if !head_ok || seq < last {
                    first_bad = Some(seq.min(last).max(1));
                } else if seq > last || mac != prev {
                    // Events after `last` were cut off the end.
                    first_bad = Some(last + 1);
                }
            }
        }
    }
    Ok(Legacy {
        events,
        first_bad,
        tail,
    })
}

/// Walks every chain and its head with the audit key. Reports the first bad
/// sequence number: an edited event, a broken link, a deleted event (by the
/// number its successor links to) or a cut-off tail (by the head's number).
pub(crate) fn verify(conn: &Connection, keys: &Keyring) -> Result<AuditReport, StoreError> {
    let legacy = verify_legacy(conn, keys)?;
    let mut events = legacy.events;
    let mut bad: Vec<i64> = legacy.first_bad.into_iter().collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT chain, {} FROM audit_log WHERE chain IS NOT NULL ORDER BY chain, chain_seq",
        Row::COLUMNS
    ))?;
    let mut rows = stmt.query([])?;
    // (chain, next chain_seq expected, previous hash, previous seq, bad already)
    let mut walk: Option<(u32, i64, Vec<u8>, i64, bool)> = None;
    let mut chains = Vec::new();
    while let Some(r) = rows.next()? {
        events += 1;
        let chain: u32 = r.get(0)?;
        let row = Row::read_at(r, 1)?;
        if walk.as_ref().map(|w| w.0) != Some(chain) {
            if let Some(w) = walk.take() {
                chains.push((w.0, w.1 - 1, w.2, w.3, w.4));
            }
            walk = Some((chain, 1, genesis(chain, &legacy.tail).to_vec(), 0, false));
        }
        let Some(w) = walk.as_mut() else { continue };
        if !w.4 {
            let hash = row.link(row.chain_seq).hash(chain, &w.2);
            if row.chain_seq != w.1 {
                // The event its successor links to is gone.
                bad.push(if row.prev_seq > w.3 {
                    row.prev_seq
                } else {
                    row.seq
                });
                w.4 = true;
            } else if row.prev != w.2
                || hash.as_slice() != row.hash.as_slice()
                || keys.audit_mac(&hash).as_slice() != row.mac.as_slice()
            {
                bad.push(row.seq);
                w.4 = true;
            }
        }
        w.1 = row.chain_seq + 1;
        w.2 = row.hash;
        w.3 = row.seq;
    }
    if let Some(w) = walk.take() {
        chains.push((w.0, w.1 - 1, w.2, w.3, w.4));
    }
    type HeadRow = (u32, i64, i64, Vec<u8>, Vec<u8>);
    let heads: Vec<HeadRow> = conn
        .prepare("SELECT chain, chain_seq, seq, hash, head_mac FROM audit_heads ORDER BY chain")?
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    for (chain, last, tail, last_seq, broken) in &chains {
        if *broken {
            continue;
        }
        match heads.iter().find(|h| h.0 == *chain) {
            // A chain whose head row is gone: its events cannot be shown complete.
            None => bad.push(*last_seq),
            Some((_, chain_seq, seq, hash, head_mac)) => {
                let ok = keys
                    .audit_mac(&chain_head_bytes(*chain, *chain_seq, *seq, hash))
                    .as_slice()
                    == head_mac.as_slice();
                if !ok || chain_seq < last {
                    bad.push((*seq).min(*last_seq));
                } else if chain_seq > last || hash != tail {
                    // Events after `last` were cut off the end.
                    bad.push(*seq);
                }
            }
        }
    }
    for (chain, _, seq, _, _) in &heads {
        if !chains.iter().any(|c| c.0 == *chain) {
            // Every event of a chain is gone.
            bad.push(*seq);
        }
    }
    let first_bad_seq = bad.into_iter().min();
    Ok(AuditReport {
        valid: first_bad_seq.is_none(),
        events,
        first_bad_seq,
        chains: chains.len() as u64,
    })
}

impl Row {
    /// Reads the columns of [`Row::COLUMNS`] starting at column `at`.
    pub(crate) fn read_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Self> {
        Ok(Self {
            seq: r.get(at)?,
            at: r.get(at + 1)?,
            principal: r.get(at + 2)?,
            action: r.get(at + 3)?,
            municipality: r.get(at + 4)?,
            subject: r.get(at + 5)?,
            outcome: r.get(at + 6)?,
            grounds: r.get(at + 7)?,
            detail: r.get(at + 8)?,
            prev: r.get(at + 9)?,
            mac: r.get(at + 10)?,
            chain_seq: r.get::<_, Option<i64>>(at + 11)?.unwrap_or(0),
            prev_seq: r.get::<_, Option<i64>>(at + 12)?.unwrap_or(0),
            hash: r.get::<_, Option<Vec<u8>>>(at + 13)?.unwrap_or_default(),
            actor: r.get(at + 14)?,
        })
    }
}

impl Row {
    /// An event as PostgreSQL returns [`Row::COLUMNS`] (the same fields).
    pub(crate) fn from_pg(r: &postgres::Row) -> Self {
        Self {
            seq: r.get(0),
            at: r.get(1),
            principal: r.get(2),
            action: r.get(3),
            municipality: r.get::<_, Option<i32>>(4).map(i64::from),
            subject: r.get(5),
            outcome: r.get(6),
            grounds: r.get(7),
            detail: r.get(8),
            prev: r.get(9),
            mac: r.get(10),
            chain_seq: r.get(11),
            prev_seq: r.get(12),
            hash: r.get(13),
            actor: r.get(14),
        }
    }
}

/// Reads events, newest last, filtered by municipality, action and principal.
pub(crate) fn search(
    conn: &Connection,
    municipality: Option<u32>,
    action: Option<&str>,
    principal: Option<&str>,
    limit: u32,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, principal, action, municipality, outcome, grounds, detail, actor FROM (
             SELECT * FROM audit_log
             WHERE (?1 IS NULL OR municipality = ?1)
               AND (?2 IS NULL OR action = ?2)
               AND (?3 IS NULL OR principal = ?3)
             ORDER BY seq DESC LIMIT ?4)
         ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![municipality, action, principal, limit], |r| {
        let municipality: Option<i64> = r.get(4)?;
        let grounds: String = r.get(6)?;
        let detail: String = r.get(7)?;
        Ok(StoredEvent {
            seq: r.get(0)?,
            at: r.get(1)?,
            principal: r.get(2)?,
            action: r.get(3)?,
            municipality: municipality.map(|m| format!("{m:06}")),
            outcome: r.get(5)?,
            grounds: serde_json::from_str(&grounds).unwrap_or_default(),
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
            actor: r.get(8)?,
        })
    })?;
    rows.collect::<Result<_, _>>().map_err(StoreError::from)
}

#[cfg(test)]
mod tests {
    use super::{AuditEvent, Outcome};

    #[test]
    fn outcomes_are_stored_as_their_words() {
        let words: Vec<_> = [
            Outcome::Allowed,
            Outcome::Refused,
            Outcome::Rejected,
            Outcome::Done,
            Outcome::Failed,
        ]
        .map(Outcome::as_str)
        .into();
        assert_eq!(words, ["allowed", "refused", "rejected", "done", "failed"]);
    }

    #[test]
    fn the_builder_sets_each_field_it_names_and_nothing_else() {
        let bare = AuditEvent::new(
            "2026-11-28T09:00:00+09:00",
            "operator",
            "init",
            Outcome::Done,
        );
        assert_eq!(bare.at, "2026-11-28T09:00:00+09:00");
        assert_eq!(bare.principal, "operator");
        assert_eq!((bare.municipality, bare.subject), (None, None));
        assert!(bare.grounds.is_empty());
        assert_eq!(bare.detail, serde_json::Value::Null);
        let full = bare
            .in_area(Some(131016))
            .about(Some([7; 32]))
            .citing(vec!["T1-4-3"])
            .with_detail(serde_json::json!({ "n": 1 }))
            .with_outcome(Outcome::Refused);
        assert_eq!(full.municipality, Some(131016));
        assert_eq!(full.subject, Some([7; 32]));
        assert_eq!(full.grounds, ["T1-4-3"]);
        assert_eq!(full.detail, serde_json::json!({ "n": 1 }));
        assert_eq!(full.outcome, Outcome::Refused);
    }
}
