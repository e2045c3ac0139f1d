//! Issuer keys (T1-4-2): every municipality signs as itself, with keys created
//! when first needed, sealed in the store, rotated by the operator; retired public
//! keys stay published, and every key declares `crlVersion` (its revocation list's `ctr`)
//! from its first publication, so verifiers know to fetch the list.

use vrs_certificate::{
    Crl, Directory, DirectoryEntry, Issuer, IssuerKey, Jwk, Jwks, Revoked, Rid, TrustList,
};
use vrs_consent::{Action, Request};
use vrs_domain::{MunicipalityCode, Principal};

use crate::{Answer, Vrs, VrsError};

/// Errors of key handling, folded into the facade's error.
fn cert_err(e: vrs_certificate::CertificateError) -> VrsError {
    VrsError::Certificate(e)
}

fn json_err(e: serde_json::Error) -> VrsError {
    VrsError::Store(vrs_store::StoreError::Corrupt {
        what: format!("stored public key: {e}"),
    })
}

impl Vrs {
    /// The issuer of certificates of `m`: `<issuer base URL>/<code>`.
    pub fn issuer(&self, m: MunicipalityCode) -> Result<Issuer, VrsError> {
        let base = self
            .store
            .setting("issuer_base_url")?
            .unwrap_or_else(|| vrs_store::DEFAULT_ISSUER_BASE_URL.to_owned());
        Issuer::new(&base, m).map_err(cert_err)
    }

    /// `m`'s active signing key, created (and audited) when first needed.
    pub(crate) fn signing_key(&mut self, m: MunicipalityCode) -> Result<IssuerKey, VrsError> {
        if let Some((_, pkcs8)) = self.store.active_issuer_key(m)? {
            return IssuerKey::from_pkcs8(&pkcs8).map_err(cert_err);
        }
        let key = IssuerKey::generate().map_err(cert_err)?;
        let jwk = serde_json::to_string(&key.public_jwk()).map_err(json_err)?;
        let at = self.now().to_rfc3339();
        self.store
            .insert_issuer_key(m, key.kid(), key.to_pkcs8(), &jwk, &at)?;
        Ok(key)
    }

    /// `m`'s JWKS: every key, current and retired, each with its `crlVersion` (1 + its
    /// revocations). Creates the first key when `m` has none.
    pub fn jwks(&mut self, m: MunicipalityCode) -> Result<Jwks, VrsError> {
        self.signing_key(m)?;
        self.published_jwks(m)
    }

    fn published_jwks(&self, m: MunicipalityCode) -> Result<Jwks, VrsError> {
        let mut keys = Vec::new();
        for rec in self.store.issuer_public_keys(m)? {
            let mut jwk: Jwk = serde_json::from_str(&rec.public_jwk).map_err(json_err)?;
            // Every key can revoke, so each declares crlVersion from its first publication:
            // version 1 is the empty list, each change of the list adds one.
            jwk.crl_version = Some(rec.crl_version);
            keys.push(jwk);
        }
        Ok(Jwks { keys })
    }

    /// Every issuer of this instance with its JWKS, for verifiers.
    pub fn key_directory(&self) -> Result<Directory, VrsError> {
        let mut issuers = Vec::new();
        for m in self.store.issuers()? {
            issuers.push(DirectoryEntry {
                iss: self.issuer(m)?,
                keys: self.published_jwks(m)?.keys,
            });
        }
        Ok(Directory { issuers })
    }

    /// The revocation list of one issuer key. A rid is one person's (every card
    /// of theirs from this issuer), so each entry revokes the cards issued up to
    /// its revocation (`rid.timestamp`), never the ones issued after it.
    pub fn crl(&self, kid: &str) -> Result<Crl, VrsError> {
        let corrupt = |what: String| VrsError::Store(vrs_store::StoreError::Corrupt { what });
        let mut rids = Vec::new();
        for r in self.store.revocations(kid)? {
            let rid = Rid::parse(&r.rid)
                .ok_or_else(|| corrupt(format!("revocation id of key {kid} does not parse")))?;
            let at = chrono::DateTime::parse_from_rfc3339(&r.revoked_at)
                .map_err(|e| corrupt(format!("revocation time of key {kid}: {e}")))?;
            rids.push(Revoked::issued_up_to(rid, at.timestamp()));
        }
        Ok(Crl {
            kid: kid.to_owned(),
            ctr: self.store.crl_version(kid)?,
            rids,
        })
    }

    /// What verifiers of this instance trust: Japan's real issuer keys plus every
    /// issuer of this instance, with their revocation lists.
    pub fn trust_list(&self) -> Result<TrustList, VrsError> {
        let mut trust = TrustList::japan();
        for m in self.store.issuers()? {
            let jwks = self.published_jwks(m)?;
            for k in &jwks.keys {
                if k.crl_version.is_some() {
                    trust.add_crl(self.crl(&k.kid)?);
                }
            }
            trust.add_jwks(self.issuer(m)?, jwks);
        }
        Ok(trust)
    }

    /// T1-4-2: the operator rotates `m`'s key. The old private key is destroyed;
    /// its public key stays in the JWKS so certificates it signed still verify.
    pub fn rotate_key(
        &mut self,
        principal: Principal,
        m: MunicipalityCode,
    ) -> Result<Answer<Jwks>, VrsError> {
        let request = Request::new(principal, Action::RotateIssuerKey, None);
        let allowed = match self.decide_request(request, None)? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        let key = IssuerKey::generate().map_err(cert_err)?;
        let jwk = serde_json::to_string(&key.public_jwk()).map_err(json_err)?;
        self.store
            .rotate_issuer_key(&allowed, m, key.kid(), key.to_pkcs8(), &jwk)?;
        Ok(Answer::Done(self.published_jwks(m)?))
    }
}
