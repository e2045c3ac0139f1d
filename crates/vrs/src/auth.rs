//! Who calls: signing in (login, sessions, device tokens, enrolment), the
//! caller every later decision and audit event carries, and the management of
//! users and devices by their municipality (T1-9-1).

use std::net::IpAddr;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use vrs_consent::{Action, Request, UserFacts};
use vrs_domain::{Actor, Login, MunicipalityCode, Principal, Role};
use vrs_store::{
    user_area, DeviceCreated, DeviceRecord, EnrolmentCode, LoginRequest, NewUser, StoreError,
    UserCreated, UserRecord,
};

use crate::{Answer, Vrs, VrsError};

/// Who is calling: the principal it acts as, the person or device behind it,
/// and (for a signed-in user) its role and My Number handler mark, which every
/// decision takes as facts (T1-9-1, M-4-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The principal the caller acts as.
    pub principal: Principal,
    /// Who acts: recorded in every audit event.
    pub actor: Actor,
    /// A signed-in user's role; `None` for the local administrator, a device or the app.
    pub role: Option<Role>,
    /// Whether the signed-in user is a designated My Number handler (M-4-2).
    pub my_number_handler: bool,
}

/// A session opened by [`Vrs::login`]. Its token is shown once; `Debug` hides it.
#[derive(Clone, Serialize)]
pub struct Session {
    /// The bearer token.
    pub token: String,
    /// The principal the session acts as.
    pub principal: Principal,
    /// The session's absolute end (it ends earlier after 30 idle minutes or at logout).
    pub expires_at: DateTime<FixedOffset>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("principal", &self.principal)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The one answer to every failed login, bearer token or enrolment code: it
/// reveals nothing (the reason is only in the audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("authentication failed")]
pub struct AuthFailure;

/// What redeeming an enrolment code gives: the new administrator's login and
/// TOTP secret (base32, shown once).
#[derive(Clone, Serialize)]
pub struct Enrolled {
    /// The login.
    pub login: Login,
    /// The TOTP secret for the authenticator app.
    pub totp_secret: String,
}

impl std::fmt::Debug for Enrolled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolled")
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// A new user as the managing principal asks for it.
#[derive(Clone, Copy)]
pub struct UserSpec<'a> {
    /// The principal the user will act as (default: the managing principal).
    pub principal: Option<Principal>,
    /// Its login.
    pub login: &'a Login,
    /// Its role.
    pub role: Role,
    /// Whether it is a designated My Number handler (M-4-2).
    pub my_number_handler: bool,
    /// Its initial password.
    pub password: &'a str,
}

impl std::fmt::Debug for UserSpec<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserSpec")
            .field("principal", &self.principal)
            .field("login", &self.login)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// Answers of account management: done, refused by a rule, or bad input
/// (a taken login, a weak password, an unknown user or device) as an error.
fn account<T>(r: Result<T, StoreError>) -> Result<Answer<T>, VrsError> {
    r.map(Answer::Done).map_err(VrsError::from)
}

impl Vrs {
    /// Sets who calls from now on: every decision includes the caller's role and
    /// My Number handler mark as facts, and every audit event records its actor.
    /// A use case then asked for another principal than the caller's is an error
    /// ([`VrsError::CallerMismatch`]), never silently decided. Private: callers
    /// use the scoped [`Vrs::with_caller`], which restores the previous caller.
    fn set_caller(&mut self, caller: Caller) -> Result<(), VrsError> {
        self.store.set_actor(Some(&caller.actor.to_string()))?;
        self.caller = Some(caller);
        Ok(())
    }

    /// Runs `f` as `caller`, then restores the caller (and actor) that was set
    /// before, also when `f` fails or panics: for a shared writer that runs
    /// requests of many callers one after another, so that no request inherits
    /// another's.
    pub fn with_caller<T>(
        &mut self,
        caller: Caller,
        f: impl FnOnce(&mut Vrs) -> Result<T, VrsError>,
    ) -> Result<T, VrsError> {
        let before = self.caller.take();
        let before_actor = self.store.actor()?;
        if let Err(e) = self.set_caller(caller) {
            self.caller = before;
            return Err(e);
        }
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
        self.caller = before;
        let restored = self.store.set_actor(before_actor.as_deref());
        match out {
            Ok(out) => {
                restored?;
                out
            }
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    /// The local administrator acts from now on: the OS user owning the data
    /// directory (the CLI), recorded as actor `os:NAME` in every audit event,
    /// with no role restriction and any principal it names (`--as`).
    pub fn set_local_administrator(&mut self, os_user: &str) -> Result<(), VrsError> {
        self.store
            .set_actor(Some(&Actor::OsUser(os_user.to_owned()).to_string()))?;
        self.caller = None;
        Ok(())
    }

    /// Forgets the caller: decisions have no user facts, events no actor.
    pub fn clear_caller(&mut self) -> Result<(), VrsError> {
        self.store.set_actor(None)?;
        self.caller = None;
        Ok(())
    }

    /// The caller set by [`Vrs::with_caller`], if any.
    pub fn caller(&self) -> Option<&Caller> {
        self.caller.as_ref()
    }

    /// The user facts of the caller, for the rules.
    pub(crate) fn user_facts(&self) -> Option<UserFacts> {
        let caller = self.caller.as_ref()?;
        caller.role.map(|role| UserFacts {
            role,
            my_number_handler: caller.my_number_handler,
        })
    }

    /// Fails when a caller is set and `principal` is not its principal.
    pub(crate) fn check_caller(&self, principal: Principal) -> Result<(), VrsError> {
        match &self.caller {
            Some(c) if c.principal != principal => Err(VrsError::CallerMismatch {
                caller: c.principal,
                asked: principal,
            }),
            _ => Ok(()),
        }
    }

    /// Signs a user in with login, password and TOTP code (required for admins
    /// and clerks). Five failures in a row lock the account for 15 minutes; the
    /// answer stays [`AuthFailure`] whatever the reason, which only the audit log
    /// records (with the login and the client's address).
    ///
    /// ```
    /// use vrs::{Answer, FixedClock, UserSpec, Vrs, jst};
    /// use vrs::domain::Role;
    /// use chrono::TimeZone;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let clock = FixedClock(jst().with_ymd_and_hms(2021, 12, 20, 9, 0, 0).unwrap());
    /// Vrs::init(dir.path(), None, &clock)?;
    /// let mut vrs = Vrs::open(dir.path(), Box::new(clock))?;
    /// let chiyoda = "municipality:131016".parse()?;
    /// let terms = vrs::consent::DocumentId::Terms20211203;
    /// vrs.grant_consent(chiyoda, None, terms, None, Some("mayor"))?;
    /// // The municipality adds a viewer (TOTP is optional for viewers).
    /// let login = "stats.viewer".parse()?;
    /// let spec = UserSpec {
    ///     principal: None,
    ///     login: &login,
    ///     role: Role::Viewer,
    ///     my_number_handler: false,
    ///     password: "a long passphrase",
    /// };
    /// let Answer::Done(_) = vrs.add_user(chiyoda, spec)? else { panic!("refused") };
    /// let client = "192.0.2.1".parse()?;
    /// let session = vrs.login("stats.viewer", "a long passphrase", None, client)?.unwrap();
    /// // Each later request: the bearer token gives the caller, whose role the rules decide on.
    /// let caller = vrs.authenticate(&session.token, client)?.unwrap();
    /// let refused = vrs.with_caller(caller, |vrs| vrs.count_residents(chiyoda, None))?;
    /// let Answer::Refused(refusal) = refused else { panic!("a viewer sees statistics only") };
    /// assert_eq!(refusal.provisions(), ["T1-9-1"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn login(
        &mut self,
        login: &str,
        password: &str,
        totp: Option<&str>,
        client: IpAddr,
    ) -> Result<Result<Session, AuthFailure>, VrsError> {
        let client = client.to_string();
        let req = LoginRequest {
            login,
            password,
            totp,
            client: &client,
        };
        Ok(match self.store.login(req, self.clock.now())? {
            Some(s) => Ok(Session {
                token: s.token,
                principal: s.principal,
                expires_at: s.expires_at,
            }),
            None => Err(AuthFailure),
        })
    }

    /// Who a bearer token is: a user's live session or a registered device that
    /// is not revoked. The caller is not set: give it to [`Vrs::with_caller`].
    pub fn authenticate(
        &mut self,
        bearer: &str,
        client: IpAddr,
    ) -> Result<Result<Caller, AuthFailure>, VrsError> {
        let now = self.clock.now();
        Ok(
            match self.store.authenticate(bearer, &client.to_string(), now)? {
                Some(a) => Ok(Caller {
                    principal: a.principal,
                    actor: a.actor,
                    role: a.role,
                    my_number_handler: a.my_number_handler,
                }),
                None => Err(AuthFailure),
            },
        )
    }

    /// Ends the session of `bearer` (audited); `false` when it was no live session.
    pub fn logout(&mut self, bearer: &str, client: IpAddr) -> Result<bool, VrsError> {
        let now = self.clock.now();
        Ok(self.store.logout(bearer, &client.to_string(), now)?)
    }

    /// Redeems a one-time enrolment code: creates the municipality's first
    /// administrator and returns its TOTP secret once. A bad, used or expired code
    /// is an [`AuthFailure`]; a malformed or taken login or a weak password is bad
    /// input ([`VrsError::Store`] with [`vrs_store::AccountError`]).
    pub fn enroll(
        &mut self,
        code: &str,
        login: &Login,
        password: &str,
        client: IpAddr,
    ) -> Result<Result<Enrolled, AuthFailure>, VrsError> {
        let now = self.clock.now();
        Ok(
            match self
                .store
                .enroll(code, login, password, &client.to_string(), now)?
            {
                Some(u) => Ok(Enrolled {
                    login: u.login,
                    totp_secret: u.totp_secret.unwrap_or_default(),
                }),
                None => Err(AuthFailure),
            },
        )
    }

    /// T1-9-1: adds a user. `principal` (the manager) is a municipality, adding
    /// users of its own area, or the operator, adding users of the operator, a
    /// prefecture or the State. The TOTP secret is returned once.
    pub fn add_user(
        &mut self,
        principal: Principal,
        spec: UserSpec<'_>,
    ) -> Result<Answer<UserCreated>, VrsError> {
        let user_principal = spec.principal.unwrap_or(principal);
        let request = Request::new(principal, Action::ManageUsers, user_area(user_principal));
        let allowed = match self.decide_request(request, None)? {
            Ok(a) => a,
            Err(r) => return Ok(Answer::Refused(r)),
        };
        account(self.store.add_user(
            &allowed,
            NewUser {
                principal: user_principal,
                login: spec.login,
                role: spec.role,
                my_number_handler: spec.my_number_handler,
                password: spec.password,
            },
        ))
    }

    fn decide_users(
        &mut self,
        principal: Principal,
        action: Action,
        area: Option<MunicipalityCode>,
    ) -> Result<Result<vrs_consent::Allowed, vrs_consent::Refusal>, VrsError> {
        let area = area.or(match principal {
            Principal::Municipality(m) => Some(m),
            _ => None,
        });
        self.decide_request(Request::new(principal, action, area), None)
    }

    /// T1-9-1: the users the principal manages (a municipality: its own; the
    /// operator: those without an area).
    pub fn list_users(
        &mut self,
        principal: Principal,
    ) -> Result<Answer<Vec<UserRecord>>, VrsError> {
        match self.decide_users(principal, Action::ManageUsers, None)? {
            Ok(allowed) => account(self.store.list_users(&allowed)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// T1-9-1: disables a user the principal manages; its sessions end now.
    pub fn disable_user(
        &mut self,
        principal: Principal,
        login: &Login,
    ) -> Result<Answer<UserRecord>, VrsError> {
        match self.decide_users(principal, Action::ManageUsers, None)? {
            Ok(allowed) => account(self.store.disable_user(&allowed, login)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// T1-9-1: gives a user the principal manages a new password and (admins,
    /// clerks) a new TOTP secret, clears its lockout and ends its sessions.
    pub fn reset_password(
        &mut self,
        principal: Principal,
        login: &Login,
        password: &str,
    ) -> Result<Answer<UserCreated>, VrsError> {
        match self.decide_users(principal, Action::ManageUsers, None)? {
            Ok(allowed) => account(self.store.reset_password(&allowed, login, password)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// T1-9-1: the operator hands `municipality`'s first administrator a one-time
    /// enrolment code (valid 72 hours, single use; only its hash is kept).
    pub fn issue_enrolment(
        &mut self,
        principal: Principal,
        municipality: MunicipalityCode,
    ) -> Result<Answer<EnrolmentCode>, VrsError> {
        let request = Request::new(principal, Action::IssueEnrolment, Some(municipality));
        match self.decide_request(request, None)? {
            Ok(allowed) => account(self.store.issue_enrolment(&allowed)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// T1-9-1, T1-9-2: registers a tablet of `site`'s vaccination venues; it acts
    /// as `site:CODE`. The token is returned once.
    pub fn add_device(
        &mut self,
        principal: Principal,
        site: MunicipalityCode,
        name: &str,
    ) -> Result<Answer<DeviceCreated>, VrsError> {
        match self.decide_users(principal, Action::ManageDevices, Some(site))? {
            Ok(allowed) => account(self.store.add_device(&allowed, name)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// T1-9-1: the devices of the principal's municipality.
    pub fn list_devices(
        &mut self,
        principal: Principal,
    ) -> Result<Answer<Vec<DeviceRecord>>, VrsError> {
        match self.decide_users(principal, Action::ManageDevices, None)? {
            Ok(allowed) => account(self.store.list_devices(&allowed)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }

    /// T1-9-1, T1-9-2: revokes a device of the principal's municipality; its
    /// next request fails.
    pub fn revoke_device(
        &mut self,
        principal: Principal,
        device: i64,
    ) -> Result<Answer<DeviceRecord>, VrsError> {
        match self.decide_users(principal, Action::ManageDevices, None)? {
            Ok(allowed) => account(self.store.revoke_device(&allowed, device)),
            Err(r) => Ok(Answer::Refused(r)),
        }
    }
}
