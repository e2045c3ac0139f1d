//! The vaccine catalog's schedule: the minimum interval checked when a dose is
//! registered, and the (longer) interval after which a municipality sends the
//! ticket for the next dose, each with the day it took effect and its source.
//!
//! The two differ: the minimum interval is what a venue may give at the earliest
//! (the package inserts and the MHLW 実施規則); the ticket-sending interval is when
//! the government asked municipalities to invite a person (the health ministry's
//! notices to municipalities, 事務連絡). For the 3rd dose, tickets went out 8 months
//! after the 2nd dose at first, then the government shortened it by group and date.
//!
//! Sources (the health ministry's decisions as reported on the day; the notices
//! themselves are 厚生労働省健康局健康課予防接種室 事務連絡 of the same dates):
//! - 2021-11-15 予防接種・ワクチン分科会, 2021-11-17 事務連絡: 3rd doses from 2021-12-01,
//!   "2回目接種完了から原則8か月以上", exceptionally 6 months where a municipality
//!   judges it necessary (Japan Times 2021-11-15 "Japan to allow booster shots six months
//!   after second dose"; Xinhua/Manila Bulletin 2021-11-16 "Japan to start administering
//!   COVID-19 booster shots from Dec. 1").
//! - 2021-12-17 (Prime Minister's announcement, notified to municipalities the same day):
//!   healthcare workers and residents of elderly facilities after 6 months; all other
//!   people aged 65 or over after 7 months from February 2022 (Yomiuri 2021-12-18
//!   "Japan shortens interval for COVID-19 booster shots").
//! - 2022-01-13: from March 2022, the general elderly after 6 months and people aged 64
//!   or under after 7 months (Jiji Press / nippon.com 2022-01-13 "Japan to shorten
//!   booster shot intervals in March").
//! - 2022-10 (MHLW): every booster at least 3 months after the previous dose (the
//!   package inserts' "少なくとも3ヵ月経過した後", see [`crate::VaccineProduct`]).
//!
//! The resident file does not say who is a healthcare worker or lives in an elderly
//! facility, so the 6-month interval of 2021-12-17 for those groups is listed for the
//! record but never chosen from resident data; the age groups are.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::{DoseNumber, VaccineProduct};

/// A length of time after a dose: whole days, or calendar months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Span {
    /// Days.
    Days(u16),
    /// Calendar months (the same day of the month, or the month's last day).
    Months(u32),
}

impl Span {
    /// The day `self` after `date`.
    pub fn after(self, date: NaiveDate) -> NaiveDate {
        match self {
            Self::Days(d) => date + chrono::Days::new(u64::from(d)),
            Self::Months(m) => date.checked_add_months(Months::new(m)).unwrap_or(date),
        }
    }

    /// The day `self` before `date` (months back to the same day of the month, or the
    /// month's last day).
    pub fn before(self, date: NaiveDate) -> NaiveDate {
        match self {
            Self::Days(d) => date - chrono::Days::new(u64::from(d)),
            Self::Months(m) => date.checked_sub_months(Months::new(m)).unwrap_or(date),
        }
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Days(d) => write!(f, "{d} days"),
            Self::Months(m) => write!(f, "{m} months"),
        }
    }
}

/// Who an interval applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Everyone.
    All,
    /// People aged 65 or over on the day (一般高齢者).
    Aged65AndOver,
    /// People aged 64 or under on the day.
    Aged64AndUnder,
    /// Healthcare workers and residents of elderly facilities: not in the resident
    /// file, so never chosen from it (listed for the record).
    HealthcareAndFacilities,
}

impl Group {
    fn includes(self, age: i32) -> bool {
        match self {
            Self::All => true,
            Self::Aged65AndOver => age >= 65,
            Self::Aged64AndUnder => age < 65,
            Self::HealthcareAndFacilities => false,
        }
    }

    /// How specific the group is: a specific group's rule wins over `All` of the same day.
    fn specific(self) -> bool {
        self != Self::All
    }
}

/// One decision on when to send the ticket for a dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TicketInterval {
    /// The dose the ticket is for.
    pub dose: u8,
    /// Who it applies to.
    pub group: Group,
    /// The first day it applies.
    pub effective_from: NaiveDate,
    /// How long after the previous dose.
    pub interval: Span,
    /// The decision it comes from.
    pub source: &'static str,
}

const fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("not a date"),
    }
}

/// Every ticket-sending interval, oldest first (sources in the module docs).
pub const TICKET_INTERVALS: &[TicketInterval] = &[
    TicketInterval {
        dose: 3,
        group: Group::All,
        effective_from: day(2021, 12, 1),
        interval: Span::Months(8),
        source: "MHLW 2021-11-17 (分科会 2021-11-15): 2回目接種完了から原則8か月以上",
    },
    TicketInterval {
        dose: 3,
        group: Group::HealthcareAndFacilities,
        effective_from: day(2021, 12, 17),
        interval: Span::Months(6),
        source: "Government decision 2021-12-17: healthcare workers and elderly facilities after 6 months",
    },
    TicketInterval {
        dose: 3,
        group: Group::Aged65AndOver,
        effective_from: day(2022, 2, 1),
        interval: Span::Months(7),
        source: "Government decision 2021-12-17: other people aged 65 or over after 7 months from February 2022",
    },
    TicketInterval {
        dose: 3,
        group: Group::Aged65AndOver,
        effective_from: day(2022, 3, 1),
        interval: Span::Months(6),
        source: "Government decision 2022-01-13: the general elderly after 6 months from March 2022",
    },
    TicketInterval {
        dose: 3,
        group: Group::Aged64AndUnder,
        effective_from: day(2022, 3, 1),
        interval: Span::Months(7),
        source: "Government decision 2022-01-13: people aged 64 or under after 7 months from March 2022",
    },
];

/// The ticket-sending interval for dose `dose` in force on `on` for a person aged
/// `age` that day: the latest decision in force that covers them (a group's own
/// decision wins over one for everyone of the same day). `None` when no ticket of
/// that dose is sent on that day (e.g. 3rd doses before 2021-12-01).
pub fn ticket_interval(
    dose: DoseNumber,
    age: i32,
    on: NaiveDate,
) -> Option<&'static TicketInterval> {
    TICKET_INTERVALS
        .iter()
        .filter(|t| t.dose == dose.get() && t.effective_from <= on && t.group.includes(age))
        .max_by_key(|t| (t.effective_from, t.group.specific()))
}

/// One decision on the minimum interval before a booster (3rd and later doses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BoosterMinimum {
    /// The first day it applies.
    pub effective_from: NaiveDate,
    /// How long after the previous dose at the earliest.
    pub interval: Span,
    /// The decision it comes from.
    pub source: &'static str,
}

/// The minimum interval before a booster, oldest first (sources in the module docs).
pub const BOOSTER_MINIMUMS: &[BoosterMinimum] = &[
    BoosterMinimum {
        effective_from: day(2021, 12, 1),
        interval: Span::Months(6),
        source: "MHLW 2021-11-17: 原則8か月以上, exceptionally 6 months (the earliest a dose may be given)",
    },
    BoosterMinimum {
        effective_from: day(2022, 10, 21),
        interval: Span::Days(90),
        source: "MHLW 2022-10: 前回接種から少なくとも3ヵ月経過した後 (package inserts)",
    },
];

/// The earliest day `product` may be given as dose `dose` after a previous dose of
/// `previous`, under the rules in force on `on` (the day of the new dose): the
/// product's own interval for a primary dose; for a booster also the minimum in force
/// (the first decision's before it took effect).
pub fn earliest_dose_date(
    product: VaccineProduct,
    dose: DoseNumber,
    previous: NaiveDate,
    on: NaiveDate,
) -> NaiveDate {
    let own = Span::Days(product.min_interval_days_for(dose)).after(previous);
    if dose.get() < 3 {
        return own;
    }
    let booster = BOOSTER_MINIMUMS
        .iter()
        .rev()
        .find(|b| b.effective_from <= on)
        .or(BOOSTER_MINIMUMS.first())
        .map_or(own, |b| b.interval.after(previous));
    own.max(booster)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_ticket_interval_for_the_third_dose_follows_the_decision_in_force_on_the_day() {
        let third = DoseNumber::new(3).unwrap();
        for (age, on, want) in [
            (70, "2021-11-30", None),
            (70, "2021-12-01", Some(Span::Months(8))),
            (70, "2022-01-31", Some(Span::Months(8))),
            (70, "2022-02-01", Some(Span::Months(7))),
            (40, "2022-02-01", Some(Span::Months(8))),
            (65, "2022-03-01", Some(Span::Months(6))),
            (64, "2022-03-01", Some(Span::Months(7))),
            (30, "2022-06-01", Some(Span::Months(7))),
        ] {
            let got = ticket_interval(third, age, d(on)).map(|t| t.interval);
            assert_eq!(got, want, "age {age} on {on}");
        }
        assert_eq!(
            ticket_interval(DoseNumber::new(2).unwrap(), 70, d("2022-03-01")),
            None
        );
    }

    #[test]
    fn month_spans_end_on_the_last_day_of_a_short_month() {
        assert_eq!(Span::Months(8).after(d("2021-06-30")), d("2022-02-28"));
        assert_eq!(Span::Months(6).after(d("2021-07-15")), d("2022-01-15"));
        assert_eq!(Span::Days(90).after(d("2022-10-21")), d("2023-01-19"));
        assert_eq!(Span::Months(8).before(d("2022-02-28")), d("2021-06-28"));
        assert_eq!(Span::Months(6).before(d("2022-08-31")), d("2022-02-28"));
        assert_eq!(Span::Days(90).before(d("2023-01-19")), d("2022-10-21"));
    }

    #[test]
    fn the_booster_minimum_is_six_months_until_october_2022_then_three() {
        let comirnaty = VaccineProduct::by_id("comirnaty").unwrap();
        let second = DoseNumber::new(2).unwrap();
        let third = DoseNumber::new(3).unwrap();
        for (dose, previous, on, want) in [
            (second, "2021-06-01", "2021-06-20", "2021-06-22"),
            (third, "2021-07-01", "2022-01-01", "2022-01-01"),
            (third, "2022-06-01", "2022-10-01", "2022-12-01"),
            (third, "2022-08-01", "2022-11-01", "2022-10-30"),
        ] {
            assert_eq!(
                earliest_dose_date(comirnaty, dose, d(previous), d(on)),
                d(want),
                "dose {dose} after {previous} on {on}"
            );
        }
    }
}
