//! A reader's own pages: register, log in, the account page, a forgotten password, and
//! the short messages between them; the personal API tokens and the moderation decisions
//! about one's own comments.

use askama::Template;
use tribune_core::account::{ApiToken, ApiTokenId};
use tribune_core::time::long_date_time;

use super::Layout;

/// A way on from a message.
pub struct Link {
    pub url: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "account_register.html")]
pub struct RegisterPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub email: String,
    pub display_name: String,
}

#[derive(Template)]
#[template(path = "account_login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub email: String,
    pub terug: String,
}

/// A short page with a heading, a message and a way on.
#[derive(Template)]
#[template(path = "account_message.html")]
pub struct MessagePage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
    pub link: Option<Link>,
}

#[derive(Template)]
#[template(path = "account_home.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub display_name: String,
    pub email: String,
    pub role: &'static str,
    pub member_since: String,
    pub barred: Option<String>,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub password_error: Option<String>,
    pub delete_error: Option<String>,
}

#[derive(Template)]
#[template(path = "account_forgot.html")]
pub struct ForgotPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub email: String,
}

#[derive(Template)]
#[template(path = "account_reset.html")]
pub struct ResetPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub token: String,
}

/// One personal API token on the account's token page.
pub struct TokenView {
    pub id: ApiTokenId,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub status: String,
    pub revoked: bool,
}

impl TokenView {
    pub fn new(t: &ApiToken) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            created: long_date_time(t.created_at),
            last_used: t
                .last_used_at
                .map_or_else(|| "nog nooit".to_string(), long_date_time),
            status: match t.revoked_at {
                Some(at) => format!("ingetrokken op {}", long_date_time(at)),
                None => "actief".to_string(),
            },
            revoked: t.is_revoked(),
        }
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub layout: Layout,
    pub tokens: Vec<TokenView>,
    pub csrf: String,
    /// The secret of the token just made: on this one answer only.
    pub new_secret: Option<String>,
    pub new_name: Option<String>,
    pub error: Option<String>,
    /// What the name field holds (after an error, what was typed).
    pub name: String,
}
