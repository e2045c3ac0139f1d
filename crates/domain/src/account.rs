//! Accounts of the service: a user's `Login` and `Role` (T1-9-1), and the
//! `Actor` an audit event records (the OS user, a user, a device or the app).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// What a user of a municipality (or of the operator, a prefecture or the State)
/// may do, as the municipality that manages its users assigned it (T1-9-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Manages users, devices and consents.
    Admin,
    /// Works on residents, doses and inquiries.
    Clerk,
    /// Sees statistics only.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 3] = [Self::Admin, Self::Clerk, Self::Viewer];

    /// The role's name on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Clerk => "clerk",
            Self::Viewer => "viewer",
        }
    }

    /// Whether a user of this role must give a TOTP code on every login: every
    /// role that can see personal data (admin and clerk); optional for viewers.
    pub fn requires_totp(self) -> bool {
        !matches!(self, Self::Viewer)
    }
}

impl FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| DomainError::Invalid {
                field: "role",
                reason: "expected admin, clerk or viewer".into(),
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The longest login accepted.
pub const MAX_LOGIN_LEN: usize = 64;

/// A user's login name: 1 to 64 characters of ASCII letters, digits and
/// `.`, `_`, `-`, `@`, starting with a letter or digit, kept as given.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Login(String);

impl Login {
    /// The login as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Login {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: &str| DomainError::Invalid {
            field: "login",
            reason: reason.into(),
        };
        if s.is_empty() {
            return Err(DomainError::Empty { field: "login" });
        }
        if s.len() > MAX_LOGIN_LEN {
            return Err(invalid("longer than 64 characters"));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
        {
            return Err(invalid(
                "only ASCII letters, digits and . _ - @ are allowed",
            ));
        }
        if !s.as_bytes()[0].is_ascii_alphanumeric() {
            return Err(invalid("must start with a letter or digit"));
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Login({})", self.0)
    }
}

impl Serialize for Login {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Login {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Who acted, as the audit log records it beside the principal: the local OS
/// user (the CLI), a signed-in user, a registered device, or the certificate
/// app (which has no account).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// The OS user owning the process (the local administrator of the data dir).
    OsUser(String),
    /// A user signed in with login, password and TOTP.
    User {
        /// The user's login.
        login: Login,
    },
    /// A registered device (a vaccination site's tablet).
    Device {
        /// The device's ID.
        id: i64,
    },
    /// The certificate app (no account: the card's signature identifies the person).
    App,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OsUser(name) => write!(f, "os:{name}"),
            Self::User { login } => write!(f, "user:{login}"),
            Self::Device { id } => write!(f, "device:{id}"),
            Self::App => f.write_str("app"),
        }
    }
}

impl Serialize for Actor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_their_names_only() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r, "{r}");
        }
        for bad in ["", "Admin", "clerk ", "operator", "root"] {
            let err = bad.parse::<Role>().unwrap_err().to_string();
            assert_eq!(err, "role: expected admin, clerk or viewer", "{bad:?}");
        }
    }

    #[test]
    fn totp_is_required_for_every_role_but_viewer() {
        assert!(Role::Admin.requires_totp());
        assert!(Role::Clerk.requires_totp());
        assert!(!Role::Viewer.requires_totp());
    }

    #[test]
    fn login_table() {
        let long = "a".repeat(MAX_LOGIN_LEN);
        let too_long = "a".repeat(MAX_LOGIN_LEN + 1);
        for (input, want) in [
            ("alice", Ok("alice")),
            ("a", Ok("a")),
            ("chiyoda.admin@131016", Ok("chiyoda.admin@131016")),
            ("9-clerk_2", Ok("9-clerk_2")),
            (long.as_str(), Ok(long.as_str())),
            ("", Err("login: empty")),
            (too_long.as_str(), Err("login: longer than 64 characters")),
            (
                "al ice",
                Err("login: only ASCII letters, digits and . _ - @ are allowed"),
            ),
            (
                "山田",
                Err("login: only ASCII letters, digits and . _ - @ are allowed"),
            ),
            (".alice", Err("login: must start with a letter or digit")),
            ("-x", Err("login: must start with a letter or digit")),
        ] {
            let got = input.parse::<Login>();
            match want {
                Ok(w) => assert_eq!(got.unwrap().as_str(), w, "input {input:?}"),
                Err(e) => assert_eq!(got.unwrap_err().to_string(), e, "input {input:?}"),
            }
        }
    }

    #[test]
    fn actors_display_as_the_audit_log_records_them() {
        for (actor, want) in [
            (Actor::OsUser("vrsadmin".into()), "os:vrsadmin"),
            (
                Actor::User {
                    login: "alice".parse().unwrap(),
                },
                "user:alice",
            ),
            (Actor::Device { id: 7 }, "device:7"),
            (Actor::App, "app"),
        ] {
            assert_eq!(actor.to_string(), want);
        }
    }
}
