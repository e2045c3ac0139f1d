//! The app's server challenges (P9-1, P9-3): nonces kept only as their SHA-256, each
//! consumed once; whether a presented nonce is live is vrs-consent's rule, which the
//! store runs inside the transaction that consumes it, so two applications presenting
//! one nonce cannot both pass.

use chrono::{DateTime, FixedOffset};
use rusqlite::{params, OptionalExtension};
use vrs_consent::{Action, Allowed, ChallengeFact, ChallengeRefusal};

use crate::audit;
use crate::residents::event;
use crate::{Db, Store, StoreError};

/// The SHA-256 of a nonce: what the store keeps of it.
fn nonce_hash(nonce: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, nonce);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

impl Store {
    /// Keeps a freshly issued challenge (its hash) until `expires_at`. Challenges that
    /// expired before `purge_before` are deleted first. Returns `false`, keeping
    /// nothing, when `max_live` challenges are already kept (a bound on what
    /// anonymous callers can make the store hold).
    pub fn issue_challenge(
        &mut self,
        nonce: &[u8],
        expires_at: DateTime<FixedOffset>,
        purge_before: DateTime<FixedOffset>,
        max_live: u64,
    ) -> Result<bool, StoreError> {
        if let Db::Postgres(pg) = &self.db {
            return pg.issue_challenge(
                &nonce_hash(nonce),
                expires_at.timestamp(),
                purge_before.timestamp(),
                max_live,
            );
        }
        let tx = sqlite!(mut self, "issue_challenge").transaction()?;
        // Every app application issues one: through the statement cache, and the
        // count kept by triggers (migration 15), not count(*) over the table.
        tx.prepare_cached("DELETE FROM app_challenges WHERE expires_at < ?1")?
            .execute([purge_before.timestamp()])?;
        let kept: i64 = tx
            .prepare_cached("SELECT n FROM app_challenge_count WHERE id = 1")?
            .query_row([], |r| r.get(0))?;
        if kept as u64 >= max_live {
            return Ok(false);
        }
        tx.prepare_cached("INSERT INTO app_challenges (nonce_hash, expires_at) VALUES (?1, ?2)")?
            .execute(params![
                nonce_hash(nonce).as_slice(),
                expires_at.timestamp()
            ])?;
        tx.commit()?;
        Ok(true)
    }

    /// In one transaction: reads what is known of `nonce` (`None`: the card data had
    /// none), asks `rule` whether it is live, and either marks it consumed or audits
    /// the application's refusal (citing the refusal's grounds).
    pub fn consume_challenge(
        &mut self,
        allowed: &Allowed,
        nonce: Option<&[u8]>,
        rule: impl FnOnce(ChallengeFact) -> Result<(), ChallengeRefusal>,
    ) -> Result<Result<(), ChallengeRefusal>, StoreError> {
        if allowed.action() != Action::IssueCertificate {
            return Err(StoreError::WrongProof {
                expected: Action::IssueCertificate.as_str(),
                got: allowed.action().as_str(),
            });
        }
        let offset = *allowed.as_of().offset();
        let hash = nonce.map(nonce_hash);
        if let Db::Postgres(pg) = &self.db {
            return pg.consume_challenge(&self.keys, allowed, hash, offset, rule);
        }
        let tx = sqlite!(mut self, "consume_challenge").transaction()?;
        let fact = match &hash {
            None => ChallengeFact::Absent,
            Some(h) => {
                let row: Option<(i64, Option<i64>)> = tx
                    .prepare_cached(
                        "SELECT expires_at, consumed_at FROM app_challenges WHERE nonce_hash = ?1",
                    )?
                    .query_row([h.as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                match row {
                    None => ChallengeFact::Unknown,
                    Some((expires_at, consumed_at)) => ChallengeFact::Issued {
                        expires_at: DateTime::from_timestamp(expires_at, 0)
                            .ok_or_else(|| StoreError::Corrupt {
                                what: format!("challenge expiry {expires_at} is not a time"),
                            })?
                            .with_timezone(&offset),
                        consumed: consumed_at.is_some(),
                    },
                }
            }
        };
        match rule(fact) {
            Ok(()) => {
                let h = hash.ok_or_else(|| StoreError::Corrupt {
                    what: "a challenge rule accepted an absent nonce".into(),
                })?;
                tx.prepare_cached(
                    "UPDATE app_challenges SET consumed_at = ?2 WHERE nonce_hash = ?1",
                )?
                .execute(params![h.as_slice(), allowed.as_of().timestamp()])?;
                tx.commit()?;
                Ok(Ok(()))
            }
            Err(refusal) => {
                let mut ev = event(
                    allowed,
                    None,
                    serde_json::json!({ "refused": refusal.kind(), "detail": refusal.message() }),
                );
                ev.outcome = crate::Outcome::Refused;
                let grounds = refusal.grounds();
                ev.grounds = grounds.iter().map(|g| g.as_str()).collect();
                audit::append(&tx, &self.keys, &ev)?;
                tx.commit()?;
                Ok(Err(refusal))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use crate::Store;

    #[test]
    fn at_most_max_live_challenges_are_kept_and_purged_ones_make_room() {
        let dir = tempfile::tempdir().unwrap();
        let now = "2022-01-20T09:00:00+09:00";
        Store::init(dir.path(), None, false, now).unwrap();
        let mut store = Store::open(dir.path(), now).unwrap();
        let jst = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
        let t0 = jst.with_ymd_and_hms(2022, 1, 20, 9, 0, 0).unwrap();
        let minutes = |m: i64| t0 + Duration::minutes(m);
        let mut issue = |n: u8, expires: i64, purge_before: i64| {
            store
                .issue_challenge(&[n; 32], minutes(expires), minutes(purge_before), 3)
                .unwrap()
        };
        assert!(issue(1, 5, -5));
        assert!(issue(2, 6, -4));
        assert!(issue(3, 7, -3));
        assert!(!issue(4, 8, -2), "a fourth is over the limit of 3");
        // The first expired before the purge point: it goes, and one more fits.
        assert!(issue(5, 12, 6));
        assert!(!issue(6, 13, 6));
        // Every one expired: all purged, and the count with them.
        assert!(issue(7, 30, 20));
        assert!(issue(8, 31, 20));
        assert!(issue(9, 32, 20));
        assert!(!issue(10, 33, 20));
        let kept: i64 = store
            .sqlite_conn()
            .query_row("SELECT count(*) FROM app_challenges", [], |r| r.get(0))
            .unwrap();
        let counted: i64 = store
            .sqlite_conn()
            .query_row("SELECT n FROM app_challenge_count", [], |r| r.get(0))
            .unwrap();
        assert_eq!((kept, counted), (3, 3));
    }
}
