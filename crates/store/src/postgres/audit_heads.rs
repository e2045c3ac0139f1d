//! Signed audit heads on PostgreSQL: the audit log read through the same
//! [`AuditLog`] as SQLite's, so `vrs audit heads` and `vrs audit verify
//! --heads` sign and check the same chains with the same code. A PostgreSQL
//! database has no legacy (pre-chain) events. Each chain is read in batches
//! through a portal, so a national chain is never held in memory at once.

use postgres::Transaction;

use super::{Pg, Scope};

use crate::audit::Row;
use crate::audit_heads::{sign, verify_heads_in, AuditLog, ChainHead};
use crate::{AuditPublicKey, HeadsReport, Keyring, SignedHeads, StoreError};

/// Events read per round trip when walking a chain.
const BATCH: i32 = 10_000;

/// The audit log as one national (read) transaction sees it.
struct PgLog<'a, 't>(&'a mut Transaction<'t>);

impl AuditLog for PgLog<'_, '_> {
    fn chain_heads(&mut self) -> Result<Vec<ChainHead>, StoreError> {
        Ok(self
            .0
            .query(
                "SELECT chain, chain_seq, seq, hash FROM audit_heads ORDER BY chain",
                &[],
            )?
            .iter()
            .map(|r| (r.get::<_, i32>(0) as u32, r.get(1), r.get(2), r.get(3)))
            .collect())
    }

    fn legacy_events(&mut self, _visit: &mut dyn FnMut(&Row)) -> Result<(), StoreError> {
        Ok(())
    }

    fn legacy_tail(&mut self) -> Result<Vec<u8>, StoreError> {
        Ok(Vec::new())
    }

    fn walk_chain(
        &mut self,
        chain: u32,
        visit: &mut dyn FnMut(Row) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let portal = self.0.bind(
            &format!(
                "SELECT {} FROM audit_log WHERE chain = $1 ORDER BY chain_seq",
                Row::COLUMNS
            ),
            &[&(chain as i32)],
        )?;
        loop {
            let rows = self.0.query_portal(&portal, BATCH)?;
            if rows.is_empty() {
                return Ok(());
            }
            for r in &rows {
                if !visit(Row::from_pg(r))? {
                    return Ok(());
                }
            }
        }
    }
}

impl Pg {
    /// Signs every chain's head as it is now.
    pub(crate) fn audit_heads(
        &self,
        keys: &Keyring,
        signed_at: &str,
    ) -> Result<SignedHeads, StoreError> {
        let mut client = self.client.borrow_mut();
        // One snapshot: every head as of one moment.
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .start()?;
        tx.execute("SELECT set_config('app.scope', 'national', true)", &[])?;
        let heads = sign(PgLog(&mut tx), keys, signed_at)?;
        tx.commit()?;
        Ok(heads)
    }

    /// Checks the database against signed heads (nothing of the keyring but
    /// the pinned public key).
    pub(crate) fn audit_verify_heads(
        &self,
        heads: &SignedHeads,
        pinned: &AuditPublicKey,
    ) -> Result<HeadsReport, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = super::begin(&mut client, Scope::National)?;
        let report = verify_heads_in(PgLog(&mut tx), heads, pinned)?;
        tx.commit()?;
        Ok(report)
    }
}
