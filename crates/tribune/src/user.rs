//! `tribune user`: accounts made and changed by the operator (the first admin, staff).

use std::io::{BufRead, IsTerminal, Write};

use chrono::{DateTime, Utc};
use tribune_core::Store;
use tribune_core::account::{
    Account, NewAccount, Role, check_display_name, check_password, normalize_email,
};
use tribune_core::store::StoreError;

/// Where `tribune user add` takes the password from when it should not ask.
pub const PASSWORD_ENV: &str = "TRIBUNE_PASSWORD";

/// Adds a confirmed account with this role. The name defaults to the part of the address
/// before the @. The password must pass the same rules as on the site.
pub async fn add(
    store: &dyn Store,
    email: &str,
    name: Option<&str>,
    role: Role,
    password: &str,
    now: DateTime<Utc>,
) -> Result<Account, String> {
    let email = normalize_email(email)?;
    let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or_default());
    let display_name =
        check_display_name(name).map_err(|e| format!("{e} (choose one with --name)"))?;
    check_password(password, &email, &display_name)?;
    let password_hash = tribune_web::auth::hash_password(password.to_string())
        .await
        .map_err(|e| e.to_string())?;
    let new = NewAccount {
        email: email.clone(),
        display_name,
        password_hash,
        role,
        verified: true,
    };
    match store.create_account(&new, now).await {
        Ok(account) => Ok(account),
        Err(StoreError::Conflict(_)) => Err(format!(
            "{email} has an account already; change its role with `tribune user set-role`"
        )),
        Err(e) => Err(crate::chain(&e)),
    }
}

/// Gives the account with this address another role.
pub async fn set_role(store: &dyn Store, email: &str, role: Role) -> Result<Account, String> {
    let email = normalize_email(email)?;
    let Some((account, _)) = store
        .account_by_email(&email)
        .await
        .map_err(|e| crate::chain(&e))?
    else {
        return Err(format!("no account has the address {email}"));
    };
    store
        .set_role(account.id, role)
        .await
        .map_err(|e| crate::chain(&e))?;
    store
        .account(account.id)
        .await
        .map_err(|e| crate::chain(&e))?
        .ok_or_else(|| format!("the account of {email} disappeared"))
}

/// Makes a personal API token for a newsroom account and returns its secret.
pub async fn token(
    store: &dyn Store,
    email: &str,
    name: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, String> {
    let email = normalize_email(email)?;
    let Some((account, _)) = store
        .account_by_email(&email)
        .await
        .map_err(|e| crate::chain(&e))?
    else {
        return Err(format!("no account has the address {email}"));
    };
    if !account.role.can_write() {
        return Err(format!(
            "{email} is a {}: only journalists, editors and admins get API tokens",
            account.role.as_str()
        ));
    }
    let name = tribune_core::account::check_api_token_name(name)?;
    let secret = tribune_web::auth::new_api_token().map_err(|e| e.to_string())?;
    store
        .create_api_token(
            account.id,
            &name,
            &tribune_web::auth::sha256_hex(&secret),
            now,
        )
        .await
        .map_err(|e| crate::chain(&e))?;
    Ok(secret)
}

/// "admin", "editor", ... as clap reads them.
pub fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(&s.to_ascii_lowercase()).ok_or_else(|| {
        let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role {s:?}; one of {}", names.join(", "))
    })
}

/// The new account's password: from TRIBUNE_PASSWORD, else asked on the terminal (twice,
/// without echo), else one line from standard input (a script piping it in).
pub fn read_password(email: &str) -> Result<String, String> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        if password.is_empty() {
            return Err(format!(
                "no password: set {PASSWORD_ENV} or pipe it in on standard input"
            ));
        }
        return Ok(password);
    }
    let first = prompt(&format!("Password for {email}: "))?;
    let second = prompt("Once more: ")?;
    if first != second {
        return Err("the two passwords differ".into());
    }
    Ok(first)
}

/// Reads a line from the terminal with echo off (through `stty`, when there is one).
fn prompt(question: &str) -> Result<String, String> {
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{question}");
    let _ = stderr.flush();
    let echo_off = stty("-echo");
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if echo_off {
        stty("echo");
        let _ = writeln!(stderr);
    }
    read.map_err(|e| format!("cannot read the password: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn stty(setting: &str) -> bool {
    std::process::Command::new("stty")
        .arg(setting)
        .stdin(std::process::Stdio::inherit())
        .status()
        .is_ok_and(|s| s.success())
}
