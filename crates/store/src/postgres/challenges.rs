//! The app's server challenges on PostgreSQL (as `crate::challenges`): a
//! national table of nonce hashes, each consumed once inside the transaction
//! that runs the rule (the row is locked, so two applications presenting one
//! nonce cannot both pass).

use chrono::{DateTime, FixedOffset};
use vrs_consent::{Allowed, ChallengeFact, ChallengeRefusal};

use super::{audit, Pg, Scope};
use crate::residents::event;
use crate::{Keyring, StoreError};

impl Pg {
    /// Keeps a challenge's hash unless `max_live` are kept (after purging
    /// those that expired before `purge_before`).
    pub(crate) fn issue_challenge(
        &self,
        hash: &[u8],
        expires_at: i64,
        purge_before: i64,
        max_live: u64,
    ) -> Result<bool, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        // One issuer at a time (the count's row lock), so the bound holds under
        // concurrent requests; the count is kept by triggers (migration 8).
        tx.query_one(
            "SELECT n FROM app_challenge_count WHERE id = 1 FOR UPDATE",
            &[],
        )?;
        tx.execute(
            "DELETE FROM app_challenges WHERE expires_at < $1",
            &[&purge_before],
        )?;
        let kept: i64 = tx
            .query_one("SELECT n FROM app_challenge_count WHERE id = 1", &[])?
            .get(0);
        if kept as u64 >= max_live {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO app_challenges (nonce_hash, expires_at) VALUES ($1, $2)",
            &[&hash, &expires_at],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Reads the nonce (row locked), runs `rule`, then consumes it or audits
    /// the refusal, in one transaction.
    pub(crate) fn consume_challenge(
        &self,
        keys: &Keyring,
        allowed: &Allowed,
        hash: Option<[u8; 32]>,
        offset: FixedOffset,
        rule: impl FnOnce(ChallengeFact) -> Result<(), ChallengeRefusal>,
    ) -> Result<Result<(), ChallengeRefusal>, StoreError> {
        let mut client = self.client.borrow_mut();
        // The challenge table is national; the refusal's event is in the
        // proof's area, which the national scope may write too.
        let mut tx = super::begin(&mut client, Scope::National)?;
        let fact = match &hash {
            None => ChallengeFact::Absent,
            Some(h) => {
                let row = tx.query_opt(
                    "SELECT expires_at, consumed_at FROM app_challenges
                     WHERE nonce_hash = $1 FOR UPDATE",
                    &[&h.as_slice()],
                )?;
                match row {
                    None => ChallengeFact::Unknown,
                    Some(r) => {
                        let expires_at: i64 = r.get(0);
                        let consumed_at: Option<i64> = r.get(1);
                        ChallengeFact::Issued {
                            expires_at: DateTime::from_timestamp(expires_at, 0)
                                .ok_or_else(|| StoreError::Corrupt {
                                    what: format!("challenge expiry {expires_at} is not a time"),
                                })?
                                .with_timezone(&offset),
                            consumed: consumed_at.is_some(),
                        }
                    }
                }
            }
        };
        match rule(fact) {
            Ok(()) => {
                let h = hash.ok_or_else(|| StoreError::Corrupt {
                    what: "a challenge rule accepted an absent nonce".into(),
                })?;
                tx.execute(
                    "UPDATE app_challenges SET consumed_at = $2 WHERE nonce_hash = $1",
                    &[&h.as_slice(), &allowed.as_of().timestamp()],
                )?;
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
                audit::append(&mut tx, keys, &ev, self.actor.as_deref(), None)?;
                tx.commit()?;
                Ok(Err(refusal))
            }
        }
    }
}
