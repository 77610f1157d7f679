//! Account writes and the mails they send: registering (with the confirmation link, or a
//! word to the owner of a taken address), confirming, a new password (set, or by a reset
//! link), deleting. Mails go out in the background, so no answer waits for them or tells a
//! stranger whether an address has an account.

use chrono::Duration;
use tribune_core::Event;
use tribune_core::account::{Account, AccountId, NewAccount, Role, TokenPurpose, check_password};
use tribune_core::store::StoreError;

use crate::auth::{self, hash_password, sha256_hex};
use crate::error::AppError;
use crate::mail::Mail;
use crate::state::AppState;

/// How long the links in mails work.
const ACTIVATION_HOURS: i64 = 24;
const RESET_HOURS: i64 = 1;

const SIGNATURE: &str = "Sportieve groeten,\nDe redactie van Tribune";

/// Registers an account, unconfirmed, and mails the link that confirms it (all three
/// fields checked by the caller). A taken address gets the same answer, and its owner a
/// mail about the attempt (or, when their account was never confirmed, a fresh link).
pub async fn register(
    state: &AppState,
    email: String,
    display_name: String,
    password: &str,
) -> Result<(), AppError> {
    let now = state.clock.now();
    // Hashed whether or not the address is taken, so both take as long.
    let password_hash = hash_password(password.to_string()).await?;
    let new = NewAccount {
        email: email.clone(),
        display_name,
        password_hash,
        role: Role::Reader,
        verified: false,
    };
    // The mail is prepared in the background in both cases: the answer does not wait for it.
    match state.store.create_account(&new, now).await {
        Ok(account) => {
            let state = state.clone();
            tokio::spawn(async move {
                if let Err(e) = mail_activation(&state, &account).await {
                    tracing::error!(error = %e, account = account.id, "no activation mail");
                }
            });
        }
        Err(StoreError::Conflict(_)) => {
            let state = state.clone();
            tokio::spawn(async move {
                if let Err(e) = mail_taken_address(&state, &email).await {
                    tracing::error!(error = %e, "no mail about a registration of a taken address");
                }
            });
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Uses a confirmation link: the account it was for, now confirmed; `None` for a link that
/// is unknown, used or expired.
pub async fn activate(state: &AppState, token: &str) -> Result<Option<AccountId>, AppError> {
    let taken = state
        .store
        .take_token(
            &sha256_hex(token),
            TokenPurpose::Activate,
            state.clock.now(),
        )
        .await?;
    let Some(id) = taken else {
        return Ok(None);
    };
    state.store.set_verified(id).await?;
    Ok(Some(id))
}

/// Sets a new password (checked by the caller); the store ends every session of the
/// account, a thief's too.
pub async fn set_password(state: &AppState, id: AccountId, password: &str) -> Result<(), AppError> {
    let hash = hash_password(password.to_string()).await?;
    Ok(state.store.set_password(id, &hash).await?)
}

/// Removes the account (the caller had the password given again); the pages that showed
/// its comments are refreshed.
pub async fn delete_account(state: &AppState, id: AccountId) -> Result<(), AppError> {
    let changed = state.store.delete_account(id, state.clock.now()).await?;
    for article in changed {
        state.publish(Event::ArticleChanged { id: article });
    }
    tracing::info!(account = id, "account deleted by its owner");
    Ok(())
}

/// Mails a reset link when `email` (normalized) has an account; the caller answers the
/// same either way without waiting for the lookup.
pub fn send_reset(state: &AppState, email: String) {
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = mail_reset(&state, &email).await {
            tracing::error!(error = %e, "no password reset mail");
        }
    });
}

pub enum Reset {
    Done(Account),
    /// Unknown, used or expired.
    BadLink,
    /// The new password breaks a rule; `token` is the link to try again with (a fresh one
    /// when the old one had to be used up to find the account).
    Refused {
        message: String,
        token: String,
    },
}

/// Uses a reset link: a new password, every old session ended. Following the link proves the
/// address, so an account never confirmed is confirmed now.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    password: &str,
) -> Result<Reset, AppError> {
    // The rules that do not depend on the account first, so a typo does not use up the link.
    if let Err(message) = check_password(password, "", "") {
        return Ok(Reset::Refused {
            message,
            token: token.to_string(),
        });
    }
    let now = state.clock.now();
    let Some(id) = state
        .store
        .take_token(&sha256_hex(token), TokenPurpose::ResetPassword, now)
        .await?
    else {
        return Ok(Reset::BadLink);
    };
    let Some(account) = state.store.account(id).await? else {
        return Ok(Reset::BadLink);
    };
    if let Err(message) = check_password(password, &account.email, &account.display_name) {
        let token = issue_token(
            state,
            id,
            TokenPurpose::ResetPassword,
            Duration::hours(RESET_HOURS),
        )
        .await?;
        return Ok(Reset::Refused { message, token });
    }
    let hash = hash_password(password.to_string()).await?;
    state.store.set_password(id, &hash).await?;
    if !account.verified {
        state.store.set_verified(id).await?;
    }
    state.limits.login_succeeded(&account.email);
    Ok(Reset::Done(account))
}

/// A one-time link token for `purpose`; the store keeps its hash.
async fn issue_token(
    state: &AppState,
    account_id: AccountId,
    purpose: TokenPurpose,
    valid: Duration,
) -> Result<String, AppError> {
    let token = auth::random_token()?;
    state
        .store
        .create_token(
            &sha256_hex(&token),
            account_id,
            purpose,
            state.clock.now() + valid,
        )
        .await?;
    Ok(token)
}

fn link(state: &AppState, path_and_query: &str) -> String {
    format!(
        "{}{path_and_query}",
        state.config.public_url.trim_end_matches('/')
    )
}

async fn mail_activation(state: &AppState, account: &Account) -> Result<(), AppError> {
    if !state.limits.may_mail(&account.email, state.clock.now()) {
        return Ok(());
    }
    let token = issue_token(
        state,
        account.id,
        TokenPurpose::Activate,
        Duration::hours(ACTIVATION_HOURS),
    )
    .await?;
    let url = link(state, &format!("/account/bevestigen?token={token}"));
    state.mailer.send(Mail {
        to: account.email.clone(),
        subject: "Bevestig je account bij Tribune".to_string(),
        text: format!(
            "Dag {name},\n\nWelkom bij Tribune! Bevestig je e-mailadres met deze link \
             (24 uur geldig):\n\n{url}\n\nDaarna kun je reageren op artikels en stemmen in \
             polls.\n\nHeb je geen account aangemaakt? Dan mag je deze mail negeren: zonder \
             bevestiging wordt het account niet actief.\n\n{SIGNATURE}\n",
            name = account.display_name
        ),
    });
    Ok(())
}

async fn mail_taken_address(state: &AppState, email: &str) -> Result<(), AppError> {
    let Some((account, _)) = state.store.account_by_email(email).await? else {
        return Ok(());
    };
    if !account.verified {
        // They registered before and never confirmed: what they need is a new link.
        return mail_activation(state, &account).await;
    }
    if !state.limits.may_mail(email, state.clock.now()) {
        return Ok(());
    }
    let url = link(state, "/wachtwoord-vergeten");
    state.mailer.send(Mail {
        to: account.email.clone(),
        subject: "Iemand probeerde een account te maken met je e-mailadres".to_string(),
        text: format!(
            "Dag {name},\n\nIemand probeerde zonet een nieuw account bij Tribune aan te maken \
             met dit e-mailadres. Je hebt al een account, dus er is niets veranderd.\n\n\
             Was jij dat en ben je je wachtwoord vergeten? Kies dan een nieuw via:\n\n{url}\n\n\
             Was jij het niet? Dan hoef je niets te doen.\n\n{SIGNATURE}\n",
            name = account.display_name
        ),
    });
    Ok(())
}

async fn mail_reset(state: &AppState, email: &str) -> Result<(), AppError> {
    let Some((account, _)) = state.store.account_by_email(email).await? else {
        return Ok(());
    };
    if !state.limits.may_mail(email, state.clock.now()) {
        return Ok(());
    }
    let token = issue_token(
        state,
        account.id,
        TokenPurpose::ResetPassword,
        Duration::hours(RESET_HOURS),
    )
    .await?;
    let url = link(state, &format!("/wachtwoord-herstellen?token={token}"));
    state.mailer.send(Mail {
        to: account.email.clone(),
        subject: "Een nieuw wachtwoord voor Tribune".to_string(),
        text: format!(
            "Dag {name},\n\nJe vroeg een nieuw wachtwoord aan. Kies het via deze link (een uur \
             geldig, één keer te gebruiken):\n\n{url}\n\nVroeg je niets aan? Dan mag je deze \
             mail negeren: je wachtwoord blijft hetzelfde.\n\n{SIGNATURE}\n",
            name = account.display_name
        ),
    });
    Ok(())
}
