//! The page layout of every screen: Japanese first with English labels,
//! `<html lang="ja">`, a skip link, the menu of the signed-in user's role, one
//! stylesheet, no inline script or style.

use maud::{html, Markup, DOCTYPE};
use vrs::domain::Role;
use vrs::Principal;

use super::auth::Staff;

/// A label in Japanese with its English beside it: `住民検索 Resident search`.
pub fn label(ja: &str, en: &str) -> Markup {
    html! { (ja) " " span.en lang="en" { (en) } }
}

/// One entry of the menu: path, Japanese, English.
type MenuItem = (&'static str, &'static str, &'static str);

/// The menu of a signed-in user: what its principal and role can use.
fn menu(staff: &Staff) -> Vec<MenuItem> {
    let mut items: Vec<MenuItem> = vec![("/", "ホーム", "Home")];
    match staff.caller.principal {
        Principal::Municipality(_) => {
            if staff.caller.role != Some(Role::Viewer) {
                items.extend([
                    ("/residents", "住民検索", "Residents"),
                    ("/upload", "住民CSV取込", "CSV upload"),
                    ("/ledger", "台帳出力", "Ledger"),
                    ("/inquiry", "照会", "Inquiry"),
                    ("/counter", "窓口発行", "Counter issuance"),
                    ("/issuances", "発行履歴", "Issuance history"),
                ]);
            }
            items.push(("/consent", "同意", "Consent"));
            if staff.caller.role == Some(Role::Admin) {
                items.push(("/users", "利用者・端末", "Users and devices"));
                items.push(("/audit", "監査ログ", "Audit log"));
            }
        }
        Principal::Operator => items.extend([
            ("/operator", "運用", "Operator"),
            ("/consent", "同意", "Consent"),
        ]),
        Principal::National | Principal::Prefecture(_) => {
            items.push(("/stats", "接種状況", "Dashboard"));
        }
        _ => {}
    }
    items
}

/// A full page for a signed-in user (`staff`) or an anonymous visitor (`None`).
pub fn page(title_ja: &str, title_en: &str, staff: Option<&Staff>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="ja" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title_ja) " / " (title_en) " — VRS" }
                link rel="stylesheet" href="/static/vrs.css";
            }
            body {
                a.skip href="#main" { "本文へ移動 / Skip to content" }
                header.top {
                    a.brand href="/" { "ワクチン接種記録システム" span.en lang="en" { " VRS" } }
                    @if let Some(s) = staff {
                        nav.menu aria-label="メニュー / Menu" {
                            ul {
                                @for (path, ja, en) in menu(s) {
                                    li { a href=(path) { (label(ja, en)) } }
                                }
                            }
                        }
                        span.who { (s.login_label()) }
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            button type="submit" { (label("ログアウト", "Sign out")) }
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    h1 { (label(title_ja, title_en)) }
                    (body)
                }
            }
        }
    }
}

/// A page with a script of `/static/` (the only way a page runs script).
pub fn script(src: &str) -> Markup {
    html! { script src=(src) defer {} }
}

/// A My Number as shown on every screen: masked, whatever is passed.
pub fn masked_my_number() -> Markup {
    html! { span.masked { (vrs::domain::MASKED) } }
}
