//! The form for people of what `vrs doses` answers: registrations, uploads,
//! doses, their history, the review queue, the ledger export.

use vrs::domain::{Dose, DoseStatus};
use vrs::{DoseImportOutcome, DoseVersion, Registered, ReviewItem};
use vrs::{ExportReport, Rejection};

use crate::output::{count, or_dash, when, yes_no, Doc, Human};

impl Human for Registered {
    fn human(&self, doc: &mut Doc) {
        let area = format!(
            "{} {}",
            self.municipality_code,
            self.municipality_code.info().name
        );
        if self.existing {
            doc.line(format!(
                "already registered: dose {} ({}) in {area}'s area; nothing was written",
                self.dose_id, self.dose_number
            ));
        } else {
            doc.line(format!(
                "registered dose {} (dose {}) in {area}'s area",
                self.dose_id, self.dose_number
            ));
        }
        if self.on_behalf {
            doc.line("registered on that municipality's behalf (T1-3-1-6)");
        }
        for r in &self.review {
            doc.line(format!("flagged for review: {r}"));
        }
    }
}

impl Human for DoseImportOutcome {
    fn human(&self, doc: &mut Doc) {
        if !self.errors.is_empty() {
            doc.line(format!(
                "{}: {}; nothing was registered",
                doc.bad("error"),
                count(self.errors.len() as u64, "bad value", "bad values")
            ));
            super::residents::row_errors(doc, &self.errors);
            return;
        }
        doc.line(format!(
            "registered {}, already held {}, replaced {}, kept (confirmed) {}; {} on another municipality's behalf",
            self.registered, self.existing, self.replaced, self.kept_confirmed, self.on_behalf
        ));
    }
}

fn status(d: &Dose) -> String {
    let status = match d.status {
        DoseStatus::Active if d.confirmed => "confirmed",
        DoseStatus::Active => "active",
        DoseStatus::EnteredInError => "entered in error",
    };
    match d.carried_over {
        Some(c) => format!(
            "{status}, carried over from {} (its dose {})",
            c.from, c.original_dose_number
        ),
        None => status.to_owned(),
    }
}

impl Human for Vec<Dose> {
    fn human(&self, doc: &mut Doc) {
        if self.is_empty() {
            doc.line("no doses");
            return;
        }
        doc.table(
            &[
                "dose id", "no.", "date", "vaccine", "lot", "venue", "status", "version",
            ],
            self.iter()
                .map(|d| {
                    vec![
                        d.id.to_string(),
                        d.dose_number.to_string(),
                        d.date.to_string(),
                        d.vaccine.id().to_owned(),
                        d.lot.to_string(),
                        or_dash(d.venue.as_ref()),
                        status(d),
                        d.version.to_string(),
                    ]
                })
                .collect(),
        );
    }
}

impl Human for Dose {
    fn human(&self, doc: &mut Doc) {
        doc.fields(&[
            ("dose", self.id.to_string()),
            ("ticket number", self.ticket_number.to_string()),
            ("dose number", self.dose_number.to_string()),
            ("date", self.date.to_string()),
            (
                "vaccine",
                format!("{} ({})", self.vaccine.id(), self.vaccine.brand_ja()),
            ),
            ("lot", self.lot.to_string()),
            ("venue", or_dash(self.venue.as_ref())),
            ("doctor", or_dash(self.doctor.as_ref())),
            (
                "vaccinated in",
                format!(
                    "{} {}",
                    self.vaccinating_municipality,
                    self.vaccinating_municipality.info().name
                ),
            ),
            (
                "registered",
                format!(
                    "{} by {}{}",
                    self.registered_at.format("%Y-%m-%d %H:%M"),
                    self.registered_by,
                    if self.on_behalf { " (on behalf)" } else { "" }
                ),
            ),
            ("status", status(self)),
            ("version", self.version.to_string()),
        ]);
    }
}

impl Human for Vec<DoseVersion> {
    fn human(&self, doc: &mut Doc) {
        doc.table(
            &[
                "version", "change", "when", "by", "reason", "date", "vaccine", "lot",
            ],
            self.iter()
                .map(|v| {
                    vec![
                        v.version.to_string(),
                        v.change.clone(),
                        when(&v.changed_at),
                        v.changed_by.clone(),
                        or_dash(v.reason.as_ref()),
                        v.dose.date.to_string(),
                        v.dose.vaccine.id().to_owned(),
                        v.dose.lot.to_string(),
                    ]
                })
                .collect(),
        );
    }
}

impl Human for Vec<ReviewItem> {
    fn human(&self, doc: &mut Doc) {
        if self.is_empty() {
            doc.line("nothing to review");
            return;
        }
        doc.line(format!(
            "{} flagged for a check:",
            count(self.len() as u64, "dose", "doses")
        ));
        doc.table(
            &["dose id", "date", "vaccine", "lot", "on behalf", "why"],
            self.iter()
                .map(|i| {
                    vec![
                        i.dose.id.to_string(),
                        i.dose.date.to_string(),
                        i.dose.vaccine.id().to_owned(),
                        i.dose.lot.to_string(),
                        yes_no(i.dose.on_behalf).to_owned(),
                        i.reasons.join("; "),
                    ]
                })
                .collect(),
        );
    }
}

impl Human for ExportReport {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "wrote {} ({}, {} bytes) to {}",
            count(self.doses, "dose", "doses"),
            self.encoding,
            self.bytes,
            self.path.display()
        ));
    }
}

/// A rejection of the facts (an unissued ticket, a dose too soon, ...).
pub(crate) struct Rejected(pub(crate) Rejection);

impl serde::Serialize for Rejected {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_json::json!({
            "refused": true,
            "reason": self.0.to_string(),
            "rejection": self.0,
        })
        .serialize(s)
    }
}

impl Human for Rejected {
    fn human(&self, doc: &mut Doc) {
        let label = doc.bad("refused:");
        doc.line(format!("{label} {}", self.0));
    }
}
