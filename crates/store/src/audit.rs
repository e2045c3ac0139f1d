//! The audit log: appending events in the caller's transaction, and verifying the chain.

use rusqlite::{params, Connection, OptionalExtension};

use crate::group::Transaction;
use serde::Serialize;

use crate::keyring::Keyring;
use crate::StoreError;

/// One event to append. The store fills in the sequence number and chain links.
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
    /// `allowed`, `refused` or `done`.
    pub outcome: &'a str,
    /// Provision IDs the outcome rests on.
    pub grounds: Vec<&'a str>,
    /// Counts and other non-personal details, as JSON.
    pub detail: serde_json::Value,
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// True when every event and the head verify.
    pub valid: bool,
    /// How many events the log holds.
    pub events: u64,
    /// The first sequence number whose event, link or position is wrong.
    pub first_bad_seq: Option<i64>,
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

/// The fields of one event as stored, in chain order.
struct Link<'a> {
    seq: i64,
    at: &'a str,
    principal: &'a str,
    action: &'a str,
    municipality: Option<i64>,
    subject: Option<&'a [u8]>,
    outcome: &'a str,
    grounds: &'a str,
    detail: &'a str,
    actor: Option<&'a str>,
}

impl Link<'_> {
    /// The bytes the MAC covers: the previous MAC, then each field length-prefixed.
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
}

fn head_bytes(seq: i64, mac: &[u8]) -> Vec<u8> {
    let mut buf = b"vrs-audit-head".to_vec();
    buf.extend_from_slice(&seq.to_be_bytes());
    buf.extend_from_slice(mac);
    buf
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

/// Sets (or clears) the actor the connection's next events record.
pub(crate) fn set_actor(conn: &Connection, actor: Option<&str>) -> Result<(), StoreError> {
    prepare_actor(conn)?;
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
    let head: Option<(i64, Vec<u8>)> = tx
        .query_row("SELECT seq, mac FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (prev_seq, prev) = head.unwrap_or((0, GENESIS.to_vec()));
    let seq = prev_seq + 1;
    let grounds = serde_json::to_string(&event.grounds).map_err(StoreError::json)?;
    let detail = serde_json::to_string(&event.detail).map_err(StoreError::json)?;
    let municipality = event.municipality.map(i64::from);
    let subject = event.subject.as_ref().map(|s| s.as_slice());
    let link = Link {
        seq,
        at: &event.at,
        principal: &event.principal,
        action: event.action,
        municipality,
        subject,
        outcome: event.outcome,
        grounds: &grounds,
        detail: &detail,
        actor,
    };
    let mac = keys.audit_mac(&link.bytes(&prev));
    tx.prepare_cached(
        "INSERT INTO audit_log (seq, at, principal, action, municipality, subject, outcome, grounds, detail, prev, mac, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        seq,
        event.at,
        event.principal,
        event.action,
        municipality,
        subject,
        event.outcome,
        grounds,
        detail,
        prev,
        mac.as_slice(),
        actor
    ])?;
    let head_mac = keys.audit_mac(&head_bytes(seq, &mac));
    tx.prepare_cached(
        "INSERT INTO audit_head (id, seq, mac, head_mac) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, head_mac = excluded.head_mac",
    )?
    .execute(params![seq, mac.as_slice(), head_mac.as_slice()])?;
    Ok(seq)
}

/// Walks the whole chain and the head. Reports the first bad sequence number:
/// an edited event, a broken link, a gap (deleted event) or a cut-off tail.
pub(crate) fn verify(conn: &Connection, keys: &Keyring) -> Result<AuditReport, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, principal, action, municipality, subject, outcome, grounds, detail, prev, mac, actor
         FROM audit_log ORDER BY seq",
    )?;
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
        let seq: i64 = r.get(0)?;
        let stored_prev: Vec<u8> = r.get(9)?;
        let mac: Vec<u8> = r.get(10)?;
        let subject: Option<Vec<u8>> = r.get(5)?;
        let (at, principal, action): (String, String, String) = (r.get(1)?, r.get(2)?, r.get(3)?);
        let (outcome, grounds, detail): (String, String, String) =
            (r.get(6)?, r.get(7)?, r.get(8)?);
        let actor: Option<String> = r.get(11)?;
        let link = Link {
            seq,
            at: &at,
            principal: &principal,
            action: &action,
            municipality: r.get(4)?,
            subject: subject.as_deref(),
            outcome: &outcome,
            grounds: &grounds,
            detail: &detail,
            actor: actor.as_deref(),
        };
        let expect = keys.audit_mac(&link.bytes(&prev));
        if seq != expected_seq {
            // A gap: the event that should hold `expected_seq` is gone.
            first_bad = Some(expected_seq);
        } else if stored_prev != prev || expect.as_slice() != mac.as_slice() {
            first_bad = Some(seq);
        }
        prev = mac;
        expected_seq += 1;
    }
    if first_bad.is_none() {
        let head: Option<(i64, Vec<u8>, Vec<u8>)> = conn
            .query_row(
                "SELECT seq, mac, head_mac FROM audit_head WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
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
    Ok(AuditReport {
        valid: first_bad.is_none(),
        events,
        first_bad_seq: first_bad,
    })
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
