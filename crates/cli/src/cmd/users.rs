//! `vrs users add|list|disable|reset-password|enroll` and `vrs devices
//! add|list|revoke`: the local administration of accounts (T1-9-1, T1-9-2).

use std::io::Read;

use clap::Subcommand;
use vrs::domain::{Login, Principal, Role};
use vrs::MAX_PASSWORD_BYTES;
use vrs::{
    Answer, DeviceCreated, DeviceRecord, EnrolmentCode, StoreError, UserCreated, UserRecord,
    UserSpec, VrsError,
};

use super::common::{answer, municipality_arg, open, parse_flag};
use crate::output::{or_dash, yes_no, Doc, Human, Reply, Shaped};
use crate::{BadInput, Ctx};

#[derive(Subcommand, Debug)]
pub(crate) enum UsersCmd {
    /// Add a user (its TOTP secret is shown once).
    Add {
        /// Managing principal: municipality:CODE (users of its area) or operator
        /// (users of prefecture:NN, national and operator).
        #[arg(long = "as")]
        principal: String,
        /// The principal the user acts as (default: the managing principal).
        #[arg(long = "principal")]
        user_principal: Option<String>,
        /// The user's login (letters, digits, . _ - @; at most 64).
        #[arg(long)]
        login: String,
        /// admin (users, devices, consent), clerk (residents, doses, inquiry) or viewer (statistics).
        #[arg(long)]
        role: String,
        /// The user is a designated My Number handler (M-4-2): may import residents
        /// and look them up by My Number.
        #[arg(long)]
        my_number_handler: bool,
        /// Read the initial password from standard input (its first line; at least 12 characters).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List the users the principal manages.
    List {
        /// Managing principal: municipality:CODE or operator.
        #[arg(long = "as")]
        principal: String,
    },
    /// Disable a user: it cannot sign in and its sessions end.
    Disable {
        /// Managing principal: municipality:CODE or operator.
        #[arg(long = "as")]
        principal: String,
        /// The user's login.
        #[arg(long)]
        login: String,
    },
    /// Give a user a new password and TOTP secret (shown once), unlock it, end its sessions.
    ResetPassword {
        /// Managing principal: municipality:CODE or operator.
        #[arg(long = "as")]
        principal: String,
        /// The user's login.
        #[arg(long)]
        login: String,
        /// Read the new password from standard input (its first line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Make a one-time enrolment code for a municipality's first administrator (operator only).
    Enroll {
        /// Acting principal: operator.
        #[arg(long = "as")]
        principal: String,
        /// The municipality whose first administrator redeems the code.
        #[arg(long)]
        municipality: String,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum DevicesCmd {
    /// Register a tablet of the municipality's vaccination sites (its token is shown once).
    Add {
        /// Managing principal: municipality:CODE.
        #[arg(long = "as")]
        principal: String,
        /// The site's municipality code (the device acts as site:CODE).
        #[arg(long)]
        site: String,
        /// A name to recognise the device by.
        #[arg(long)]
        name: String,
    },
    /// List the municipality's devices.
    List {
        /// Managing principal: municipality:CODE.
        #[arg(long = "as")]
        principal: String,
    },
    /// Revoke a device: its next request fails.
    Revoke {
        /// Managing principal: municipality:CODE.
        #[arg(long = "as")]
        principal: String,
        /// The device's ID.
        #[arg(long)]
        device: i64,
    },
}

/// The first line of standard input, bounded (a password is at most 1024 bytes).
fn password_from_stdin() -> anyhow::Result<String> {
    let mut buf = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_PASSWORD_BYTES as u64 + 3)
        .read_to_end(&mut buf)?;
    let text = String::from_utf8(buf)
        .map_err(|_| BadInput("--password-stdin: the password is not UTF-8".into()))?;
    let line = text.lines().next().unwrap_or("");
    if line.len() > MAX_PASSWORD_BYTES {
        return Err(BadInput(format!(
            "--password-stdin: password: longer than {MAX_PASSWORD_BYTES} bytes"
        ))
        .into());
    }
    Ok(line.to_owned())
}

/// A taken login, a weak password, an unknown user or device: bad input (exit 2).
fn account<T>(r: Result<Answer<T>, VrsError>) -> anyhow::Result<Answer<T>> {
    match r {
        Err(VrsError::Store(StoreError::Account(e))) => Err(BadInput(e.to_string()).into()),
        other => Ok(other?),
    }
}

pub(crate) fn run_users(cmd: UsersCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
    match cmd {
        UsersCmd::Add {
            principal,
            user_principal,
            login,
            role,
            my_number_handler,
            password_stdin: _,
        } => {
            let manager: Principal = parse_flag("as", &principal)?;
            let user_principal: Option<Principal> = user_principal
                .as_deref()
                .map(|p| parse_flag("principal", p))
                .transpose()?;
            let login: Login = parse_flag("login", &login)?;
            let role: Role = parse_flag("role", &role)?;
            let password = password_from_stdin()?;
            let mut vrs = open(ctx)?;
            let spec = UserSpec {
                principal: user_principal,
                login: &login,
                role,
                my_number_handler,
                password: &password,
            };
            Ok(answer(account(vrs.add_user(manager, spec))?, Reply::ok))
        }
        UsersCmd::List { principal } => {
            let manager: Principal = parse_flag("as", &principal)?;
            let mut vrs = open(ctx)?;
            Ok(answer(account(vrs.list_users(manager))?, |users| {
                Reply::ok(Shaped::new(
                    serde_json::json!({ "users": users }),
                    Users(users),
                ))
            }))
        }
        UsersCmd::Disable { principal, login } => {
            let manager: Principal = parse_flag("as", &principal)?;
            let login: Login = parse_flag("login", &login)?;
            let mut vrs = open(ctx)?;
            Ok(answer(
                account(vrs.disable_user(manager, &login))?,
                Reply::ok,
            ))
        }
        UsersCmd::ResetPassword {
            principal,
            login,
            password_stdin: _,
        } => {
            let manager: Principal = parse_flag("as", &principal)?;
            let login: Login = parse_flag("login", &login)?;
            let password = password_from_stdin()?;
            let mut vrs = open(ctx)?;
            Ok(answer(
                account(vrs.reset_password(manager, &login, &password))?,
                Reply::ok,
            ))
        }
        UsersCmd::Enroll {
            principal,
            municipality,
        } => {
            let operator: Principal = parse_flag("as", &principal)?;
            let m = municipality_arg("municipality", &municipality)?;
            let mut vrs = open(ctx)?;
            Ok(answer(account(vrs.issue_enrolment(operator, m))?, |c| {
                Reply::ok(Enrolment(c))
            }))
        }
    }
}

pub(crate) fn run_devices(cmd: DevicesCmd, ctx: &Ctx) -> anyhow::Result<Reply> {
    match cmd {
        DevicesCmd::Add {
            principal,
            site,
            name,
        } => {
            let manager: Principal = parse_flag("as", &principal)?;
            let site = municipality_arg("site", &site)?;
            let mut vrs = open(ctx)?;
            Ok(answer(
                account(vrs.add_device(manager, site, &name))?,
                Reply::ok,
            ))
        }
        DevicesCmd::List { principal } => {
            let manager: Principal = parse_flag("as", &principal)?;
            let mut vrs = open(ctx)?;
            Ok(answer(account(vrs.list_devices(manager))?, |devices| {
                Reply::ok(Shaped::new(
                    serde_json::json!({ "devices": devices }),
                    Devices(devices),
                ))
            }))
        }
        DevicesCmd::Revoke { principal, device } => {
            let manager: Principal = parse_flag("as", &principal)?;
            let mut vrs = open(ctx)?;
            Ok(answer(
                account(vrs.revoke_device(manager, device))?,
                Reply::ok,
            ))
        }
    }
}

impl Human for UserCreated {
    fn human(&self, doc: &mut Doc) {
        doc.fields(&[
            ("login", self.login.to_string()),
            ("principal", self.principal.to_string()),
            ("role", self.role.to_string()),
            (
                "My Number handler",
                yes_no(self.my_number_handler).to_owned(),
            ),
        ]);
        match &self.totp_secret {
            Some(secret) => {
                doc.line(format!(
                    "TOTP secret (base32, shown once; enter it in the authenticator app): {secret}"
                ));
            }
            None => doc.line("no TOTP secret (optional for viewers)"),
        }
    }
}

/// Users, as listed.
struct Users(Vec<UserRecord>);

impl Human for UserRecord {
    fn human(&self, doc: &mut Doc) {
        Users(vec![self.clone()]).human(doc)
    }
}

impl Human for Users {
    fn human(&self, doc: &mut Doc) {
        if self.0.is_empty() {
            doc.line("no users");
            return;
        }
        doc.table(
            &["login", "principal", "role", "handler", "TOTP", "state"],
            self.0
                .iter()
                .map(|u| {
                    let state = if u.disabled {
                        "disabled".to_owned()
                    } else if let Some(t) = u.locked_until {
                        format!("locked until {}", t.format("%Y-%m-%d %H:%M"))
                    } else {
                        "active".to_owned()
                    };
                    vec![
                        u.login.to_string(),
                        u.principal.to_string(),
                        u.role.to_string(),
                        yes_no(u.my_number_handler).to_owned(),
                        yes_no(u.totp).to_owned(),
                        state,
                    ]
                })
                .collect(),
        );
    }
}

impl Human for DeviceCreated {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!("registered device {}", self.device));
        doc.line(format!(
            "token (shown once; configure it on the tablet): {}",
            self.token
        ));
    }
}

/// Devices, as listed.
struct Devices(Vec<DeviceRecord>);

impl Human for DeviceRecord {
    fn human(&self, doc: &mut Doc) {
        Devices(vec![self.clone()]).human(doc)
    }
}

impl Human for Devices {
    fn human(&self, doc: &mut Doc) {
        if self.0.is_empty() {
            doc.line("no devices");
            return;
        }
        doc.table(
            &["device", "principal", "name", "registered", "revoked"],
            self.0
                .iter()
                .map(|d| {
                    vec![
                        d.device.to_string(),
                        d.principal.to_string(),
                        d.name.clone(),
                        d.created_at.format("%Y-%m-%d %H:%M").to_string(),
                        or_dash(d.revoked_at.map(|t| t.format("%Y-%m-%d %H:%M"))),
                    ]
                })
                .collect(),
        );
    }
}

/// An enrolment code: JSON `{"code","municipality","expires_at"}`.
struct Enrolment(EnrolmentCode);

impl serde::Serialize for Enrolment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl Human for Enrolment {
    fn human(&self, doc: &mut Doc) {
        doc.line(format!(
            "enrolment code for the first administrator of {} (single use, until {}; hand it over out of band):",
            self.0.municipality,
            self.0.expires_at.format("%Y-%m-%d %H:%M")
        ));
        doc.line(&self.0.code);
    }
}
