//! The audit log on PostgreSQL: the same chains, links, hashes and MACs as the
//! SQLite backend (`crate::audit`), one chain per municipality plus the
//! operator's, each appended under its own transaction-scoped advisory lock.

use postgres::types::Type;
use postgres::Transaction;
use vrs_domain::{MunicipalityCode, MyNumber};

use super::Scope;

use crate::audit::{
    chain_head_bytes, chain_of, genesis, AuditEvent, AuditReport, Link, StoredEvent,
};
use crate::{Keyring, StoreError};

/// A chain's head as `vrs_audit_head` (schema version 4) returns it, read
/// under the chain's advisory lock, with the event's sequence number when one
/// was drawn.
pub(crate) struct Head {
    chain_seq: i64,
    seq: i64,
    hash: Option<Vec<u8>>,
    next_seq: Option<i64>,
}

/// The select list of `vrs_audit_head(chain, next)` aliased `h` that
/// [`Head::from_row`] reads from columns `at..at + 4`.
pub(crate) const HEAD_COLUMNS: &str = "h.head_chain_seq, h.head_seq, h.head_hash, h.next_seq";

impl Head {
    /// Takes the chain's lock and reads its head (one round trip), drawing the
    /// next sequence number unless the caller reserved one.
    pub(crate) fn lock(
        tx: &mut Transaction<'_>,
        chain: u32,
        reserved: bool,
    ) -> Result<Self, StoreError> {
        let row = tx.query_typed_one(
            &format!("SELECT {HEAD_COLUMNS} FROM vrs_audit_head($1, $2) h"),
            &[(&(chain as i32), Type::INT4), (&!reserved, Type::BOOL)],
        )?;
        Ok(Self::from_row(&row, 0))
    }

    /// The head from columns `at..at + 4` of a row that selected
    /// [`HEAD_COLUMNS`] (a use case's own query folding the lock in).
    pub(crate) fn from_row(row: &postgres::Row, at: usize) -> Self {
        Self {
            chain_seq: row.get::<_, Option<i64>>(at).unwrap_or(0),
            seq: row.get::<_, Option<i64>>(at + 1).unwrap_or(0),
            hash: row.get(at + 2),
            next_seq: row.get(at + 3),
        }
    }
}

/// Appends one event inside `tx`, with the global sequence number `seq` when
/// the caller reserved one (an import's batch), else the next one: two round
/// trips (the chain's lock and head, then the event and the new head).
pub(crate) fn append(
    tx: &mut Transaction<'_>,
    keys: &Keyring,
    event: &AuditEvent<'_>,
    actor: Option<&str>,
    seq: Option<i64>,
) -> Result<i64, StoreError> {
    let head = Head::lock(tx, chain_of(event.municipality), seq.is_some())?;
    append_at(tx, keys, event, actor, seq, head)
}

/// Appends one event after `head`, read under the chain's lock in this
/// transaction (by [`Head::lock`] or the use case's own query): one round trip.
pub(crate) fn append_at(
    tx: &mut Transaction<'_>,
    keys: &Keyring,
    event: &AuditEvent<'_>,
    actor: Option<&str>,
    seq: Option<i64>,
    head: Head,
) -> Result<i64, StoreError> {
    let chain = chain_of(event.municipality);
    let chain_i = chain as i32;
    let prev_chain_seq = head.chain_seq;
    let prev_seq = head.seq;
    let prev = head.hash.unwrap_or_else(|| genesis(chain, &[]).to_vec());
    let seq: i64 = match seq.or(head.next_seq) {
        Some(s) => s,
        None => tx.query_one("SELECT nextval('audit_seq')", &[])?.get(0),
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
    let municipality = event.municipality.map(|m| m as i32);
    let head_mac = keys.audit_mac(&chain_head_bytes(chain, chain_seq, seq, &hash));
    // The event and the chain's new head in one statement.
    tx.execute_typed(
        "WITH event AS (
             INSERT INTO audit_log (seq, chain, chain_seq, prev_seq, at, principal, action,
                 municipality, subject, outcome, grounds, detail, prev, mac, hash, actor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16))
         INSERT INTO audit_heads (chain, chain_seq, seq, hash, head_mac)
         VALUES ($2, $3, $1, $15, $17)
         ON CONFLICT (chain) DO UPDATE SET chain_seq = excluded.chain_seq, seq = excluded.seq,
             hash = excluded.hash, head_mac = excluded.head_mac",
        &[
            (&seq, Type::INT8),
            (&chain_i, Type::INT4),
            (&chain_seq, Type::INT8),
            (&prev_seq, Type::INT8),
            (&event.at, Type::TEXT),
            (&event.principal, Type::TEXT),
            (&event.action, Type::TEXT),
            (&municipality, Type::INT4),
            (&subject, Type::BYTEA),
            (&event.outcome.as_str(), Type::TEXT),
            (&grounds, Type::TEXT),
            (&detail, Type::TEXT),
            (&prev, Type::BYTEA),
            (&mac.as_slice(), Type::BYTEA),
            (&hash.as_slice(), Type::BYTEA),
            (&actor, Type::TEXT),
            (&head_mac.as_slice(), Type::BYTEA),
        ],
    )?;
    Ok(seq)
}

/// Walks every chain and its head (a national transaction), as the SQLite
/// backend's `verify`: the first bad sequence number of an edited event, a
/// broken link, a deleted event or a cut-off tail.
pub(crate) fn verify(tx: &mut Transaction<'_>, keys: &Keyring) -> Result<AuditReport, StoreError> {
    let rows = tx.query(
        "SELECT chain, seq, at, principal, action, municipality, subject, outcome, grounds,
             detail, prev, mac, chain_seq, prev_seq, hash, actor
         FROM audit_log ORDER BY chain, chain_seq",
        &[],
    )?;
    let mut bad: Vec<i64> = Vec::new();
    // (chain, next chain_seq expected, previous hash, previous seq, broken)
    let mut walk: Option<(u32, i64, Vec<u8>, i64, bool)> = None;
    let mut chains = Vec::new();
    for r in &rows {
        let chain = r.get::<_, i32>(0) as u32;
        let seq: i64 = r.get(1);
        let chain_seq: i64 = r.get(12);
        let prev_seq: i64 = r.get(13);
        let prev: Vec<u8> = r.get(10);
        let mac: Vec<u8> = r.get(11);
        let stored_hash: Vec<u8> = r.get(14);
        if walk.as_ref().map(|w| w.0) != Some(chain) {
            if let Some(w) = walk.take() {
                chains.push((w.0, w.1 - 1, w.2, w.3, w.4));
            }
            walk = Some((chain, 1, genesis(chain, &[]).to_vec(), 0, false));
        }
        let Some(w) = walk.as_mut() else { continue };
        if !w.4 {
            let subject: Option<Vec<u8>> = r.get(6);
            let link = Link {
                seq: chain_seq,
                at: r.get(2),
                principal: r.get(3),
                action: r.get(4),
                municipality: r.get::<_, Option<i32>>(5).map(i64::from),
                subject: subject.as_deref(),
                outcome: r.get(7),
                grounds: r.get(8),
                detail: r.get(9),
                actor: r.get(15),
            };
            let hash = link.hash(chain, &w.2);
            if chain_seq != w.1 {
                bad.push(if prev_seq > w.3 { prev_seq } else { seq });
                w.4 = true;
            } else if prev != w.2
                || hash.as_slice() != stored_hash.as_slice()
                || keys.audit_mac(&hash).as_slice() != mac.as_slice()
            {
                bad.push(seq);
                w.4 = true;
            }
        }
        w.1 = chain_seq + 1;
        w.2 = stored_hash;
        w.3 = seq;
    }
    if let Some(w) = walk.take() {
        chains.push((w.0, w.1 - 1, w.2, w.3, w.4));
    }
    let heads = tx.query(
        "SELECT chain, chain_seq, seq, hash, head_mac FROM audit_heads ORDER BY chain",
        &[],
    )?;
    for (chain, last, tail, last_seq, broken) in &chains {
        if *broken {
            continue;
        }
        match heads.iter().find(|h| h.get::<_, i32>(0) as u32 == *chain) {
            None => bad.push(*last_seq),
            Some(h) => {
                let (chain_seq, seq, hash, head_mac): (i64, i64, Vec<u8>, Vec<u8>) =
                    (h.get(1), h.get(2), h.get(3), h.get(4));
                let ok = keys
                    .audit_mac(&chain_head_bytes(*chain, chain_seq, seq, &hash))
                    .as_slice()
                    == head_mac.as_slice();
                if !ok || chain_seq < *last {
                    bad.push(seq.min(*last_seq));
                } else if chain_seq > *last || hash != *tail {
                    bad.push(seq);
                }
            }
        }
    }
    for h in &heads {
        let chain = h.get::<_, i32>(0) as u32;
        if !chains.iter().any(|c| c.0 == chain) {
            bad.push(h.get(2));
        }
    }
    let first_bad_seq = bad.into_iter().min();
    Ok(AuditReport {
        valid: first_bad_seq.is_none(),
        events: rows.len() as u64,
        first_bad_seq,
        chains: chains.len() as u64,
    })
}

/// Reads the newest `limit` events matching the filters, oldest first.
pub(crate) fn search(
    tx: &mut Transaction<'_>,
    municipality: Option<u32>,
    action: Option<&str>,
    principal: Option<&str>,
    limit: u32,
) -> Result<Vec<StoredEvent>, StoreError> {
    let municipality = municipality.map(|m| m as i32);
    let rows = tx.query(
        "SELECT seq, at, principal, action, municipality, outcome, grounds, detail, actor FROM (
             SELECT * FROM audit_log
             WHERE ($1::integer IS NULL OR municipality = $1)
               AND ($2::text IS NULL OR action = $2)
               AND ($3::text IS NULL OR principal = $3)
             ORDER BY seq DESC LIMIT $4) newest
         ORDER BY seq",
        &[&municipality, &action, &principal, &i64::from(limit)],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            let grounds: String = r.get(6);
            let detail: String = r.get(7);
            StoredEvent {
                seq: r.get(0),
                at: r.get(1),
                principal: r.get(2),
                action: r.get(3),
                municipality: r.get::<_, Option<i32>>(4).map(|m| format!("{m:06}")),
                outcome: r.get(5),
                grounds: serde_json::from_str(&grounds).unwrap_or_default(),
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                actor: r.get(8),
            }
        })
        .collect())
}

impl super::Pg {
    /// Appends one operational event in its own transaction.
    pub(crate) fn audit_operation(
        &self,
        keys: &Keyring,
        event: &AuditEvent<'_>,
    ) -> Result<i64, StoreError> {
        let scope = scope_of(event.municipality)?;
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope)?;
        let seq = append(&mut tx, keys, event, self.actor.as_deref(), None)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Appends one event per trail (a refusal: the holder's and the asker's),
    /// each naming the person by its own municipality's blind index, in one
    /// transaction; returns the last event's number.
    pub(crate) fn audit_trails<'e>(
        &self,
        keys: &Keyring,
        trails: &[(Option<MunicipalityCode>, Option<&'static str>)],
        subject: Option<&MyNumber>,
        event: impl Fn(
            Option<MunicipalityCode>,
            Option<[u8; 32]>,
            Option<&'static str>,
        ) -> AuditEvent<'e>,
    ) -> Result<i64, StoreError> {
        let scope = match trails {
            [(Some(m), _)] => Scope::Area(*m),
            _ => Scope::National,
        };
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, scope)?;
        let mut seq = 0;
        for (municipality, role) in trails {
            let subject = match (subject, municipality) {
                (Some(n), Some(m)) => Some(keys.blind_index(n, *m)?),
                (Some(n), None) => Some(keys.operator_blind_index(n)),
                (None, _) => None,
            };
            let e = event(*municipality, subject, *role);
            seq = append(&mut tx, keys, &e, self.actor.as_deref(), None)?;
        }
        tx.commit()?;
        Ok(seq)
    }

    /// Verifies every chain and its head.
    pub(crate) fn audit_verify(&self, keys: &Keyring) -> Result<AuditReport, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let report = verify(&mut tx, keys)?;
        tx.commit()?;
        Ok(report)
    }

    /// Reads the newest `limit` events matching the filters, oldest first.
    pub(crate) fn audit_search(
        &self,
        municipality: Option<u32>,
        action: Option<&str>,
        principal: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let events = search(&mut tx, municipality, action, principal, limit)?;
        tx.commit()?;
        Ok(events)
    }
}

/// The scope an event of `municipality` is written in.
fn scope_of(municipality: Option<u32>) -> Result<Scope, StoreError> {
    Ok(match municipality {
        Some(m) => Scope::Area(
            MunicipalityCode::from_u32(m).map_err(|e| StoreError::Corrupt {
                what: e.to_string(),
            })?,
        ),
        None => Scope::National,
    })
}
