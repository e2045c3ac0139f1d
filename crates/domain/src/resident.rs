//! `Resident`: one row of a municipality's specific-personal-information file (D12-1).

use chrono::NaiveDate;

use crate::{
    AddressNumber, BirthDate, KanaName, MunicipalityCode, MyNumber, PersonName, Sex, TicketNumber,
};

/// A resident as the municipality registers them in VRS (D12-1): every field is
/// already a checked domain value. `Debug` shows the My Number masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    /// The municipality whose logically separated area holds this row (T1-4-3).
    pub municipality: MunicipalityCode,
    /// The municipality's own resident number (宛名番号).
    pub address_number: AddressNumber,
    /// The Individual Number; sealed by the store, never shown.
    pub my_number: MyNumber,
    /// The vaccination ticket number (接種券番号).
    pub ticket_number: TicketNumber,
    /// Name in kanji (氏名).
    pub name: PersonName,
    /// Name in katakana (氏名カナ).
    pub name_kana: KanaName,
    /// Date of birth.
    pub birth_date: BirthDate,
    /// Sex.
    pub sex: Sex,
    /// Where the person lived before moving in (転入前自治体コード), when the file says.
    pub previous_municipality: Option<MunicipalityCode>,
    /// The day the person moved in (転入日), when the file says.
    pub moved_in_on: Option<NaiveDate>,
}
