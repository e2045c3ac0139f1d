//! The ledger export ("予防接種台帳向け出力"): one CSV line per dose in the layout
//! municipal vaccination registers import (fixtures/reference README).
//!
//! Columns: address number (宛名番号; blank unless asked for), registration time
//! `YYYYMMDDHHMMSS` (Japan time), dose date `YYYYMMDD`, ticket number (10),
//! vaccinating municipality code (6), venue (≤30), doctor (≤20), maker (≤20), lot
//! (≤20). Lines end in CRLF, as Windows municipal systems expect; a field holding
//! a comma, quote or line break is quoted (RFC 4180), and one a spreadsheet would
//! run as a formula is neutralised ([`crate::csv_output`]).

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::csv_input::Encoding;
use crate::csv_output::push_cell as field;
use crate::dose::{DoctorName, VenueName};
use crate::{
    AddressNumber, DomainError, LotNumber, MunicipalityCode, TicketNumber, VaccineProduct,
};

/// The header line of the export.
pub const LEDGER_HEADER: &str =
    "宛名番号,登録日時,接種日,接種券番号,接種自治体コード,接種会場,接種医師,メーカー,ロット番号\r\n";

/// One dose as the ledger export writes it.
#[derive(Debug, Clone)]
pub struct LedgerRow<'a> {
    /// The address number, written only when the caller asked for it.
    pub address_number: Option<&'a AddressNumber>,
    /// When the dose was registered.
    pub registered_at: DateTime<FixedOffset>,
    /// The vaccination date.
    pub date: NaiveDate,
    /// The ticket number.
    pub ticket_number: TicketNumber,
    /// Where the vaccination took place.
    pub vaccinating_municipality: MunicipalityCode,
    /// The venue.
    pub venue: Option<&'a VenueName>,
    /// The doctor.
    pub doctor: Option<&'a DoctorName>,
    /// The product (its Japanese maker name is written).
    pub vaccine: VaccineProduct,
    /// The lot.
    pub lot: &'a LotNumber,
}

impl LedgerRow<'_> {
    /// Appends the row as one CRLF-terminated CSV line to `out`.
    pub fn write_to(&self, out: &mut String) {
        field(out, self.address_number.map_or("", |a| a.as_str()));
        let _ = write!(
            out,
            ",{},{},{},{},",
            self.registered_at.format("%Y%m%d%H%M%S"),
            self.date.format("%Y%m%d"),
            self.ticket_number,
            self.vaccinating_municipality
        );
        field(out, self.venue.map_or("", |v| v.as_str()));
        out.push(',');
        field(out, self.doctor.map_or("", |d| d.as_str()));
        out.push(',');
        field(out, self.vaccine.maker_ja());
        out.push(',');
        field(out, self.lot.as_str());
        out.push_str("\r\n");
    }
}

/// Encodes export text in the requested encoding. CP932 output fails when a
/// character has no CP932 form (rather than writing a substitute).
pub fn encode(text: &str, encoding: Encoding) -> Result<Vec<u8>, DomainError> {
    match encoding {
        Encoding::Utf8 => Ok(text.as_bytes().to_vec()),
        Encoding::Cp932 => {
            let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
            if unmappable {
                let bad = text
                    .chars()
                    .find(|c| {
                        let mut b = [0u8; 4];
                        encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut b)).2
                    })
                    .unwrap_or('?');
                return Err(DomainError::Invalid {
                    field: "encoding",
                    reason: format!("{bad:?} cannot be written in cp932"),
                });
            }
            Ok(bytes.into_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_row_is_written_in_the_reference_layout_with_quoting() {
        let jst = FixedOffset::east_opt(9 * 3600).unwrap();
        let lot: LotNumber = "FA5765".parse().unwrap();
        let venue: VenueName = "会場,A".parse().unwrap();
        let address: AddressNumber = "A1".parse().unwrap();
        let row = LedgerRow {
            address_number: Some(&address),
            registered_at: jst.with_ymd_and_hms(2021, 6, 1, 10, 20, 30).unwrap(),
            date: NaiveDate::from_ymd_opt(2021, 6, 1).unwrap(),
            ticket_number: "0000000001".parse().unwrap(),
            vaccinating_municipality: "131016".parse().unwrap(),
            venue: Some(&venue),
            doctor: None,
            vaccine: "comirnaty".parse().unwrap(),
            lot: &lot,
        };
        let mut s = String::new();
        row.write_to(&mut s);
        assert_eq!(
            s,
            "A1,20210601102030,20210601,0000000001,131016,\"会場,A\",,ファイザー,FA5765\r\n"
        );
        let sjis = encode(&s, Encoding::Cp932).unwrap();
        assert_eq!(encoding_rs::SHIFT_JIS.decode(&sjis).0, s);
        assert!(encode("𠮷", Encoding::Cp932).is_err());
    }

    #[test]
    fn the_exported_ledger_reads_back_the_same_values_through_the_importers_reader() {
        use crate::csv_record::{CsvReader, NextRecord};
        let jst = FixedOffset::east_opt(9 * 3600).unwrap();
        let lot: LotNumber = "FA5765".parse().unwrap();
        let values = [
            ("=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)"),
            ("+81 会場", "-1"),
            ("'=already quoted", "'"),
            ("会場,\"A\"", "山田医師"),
        ];
        let venues: Vec<VenueName> = values.iter().map(|(v, _)| v.parse().unwrap()).collect();
        let doctors: Vec<DoctorName> = values.iter().map(|(_, d)| d.parse().unwrap()).collect();
        let mut text = LEDGER_HEADER.to_owned();
        for (venue, doctor) in venues.iter().zip(&doctors) {
            LedgerRow {
                address_number: None,
                registered_at: jst.with_ymd_and_hms(2021, 6, 1, 10, 20, 30).unwrap(),
                date: NaiveDate::from_ymd_opt(2021, 6, 1).unwrap(),
                ticket_number: "0000000001".parse().unwrap(),
                vaccinating_municipality: "131016".parse().unwrap(),
                venue: Some(venue),
                doctor: Some(doctor),
                vaccine: "comirnaty".parse().unwrap(),
                lot: &lot,
            }
            .write_to(&mut text);
        }
        for line in text.split("\r\n") {
            assert!(
                line.split(',')
                    .all(|c| !c.starts_with(['=', '+', '-', '@'])),
                "{line}"
            );
        }
        let bytes = encode(&text, Encoding::Cp932).unwrap();
        let (mut reader, header) = CsvReader::open(bytes.as_slice(), None).unwrap();
        assert_eq!(header.join(","), LEDGER_HEADER.trim_end());
        for (i, (venue, doctor)) in values.iter().enumerate() {
            let next = reader.next_record();
            assert!(matches!(next, NextRecord::Row { .. }), "{next:?}");
            let line = i as u64 + 2;
            assert_eq!(
                next,
                NextRecord::Row {
                    line,
                    index: line - 1
                }
            );
            let cells = reader.record();
            assert_eq!((cells[5].as_str(), cells[6].as_str()), (*venue, *doctor));
            assert_eq!(cells[8], "FA5765");
        }
        assert_eq!(reader.next_record(), NextRecord::End);
    }
}
