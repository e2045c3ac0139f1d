//! The ICAO VDS-NC barcode signer of overseas certificates (S-2-14), configured on
//! purpose by the operator: a key and request made here for the national CSCA, or a key
//! and certificate imported; both sealed in the store.

use vrs_certificate::icao::{self, SignerInfo, SignerSubject};
use vrs_certificate::VdsSigner;
use vrs_consent::{Action, Request};
use vrs_domain::Principal;
use vrs_store::BarcodeSignerRecord;

use crate::{Answer, Vrs, VrsError};

/// A certificate request for the CSCA (its key stays sealed in the store).
#[derive(Debug, Clone)]
pub struct SignerRequest {
    /// The PKCS#10 request, DER.
    pub csr_der: Vec<u8>,
}

impl Vrs {
    fn decide_signer_config(
        &mut self,
        principal: Principal,
    ) -> Result<Result<vrs_consent::Allowed, vrs_consent::Refusal>, VrsError> {
        self.decide_request(
            Request::new(principal, Action::ConfigureBarcodeSigner, None),
            None,
        )
    }

    /// Imports the barcode signer: its PKCS#8 key (or, without one, the key of the last
    /// [`Vrs::vds_signer_request`]) and its certificate from the CSCA, which must be for
    /// that key and name the VDS-NC purpose and document type. Operator only (S-2-14).
    pub fn import_vds_signer(
        &mut self,
        principal: Principal,
        pkcs8: Option<&[u8]>,
        cert_der: &[u8],
    ) -> Result<Answer<SignerInfo>, VrsError> {
        let allowed = match self.decide_signer_config(principal)? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        let pkcs8 = match pkcs8 {
            Some(k) => k.to_vec(),
            None => self.store.pending_barcode_signer_key()?.ok_or_else(|| {
                VrsError::Certificate(vrs_certificate::CertificateError::Key {
                    reason:
                        "no key given and no pending certificate request (vrs keys vds-signer csr)"
                            .into(),
                })
            })?,
        };
        VdsSigner::new(&pkcs8, cert_der.to_vec()).map_err(VrsError::Certificate)?;
        let info = icao::signer_info(cert_der).map_err(VrsError::Certificate)?;
        let detail = serde_json::json!({
            "barcode_signer": "imported",
            "subject": info.subject,
            "csca": info.csca,
            "serial": info.serial,
            "not_after": info.not_after,
        });
        let record = BarcodeSignerRecord {
            pkcs8,
            cert_der: cert_der.to_vec(),
        };
        self.store.set_barcode_signer(&allowed, &record, detail)?;
        Ok(Answer::Done(info))
    }

    /// Makes a new barcode signer key (sealed in the store until its certificate is
    /// imported) and its PKCS#10 request for the national CSCA. Operator only (S-2-14).
    pub fn vds_signer_request(
        &mut self,
        principal: Principal,
        subject: &SignerSubject,
    ) -> Result<Answer<SignerRequest>, VrsError> {
        let allowed = match self.decide_signer_config(principal)? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        let (pkcs8, csr_der) =
            icao::barcode_signer_request(subject).map_err(VrsError::Certificate)?;
        let detail =
            serde_json::json!({ "barcode_signer": "request", "subject": format!("{subject:?}") });
        self.store
            .set_pending_barcode_signer_key(&allowed, &pkcs8, detail)?;
        Ok(Answer::Done(SignerRequest { csr_der }))
    }

    /// The configured barcode signer's certificate: subject, validity and CSCA.
    pub fn vds_signer_info(&self) -> Result<Option<SignerInfo>, VrsError> {
        match self.store.barcode_signer()? {
            None => Ok(None),
            Some(r) => icao::signer_info(&r.cert_der)
                .map(Some)
                .map_err(VrsError::Certificate),
        }
    }

    /// The configured barcode signer, ready to sign.
    pub(crate) fn vds_signer(&self) -> Result<Option<VdsSigner>, VrsError> {
        match self.store.barcode_signer()? {
            None => Ok(None),
            Some(r) => VdsSigner::new(&r.pkcs8, r.cert_der)
                .map(Some)
                .map_err(VrsError::Certificate),
        }
    }
}
