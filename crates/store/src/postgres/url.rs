//! The database URL of a PostgreSQL data directory: parsed once, shown without
//! its password, the password found the libpq way (never kept in the data dir).
//!
//! A URL is `postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?PARAMS]`, with two
//! parameters of vrs's own: `schema=NAME` (the schema vrs's tables live in,
//! default `vrs`; several deployments or tests can share one database) and
//! `passfile=PATH` (a libpq password file). The data directory keeps the URL
//! without any password in `database.url`. At open, the password comes from
//! `VRS_DATABASE_URL` when that names the same server, database and user,
//! else from the passfile (`passfile=`, `$PGPASSFILE`, `~/.pgpass`).

use std::path::{Path, PathBuf};

use crate::StoreError;

/// The longest URL accepted (a URL is outside input).
pub(crate) const MAX_URL_BYTES: usize = 4096;
/// The largest password file read.
const MAX_PASSFILE_BYTES: u64 = 64 * 1024;

/// A checked database URL.
#[derive(Clone)]
pub(crate) struct DatabaseUrl {
    /// The URL as given to the driver (vrs's own parameters removed).
    driver: String,
    /// The URL without its password, as `database.url` holds it.
    pub(crate) shown: String,
    /// The schema of vrs's tables.
    pub(crate) schema: String,
    user: String,
    host: String,
    port: u16,
    dbname: String,
    password: Option<String>,
    passfile: Option<PathBuf>,
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

fn bad(reason: impl Into<String>) -> StoreError {
    StoreError::Postgres {
        reason: format!("database URL: {}", reason.into()),
    }
}

/// Whether `s` names a PostgreSQL database (rather than a path).
pub fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

fn valid_schema(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && s.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn unescape(s: &str) -> Result<String, StoreError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad("a bad %-escape"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad("not UTF-8 after %-decoding"))
}

impl DatabaseUrl {
    /// Parses a URL; the error never repeats the URL (it may hold a password).
    pub(crate) fn parse(url: &str) -> Result<Self, StoreError> {
        if url.len() > MAX_URL_BYTES {
            return Err(bad(format!("longer than {MAX_URL_BYTES} bytes")));
        }
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(|| bad("must start with postgres:// or postgresql://"))?;
        let (authority_path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = authority_path
            .split_once('/')
            .ok_or_else(|| bad("names no database (postgres://USER@HOST/DBNAME)"))?;
        let (userinfo, hostport) = authority
            .rsplit_once('@')
            .ok_or_else(|| bad("names no user (postgres://USER@HOST/DBNAME)"))?;
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (unescape(u)?, Some(unescape(p)?)),
            None => (unescape(userinfo)?, None),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (
                h.to_owned(),
                p.parse::<u16>()
                    .map_err(|_| bad("the port is not a number"))?,
            ),
            None => (hostport.to_owned(), 5432),
        };
        let dbname = unescape(path)?;
        if user.is_empty() || host.is_empty() || dbname.is_empty() {
            return Err(bad("user, host and database name are required"));
        }
        let mut schema = "vrs".to_owned();
        let mut passfile = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "schema" => {
                    let v = unescape(v)?;
                    if !valid_schema(&v) {
                        return Err(bad(
                            "schema must be lower-case letters, digits and _ (at most 63)",
                        ));
                    }
                    schema = v;
                }
                "passfile" => passfile = Some(PathBuf::from(unescape(v)?)),
                "password" => return Err(bad("give the password in the user part or a passfile")),
                _ => kept.push(pair),
            }
        }
        let userinfo_shown = userinfo.split(':').next().unwrap_or_default();
        let mut shown = format!(
            "postgres://{userinfo_shown}@{authority_path_rest}",
            authority_path_rest = &authority_path[userinfo.len() + 1..]
        );
        let mut own = vec![format!("schema={schema}")];
        if let Some(p) = &passfile {
            own.push(format!("passfile={}", p.display()));
        }
        let shown_query: Vec<String> = own
            .into_iter()
            .chain(kept.iter().map(|s| s.to_string()))
            .collect();
        shown.push('?');
        shown.push_str(&shown_query.join("&"));
        let mut driver = format!(
            "postgres://{userinfo}@{}",
            &authority_path[userinfo.len() + 1..]
        );
        if !kept.is_empty() {
            driver.push('?');
            driver.push_str(&kept.join("&"));
        }
        driver
            .parse::<postgres::Config>()
            .map_err(|e| bad(format!("{e}")))?;
        Ok(Self {
            driver,
            shown,
            schema,
            user,
            host,
            port,
            dbname,
            password,
            passfile,
        })
    }

    /// The driver's configuration, with the password found for it.
    pub(crate) fn config(&self) -> Result<postgres::Config, StoreError> {
        let mut config: postgres::Config = self.driver.parse().map_err(|e| bad(format!("{e}")))?;
        if self.password.is_none() {
            if let Some(p) = self.password_from_env().or(self.password_from_passfile()?) {
                config.password(p);
            }
        }
        config.application_name("vrs");
        Ok(config)
    }

    /// The same target's password from `VRS_DATABASE_URL`, if it names this one.
    fn password_from_env(&self) -> Option<String> {
        let env = std::env::var("VRS_DATABASE_URL").ok()?;
        let other = Self::parse(&env).ok()?;
        (other.user == self.user
            && other.host == self.host
            && other.port == self.port
            && other.dbname == self.dbname)
            .then_some(other.password)
            .flatten()
    }

    fn password_from_passfile(&self) -> Result<Option<String>, StoreError> {
        let path = match (&self.passfile, std::env::var_os("PGPASSFILE")) {
            (Some(p), _) => p.clone(),
            (None, Some(p)) => PathBuf::from(p),
            (None, None) => match std::env::var_os("HOME") {
                Some(h) => Path::new(&h).join(".pgpass"),
                None => return Ok(None),
            },
        };
        let Ok(meta) = std::fs::metadata(&path) else {
            return Ok(None);
        };
        if meta.len() > MAX_PASSFILE_BYTES {
            return Err(bad(format!("{}: larger than 64 KiB", path.display())));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| StoreError::io(&path, e))?;
        Ok(passfile_lookup(
            &text,
            &self.host,
            self.port,
            &self.dbname,
            &self.user,
        ))
    }
}

/// The password of the first matching line of a libpq password file
/// (`host:port:database:user:password`, `*` matches anything, `\` escapes).
pub(crate) fn passfile_lookup(
    text: &str,
    host: &str,
    port: u16,
    dbname: &str,
    user: &str,
) -> Option<String> {
    let port = port.to_string();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut fields = Vec::with_capacity(5);
        let mut cur = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => cur.extend(chars.next()),
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        fields.push(cur);
        if fields.len() != 5 {
            continue;
        }
        let hit = |f: &str, v: &str| f == "*" || f == v;
        if hit(&fields[0], host)
            && hit(&fields[1], &port)
            && hit(&fields[2], dbname)
            && hit(&fields[3], user)
        {
            return fields.pop();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_no_password_and_keeps_own_parameters() {
        let u = DatabaseUrl::parse(
            "postgres://vrs:s3cret@db.example:5433/vrs?schema=t1&sslmode=disable",
        )
        .unwrap();
        assert_eq!(
            u.shown,
            "postgres://vrs@db.example:5433/vrs?schema=t1&sslmode=disable"
        );
        assert_eq!(u.schema, "t1");
        assert!(!format!("{u:?}").contains("s3cret"));
        assert!(!u.driver.contains("schema"));
        assert_eq!(u.port, 5433);
    }

    #[test]
    fn refuses_bad_urls_without_repeating_them() {
        for url in [
            "mysql://a:pw@h/d",
            "postgres://a:pw@h",
            "postgres://a:pw@h/d?schema=Bad-Name",
            "postgres://a@h/d?password=pw",
        ] {
            let e = DatabaseUrl::parse(url).unwrap_err().to_string();
            assert!(!e.contains("pw"), "{e}");
        }
        assert!(DatabaseUrl::parse(&"x".repeat(MAX_URL_BYTES + 1)).is_err());
    }

    #[test]
    fn passfile_matches_with_wildcards_and_escapes() {
        let text = "# comment\nother:5432:*:vrs:nope\n*:5432:vrs:vrs:pa\\:ss\n";
        assert_eq!(
            passfile_lookup(text, "localhost", 5432, "vrs", "vrs").as_deref(),
            Some("pa:ss")
        );
        assert_eq!(
            passfile_lookup(text, "other", 5432, "x", "vrs").as_deref(),
            Some("nope")
        );
        assert_eq!(passfile_lookup(text, "localhost", 5433, "vrs", "vrs"), None);
    }
}
