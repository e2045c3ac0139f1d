//! vrs-domain: the identifiers and records of the Vaccination Record System.
//!
//! Every identifier is a newtype with a private field and one checked
//! constructor (`FromStr`), so an invalid value cannot exist inside vrs
//! ("parse, don't validate"). Errors are one [`DomainError`] enum whose
//! messages name the field and the reason and never echo a My Number.
//!
//! ```
//! use vrs_domain::{MyNumber, MunicipalityCode, BirthDate};
//!
//! let n: MyNumber = "123456789018".parse()?;
//! assert_eq!(n.to_string(), "************");
//! let chiyoda: MunicipalityCode = "131016".parse()?;
//! assert_eq!(chiyoda.info().name, "千代田区");
//! let born: BirthDate = "昭和55年2月17日".parse()?;
//! assert_eq!(born.to_string(), "1980-02-17");
//! assert!("平成元年1月7日".parse::<BirthDate>().is_err());
//! # Ok::<(), vrs_domain::DomainError>(())
//! ```

mod account;
pub mod admission;
mod birth_date;
mod certificate;
pub mod csv_input;
pub mod csv_output;
pub mod csv_record;
mod dose;
pub mod dose_file;
mod error;
mod ids;
pub mod ledger;
mod municipality;
mod my_number;
pub mod my_number_file;
mod name;
pub mod population_file;
mod principal;
mod resident;
pub mod resident_file;
pub mod romaji;
pub mod schedule;
pub mod text;

pub use account::{Actor, Login, Role, MAX_LOGIN_LEN};
pub use birth_date::BirthDate;
pub use certificate::{
    CertificateContent, CertificateDose, CertificateId, CertificateKind, CertificateParts,
    DoseSite, Nationality, OverseasHolder, PassportNumber, RomajiName, MAX_CERTIFICATE_DOSES,
};
pub use dose::{
    age_band, parse_dose_date, CarriedOver, DoctorName, Dose, DoseEntry, DoseId, DoseStatus,
    OcrLine, VenueName,
};
pub use error::DomainError;
pub use ids::{AddressNumber, TicketNumber};
pub use municipality::{all_local_govs, LocalGov, LocalGovKind, MunicipalityCode, PrefectureCode};
pub use my_number::{MyNumber, MASKED};
pub use name::{KanaName, PersonName};
pub use principal::Principal;
pub use resident::Resident;
pub use sex::Sex;
pub use vaccine::{DoseNumber, LotNumber, VaccineProduct};

mod sex;
mod vaccine;
