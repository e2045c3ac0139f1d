//! The app's server challenge (P9-1, P9-3): the nonce the card signs is one VRS issued,
//! used once, within its lifetime.

use chrono::{DateTime, Duration, FixedOffset};
use serde::Serialize;

use crate::provision::{cite, ProvisionId};

/// How long an issued challenge stays live: 5 minutes, enough to read the card and
/// enter its PIN, short enough that a recorded read is of no later use.
pub const CHALLENGE_LIFETIME_SECS: i64 = 300;

/// When a challenge issued at `issued_at` stops being live.
pub fn challenge_expires_at(issued_at: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    issued_at + Duration::seconds(CHALLENGE_LIFETIME_SECS)
}

/// What is known of the nonce an application presents (the facade asks the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeFact {
    /// The card data carries no nonce at all.
    Absent,
    /// No challenge with this nonce was issued (or it was purged after expiring).
    Unknown,
    /// The challenge was issued.
    Issued {
        /// When it stops being live.
        expires_at: DateTime<FixedOffset>,
        /// Whether an earlier application already presented it.
        consumed: bool,
    },
}

/// Why a presented nonce is not a live challenge. Every variant cites P9-1 and P9-3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChallengeRefusal {
    /// The card data carries no nonce.
    NonceMissing,
    /// VRS never issued this nonce (or it expired long ago and was purged).
    UnknownNonce,
    /// The nonce was already presented by an earlier application.
    ReplayedNonce,
    /// The challenge's 5 minutes are over.
    ExpiredNonce,
}

impl ChallengeRefusal {
    /// The machine-readable kind (`nonce_missing`, `unknown_nonce`, `replayed_nonce`,
    /// `expired_nonce`), as in the application's refusal JSON.
    pub fn kind(self) -> &'static str {
        match self {
            Self::NonceMissing => "nonce_missing",
            Self::UnknownNonce => "unknown_nonce",
            Self::ReplayedNonce => "replayed_nonce",
            Self::ExpiredNonce => "expired_nonce",
        }
    }

    /// What the applicant is told.
    pub fn message(self) -> &'static str {
        match self {
            Self::NonceMissing => {
                "the card data carries no challenge nonce: ask for a challenge and read the card again"
            }
            Self::UnknownNonce => {
                "the card data's nonce is not a challenge this service issued: ask for a challenge and read the card again"
            }
            Self::ReplayedNonce => {
                "the card data's nonce was already used: ask for a new challenge and read the card again"
            }
            Self::ExpiredNonce => {
                "the challenge expired (it is valid for 5 minutes): ask for a new challenge and read the card again"
            }
        }
    }

    /// The provisions the refusal rests on: P9-1 (the card must be present and read now)
    /// and P9-3 (applications only from the app, with anti-tampering measures).
    pub fn grounds(self) -> Vec<ProvisionId> {
        vec![cite("P9-1"), cite("P9-3")]
    }
}

/// Legal basis: P9-1, P9-3 (別紙9 1; 別紙9 3)
///
/// > Application requires two factors: reading the card's IC chip (input support AP) and
/// > its PIN, so no one obtains another person's data (P9-1). Applications only from the
/// > dedicated app, with anti-tampering measures (P9-3).
///
/// Interpretation: the card's data is static and could be copied, so the app proves the
/// card is read now by having it sign a nonce that VRS itself issued moments before (a
/// server challenge). A nonce is live only if VRS issued it, no application presented it
/// before (single use: a recorded application replayed is refused) and `as_of` is before
/// its expiry (5 minutes after issue). The first application to present a live nonce
/// uses it up, whatever that application's outcome.
pub fn challenge_is_live(
    fact: ChallengeFact,
    as_of: DateTime<FixedOffset>,
) -> Result<(), ChallengeRefusal> {
    match fact {
        ChallengeFact::Absent => Err(ChallengeRefusal::NonceMissing),
        ChallengeFact::Unknown => Err(ChallengeRefusal::UnknownNonce),
        ChallengeFact::Issued { consumed: true, .. } => Err(ChallengeRefusal::ReplayedNonce),
        ChallengeFact::Issued { expires_at, .. } if as_of >= expires_at => {
            Err(ChallengeRefusal::ExpiredNonce)
        }
        ChallengeFact::Issued { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32, m: u32, s: u32) -> DateTime<FixedOffset> {
        FixedOffset::east_opt(9 * 3600)
            .unwrap()
            .with_ymd_and_hms(2022, 1, 10, h, m, s)
            .unwrap()
    }

    #[test]
    fn p9_1_a_challenge_is_live_until_five_minutes_after_issue_and_not_a_second_later() {
        let issued = at(9, 0, 0);
        let expires_at = challenge_expires_at(issued);
        assert_eq!(expires_at, at(9, 5, 0));
        let fresh = ChallengeFact::Issued {
            expires_at,
            consumed: false,
        };
        for (now, want) in [
            (at(9, 0, 0), Ok(())),
            (at(9, 4, 59), Ok(())),
            (at(9, 5, 0), Err(ChallengeRefusal::ExpiredNonce)),
            (at(9, 5, 1), Err(ChallengeRefusal::ExpiredNonce)),
        ] {
            assert_eq!(challenge_is_live(fresh, now), want, "at {now}");
        }
    }

    #[test]
    fn p9_3_an_absent_unknown_or_used_nonce_is_refused_with_its_own_kind() {
        let now = at(9, 1, 0);
        let used = ChallengeFact::Issued {
            expires_at: at(9, 5, 0),
            consumed: true,
        };
        for (fact, want) in [
            (ChallengeFact::Absent, "nonce_missing"),
            (ChallengeFact::Unknown, "unknown_nonce"),
            (used, "replayed_nonce"),
        ] {
            let r = challenge_is_live(fact, now).unwrap_err();
            assert_eq!(r.kind(), want, "{fact:?}");
            let grounds: Vec<&str> = r.grounds().iter().map(|g| g.as_str()).collect();
            assert_eq!(grounds, ["P9-1", "P9-3"], "{fact:?}");
        }
    }

    #[test]
    fn p9_3_each_refusal_tells_the_applicant_what_went_wrong_and_what_to_do() {
        let all = [
            (ChallengeRefusal::NonceMissing, "carries no challenge nonce"),
            (
                ChallengeRefusal::UnknownNonce,
                "not a challenge this service issued",
            ),
            (ChallengeRefusal::ReplayedNonce, "already used"),
            (ChallengeRefusal::ExpiredNonce, "valid for 5 minutes"),
        ];
        for (refusal, says) in all {
            let message = refusal.message();
            assert!(message.contains(says), "{refusal:?}: {message}");
            assert!(
                message.contains("read the card again"),
                "{refusal:?} says what to do: {message}"
            );
        }
    }
}
