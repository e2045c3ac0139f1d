//! `/users`: users and devices of the municipality (administrators, T1-9-1):
//! add a user (its TOTP secret is shown once), disable one; register a tablet
//! (its token is shown once), revoke one. Who may is the rules' to decide.

use axum::extract::State;
use axum::response::Redirect;
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;
use vrs::domain::{Login, Role};
use vrs::{Principal, UserSpec};

use super::{field_error, parse, text};
use crate::web::auth::{done, Staff};
use crate::web::error::WebError;
use crate::web::layout::{label, page};
use crate::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(add_user))
        .route("/users/disable", post(disable_user))
        .route("/devices", post(add_device))
        .route("/devices/revoke", post(revoke_device))
}

async fn list(State(state): State<AppState>, staff: Staff) -> Result<Markup, WebError> {
    let (users, devices) = staff
        .run(&state, |vrs, caller| {
            let users = match done(vrs.list_users(caller.principal)?) {
                Ok(u) => u,
                Err(e) => return Ok(Err(e)),
            };
            let devices = match caller.principal {
                Principal::Municipality(_) => match done(vrs.list_devices(caller.principal)?) {
                    Ok(d) => d,
                    Err(e) => return Ok(Err(e)),
                },
                _ => Vec::new(),
            };
            Ok(Ok((users, devices)))
        })
        .await?;
    let body = html! {
        h2 { (label("利用者", "Users")) }
        table {
            thead { tr {
                th scope="col" { (label("ログインID", "Login")) }
                th scope="col" { (label("権限", "Role")) }
                th scope="col" { (label("個人番号利用事務", "My Number handler")) }
                th scope="col" { (label("状態", "State")) }
                th scope="col" { (label("操作", "Action")) }
            } }
            tbody {
                @for u in &users {
                    tr {
                        td { (u.login) } td { (u.role.as_str()) }
                        td { @if u.my_number_handler { "✓" } }
                        td { @if u.disabled { (label("無効", "disabled")) } @else { (label("有効", "active")) } }
                        td { @if !u.disabled {
                            form method="post" action="/users/disable" {
                                input type="hidden" name="csrf" value=(staff.csrf);
                                input type="hidden" name="login" value=(u.login);
                                button.danger type="submit" { (label("無効にする", "Disable")) }
                            }
                        } }
                    }
                }
            }
        }
        form.stack method="post" action="/users" {
            input type="hidden" name="csrf" value=(staff.csrf);
            fieldset {
                legend { (label("利用者を追加", "Add a user")) }
                label for="new-login" { (label("ログインID", "Login")) }
                input id="new-login" name="login" type="text" required maxlength="64";
                label for="new-role" { (label("権限", "Role")) }
                select id="new-role" name="role" {
                    @for r in Role::ALL { option value=(r.as_str()) { (r.as_str()) } }
                }
                label for="new-handler" {
                    input id="new-handler" name="my_number_handler" type="checkbox" value="on";
                    " " (label("個人番号利用事務担当者", "My Number handler"))
                }
                label for="new-password" { (label("初期パスワード", "Initial password")) }
                input id="new-password" name="password" type="password" required autocomplete="new-password" maxlength="256";
                button type="submit" { (label("追加", "Add")) }
            }
        }
        @if matches!(staff.caller.principal, Principal::Municipality(_)) {
            h2 { (label("端末", "Devices")) }
            table {
                thead { tr {
                    th scope="col" { "ID" }
                    th scope="col" { (label("名称", "Name")) }
                    th scope="col" { (label("接種地", "Site")) }
                    th scope="col" { (label("状態", "State")) }
                    th scope="col" { (label("操作", "Action")) }
                } }
                tbody {
                    @for d in &devices {
                        tr {
                            td.num { (d.device) } td { (d.name) } td { (d.principal) }
                            td { @if let Some(at) = d.revoked_at { (label("失効", "revoked")) " " (at.to_rfc3339()) } @else { (label("有効", "active")) } }
                            td { @if d.revoked_at.is_none() {
                                form method="post" action="/devices/revoke" {
                                    input type="hidden" name="csrf" value=(staff.csrf);
                                    input type="hidden" name="device" value=(d.device);
                                    button.danger type="submit" { (label("失効させる", "Revoke")) }
                                }
                            } }
                        }
                    }
                }
            }
            form.stack method="post" action="/devices" {
                input type="hidden" name="csrf" value=(staff.csrf);
                fieldset {
                    legend { (label("タブレットを登録", "Register a tablet")) }
                    label for="device-name" { (label("名称", "Name")) }
                    input id="device-name" name="name" type="text" required maxlength="100";
                    button type="submit" { (label("登録", "Register")) }
                }
            }
        }
    };
    Ok(page(
        "利用者・端末",
        "Users and devices",
        Some(&staff),
        body,
    ))
}

#[derive(Deserialize)]
struct AddUserForm {
    login: String,
    role: String,
    #[serde(default)]
    my_number_handler: Option<String>,
    password: String,
}

fn secret_page(staff: &Staff, ja: &str, en: &str, what: &str, secret: &str) -> Markup {
    page(
        ja,
        en,
        Some(staff),
        html! {
            div.ok role="status" {
                p { (label("一度だけ表示します。控えてから画面を閉じてください。",
                           "Shown once: note it before leaving this page.")) }
                p { (what) ": " code { (secret) } }
            }
            p { a href="/users" { (label("利用者・端末へ戻る", "Back to users and devices")) } }
        },
    )
}

async fn add_user(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<AddUserForm>,
) -> Result<Markup, WebError> {
    let login: Login = parse("login", &f.login)?;
    let role: Role = parse("role", &f.role)?;
    if f.password.is_empty() {
        return Err(field_error("password", "empty"));
    }
    let handler = f.my_number_handler.is_some();
    let created = staff
        .run(&state, move |vrs, caller| {
            let spec = UserSpec {
                principal: None,
                login: &login,
                role,
                my_number_handler: handler,
                password: &f.password,
            };
            Ok(done(vrs.add_user(caller.principal, spec)?))
        })
        .await?;
    let secret = created.totp_secret.unwrap_or_default();
    Ok(secret_page(
        &staff,
        "利用者を追加しました",
        "User added",
        &format!("{} TOTP", created.login),
        &secret,
    ))
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
}

async fn disable_user(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<LoginForm>,
) -> Result<Redirect, WebError> {
    let login: Login = parse("login", &f.login)?;
    staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.disable_user(caller.principal, &login)?).map(|_| ()))
        })
        .await?;
    Ok(Redirect::to("/users"))
}

#[derive(Deserialize)]
struct DeviceForm {
    name: String,
}

async fn add_device(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<DeviceForm>,
) -> Result<Markup, WebError> {
    let name = text("name", &f.name)?;
    let site = super::own(staff.caller.principal)?;
    let created = staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.add_device(caller.principal, site, &name)?))
        })
        .await?;
    Ok(secret_page(
        &staff,
        "端末を登録しました",
        "Device registered",
        &format!("device {} token", created.device),
        &created.token,
    ))
}

#[derive(Deserialize)]
struct RevokeForm {
    device: String,
}

async fn revoke_device(
    State(state): State<AppState>,
    staff: Staff,
    Form(f): Form<RevokeForm>,
) -> Result<Redirect, WebError> {
    let device: i64 = parse("device", &f.device)?;
    staff
        .run(&state, move |vrs, caller| {
            Ok(done(vrs.revoke_device(caller.principal, device)?).map(|_| ()))
        })
        .await?;
    Ok(Redirect::to("/users"))
}
