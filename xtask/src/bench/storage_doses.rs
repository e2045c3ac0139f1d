//! `bench storage`'s dose-upload figure: one municipality of the national run's
//! size (6,000 residents) uploads a 10,000-dose file (`Vrs::import_doses`, the
//! municipal upload path; the file is `bench national`'s), timed on each backend.

use std::time::Instant;

use vrs::{Answer, Vrs, VrsError};
use vrs_domain::MunicipalityCode;

/// Residents of the uploading area: 10 M residents over 1,741 municipalities.
pub(crate) const AREA_RESIDENTS: u64 = 6_000;
/// Doses in the file.
pub(crate) const FILE_DOSES: u64 = 10_000;

/// Imports [`AREA_RESIDENTS`] into 札幌市 (an area no other figure uses) and
/// times the upload of [`FILE_DOSES`] doses: doses/s, or why there is none.
pub(crate) fn upload(vrs: &mut Vrs) -> anyhow::Result<Result<f64, String>> {
    let code: MunicipalityCode = "011002".parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let who: vrs::Principal = format!("municipality:{code}").parse()?;
    vrs.grant_consent(
        who,
        None,
        vrs::consent::DocumentId::Terms20211203,
        None,
        Some("bench"),
    )?;
    let mut csv = Vec::new();
    crate::population::write_population(code, AREA_RESIDENTS, 3, &mut csv, false)?;
    match vrs.import_residents(who, csv.as_slice(), None, false)? {
        Answer::Done(o) if o.committed => {}
        other => anyhow::bail!("residents of {code}: {other:?}"),
    }
    csv.clear();
    super::national::write_doses(code, AREA_RESIDENTS, FILE_DOSES, &mut csv)?;
    let site: vrs::Principal = format!("site:{code}").parse()?;
    let t = Instant::now();
    let out = match vrs.import_doses(site, csv.as_slice(), None) {
        Ok(Answer::Done(out)) => out,
        Ok(Answer::Refused(r)) => anyhow::bail!("dose upload refused: {r}"),
        Err(VrsError::Store(e)) => return Ok(Err(format!("not yet: {e}"))),
        Err(e) => return Err(e.into()),
    };
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        out.committed && out.registered == FILE_DOSES,
        "dose upload: {} errors, first {:?}",
        out.errors.len(),
        out.errors.first()
    );
    Ok(Ok(FILE_DOSES as f64 / secs))
}
