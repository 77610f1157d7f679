//! Reader and staff accounts: who may do what, and the rules for what they type in.

use chrono::{DateTime, Utc};
use serde::Serialize;

pub type AccountId = i64;

/// What an account may do. Each role can do everything the roles before it can, except that
/// moderating is not writing: a journalist does not moderate unless an editor or admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Reader,
    Moderator,
    Journalist,
    Editor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Self::Reader,
        Self::Moderator,
        Self::Journalist,
        Self::Editor,
        Self::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reader => "reader",
            Self::Moderator => "moderator",
            Self::Journalist => "journalist",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The Dutch name shown beside a staff member's comments.
    pub fn label(self) -> &'static str {
        match self {
            Self::Reader => "lezer",
            Self::Moderator => "moderator",
            Self::Journalist => "redacteur",
            Self::Editor => "eindredacteur",
            Self::Admin => "beheerder",
        }
    }

    /// Works at the newsroom: their comments skip pre-moderation, rates and link limits.
    pub fn is_staff(self) -> bool {
        self != Self::Reader
    }

    pub fn can_moderate(self) -> bool {
        matches!(self, Self::Moderator | Self::Editor | Self::Admin)
    }

    /// Journalists, editors and admins write articles in /redactie.
    pub fn can_write(self) -> bool {
        matches!(self, Self::Journalist | Self::Editor | Self::Admin)
    }

    /// Editors and admins publish, schedule and take articles off the site; a journalist
    /// submits drafts for them.
    pub fn can_publish(self) -> bool {
        matches!(self, Self::Editor | Self::Admin)
    }

    /// Admins manage users, roles and topics.
    pub fn can_administer(self) -> bool {
        self == Self::Admin
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: AccountId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// Whether the owner opened the link mailed at registration.
    pub verified: bool,
    /// Until when the account may not comment or vote.
    pub suspended_until: Option<DateTime<Utc>>,
    pub banned: bool,
    /// Comments still look normal to their author but nobody else sees them.
    pub shadow_banned: bool,
    /// Comments that became visible: the trust level that ends pre-moderation.
    pub approved_comments: i64,
}

impl Account {
    /// Why this account may not post or vote right now, in Dutch; `None` when it may.
    pub fn barred(&self, now: DateTime<Utc>) -> Option<String> {
        if self.banned {
            return Some("Je account is geblokkeerd.".to_string());
        }
        match self.suspended_until {
            Some(until) if until > now => Some(format!(
                "Je account is geschorst tot {}.",
                crate::time::long_date_time(until)
            )),
            _ => None,
        }
    }
}

/// What registration and `tribune user add` hand to the store.
#[derive(Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub verified: bool,
}

// The hash stays out of logs even though it is not the password.
impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("verified", &self.verified)
            .finish_non_exhaustive()
    }
}

/// A logged-in browser: stored by the hash of its cookie value, so a copy of the database
/// does not hand out sessions.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub account_id: AccountId,
    /// Put in every form on personal pages and compared on submit.
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("account_id", &self.account_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

pub type ApiTokenId = i64;

/// A personal API token of a journalist, editor or admin, for scripts and apps. The store
/// keeps only the SHA-256 of its secret (shown once, at creation), so this type never holds
/// the secret or its hash and is safe to log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub account_id: AccountId,
    /// What the owner called it ("Liveblog-script", "App op mijn gsm").
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Stamped at most once a minute, so a busy script does not write on every request.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

pub const MAX_API_TOKEN_NAME_CHARS: usize = 60;

/// The name of a new API token: plain text, 1 to 60 characters, no control or invisible
/// formatting characters. The error says what to change, in Dutch.
pub fn check_api_token_name(name: &str) -> Result<String, String> {
    let name: String = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(
            "Geef de sleutel een naam, zodat je later weet waarvoor je hem gebruikt.".into(),
        );
    }
    if name.chars().count() > MAX_API_TOKEN_NAME_CHARS {
        return Err(format!(
            "De naam van een sleutel mag hoogstens {MAX_API_TOKEN_NAME_CHARS} tekens lang zijn."
        ));
    }
    if crate::text::has_hidden_characters(&name) || name.chars().any(char::is_control) {
        return Err("De naam bevat tekens die we niet toelaten.".to_string());
    }
    Ok(name)
}

/// What a one-time mailed link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Confirms the address given at registration.
    Activate,
    ResetPassword,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Activate => "activate",
            Self::ResetPassword => "reset",
        }
    }
}

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Long enough for any passphrase, short enough that hashing it is not a way to burn CPU.
pub const MAX_PASSWORD_BYTES: usize = 256;

static COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

/// Checks a new password: at least 12 characters, no composition rules, not a well-known one
/// and not the account's own email or name. The error says what to change, in Dutch.
pub fn check_password(password: &str, email: &str, display_name: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "Kies een wachtwoord van minstens {MIN_PASSWORD_CHARS} tekens; een zin van een paar woorden werkt goed."
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "Een wachtwoord mag hoogstens {MAX_PASSWORD_BYTES} tekens lang zijn."
        ));
    }
    let lower = password.to_lowercase();
    // "aaaaaaaaaaaa" and "abababababab" are long but guessed at once.
    let distinct: std::collections::HashSet<char> = lower.chars().collect();
    if distinct.len() < 4 {
        return Err(
            "Dit wachtwoord is te voorspelbaar: gebruik meer verschillende tekens.".to_string(),
        );
    }
    if lower == email.to_lowercase() || lower == display_name.to_lowercase() {
        return Err("Je wachtwoord mag niet je e-mailadres of je naam zijn.".to_string());
    }
    let common = COMMON_PASSWORDS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l.trim() == lower);
    if common {
        return Err(
            "Dit wachtwoord staat op de lijst van veelgebruikte wachtwoorden. Kies een ander."
                .to_string(),
        );
    }
    Ok(())
}

/// Trims and lowercases an email address and checks that it looks like one.
pub fn normalize_email(email: &str) -> Result<String, String> {
    let email = email.trim().to_lowercase();
    let bad = || Err("Vul een geldig e-mailadres in.".to_string());
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad();
    }
    let Some((local, domain)) = email.split_once('@') else {
        return bad();
    };
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return bad();
    }
    Ok(email)
}

pub const MAX_DISPLAY_NAME_CHARS: usize = 40;

/// The name shown above a reader's comments: plain text (escaped wherever it is shown),
/// 2 to 40 characters, no control or invisible formatting characters.
pub fn check_display_name(name: &str) -> Result<String, String> {
    let name: String = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let count = name.chars().count();
    if !(2..=MAX_DISPLAY_NAME_CHARS).contains(&count) {
        return Err(format!(
            "Je schermnaam moet 2 tot {MAX_DISPLAY_NAME_CHARS} tekens lang zijn."
        ));
    }
    // Bidirectional overrides and zero-width characters make one name pass for another.
    if crate::text::has_hidden_characters(&name) {
        return Err("Je schermnaam bevat tekens die we niet toelaten.".to_string());
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_length_not_composition() {
        assert!(check_password("kort", "a@b.be", "Jan").is_err());
        assert!(check_password("elf tekens!", "a@b.be", "Jan").is_err());
        assert!(check_password("blauw zwart tot ik sterf", "a@b.be", "Jan").is_ok());
        assert!(check_password("aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a@b.be", "Jan").is_err());
        assert!(check_password("jan@voorbeeld.be", "jan@voorbeeld.be", "Jan").is_err());
        assert!(check_password(&"x".repeat(300), "a@b.be", "Jan").is_err());
    }

    #[test]
    fn api_token_names_are_short_plain_text() {
        assert_eq!(
            check_api_token_name("  Liveblog   script ").as_deref(),
            Ok("Liveblog script")
        );
        assert!(check_api_token_name("   ").is_err());
        assert!(check_api_token_name(&"x".repeat(61)).is_err());
        assert!(check_api_token_name(&"x".repeat(60)).is_ok());
        assert!(check_api_token_name("app\u{202e}gsm").is_err());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert!(check_password("Wachtwoord123", "a@b.be", "Jan").is_err());
        assert!(check_password("PASSWORDPASSWORD", "a@b.be", "Jan").is_err());
    }

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            normalize_email("  Jan.Peeters@Voorbeeld.BE ").as_deref(),
            Ok("jan.peeters@voorbeeld.be")
        );
        for bad in [
            "",
            "jan",
            "jan@",
            "@x.be",
            "jan@x",
            "jan@@x.be",
            "j an@x.be",
            "jan@x.be.",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_names_are_plain_and_honest() {
        assert_eq!(
            check_display_name("  Blauw   Zwart ").as_deref(),
            Ok("Blauw Zwart")
        );
        assert!(check_display_name("x").is_err());
        assert!(check_display_name(&"x".repeat(41)).is_err());
        assert!(check_display_name("Mod\u{202E}erator").is_err());
        assert!(check_display_name("Jan\u{200B}").is_err());
    }

    #[test]
    fn roles_parse_and_order() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert!(Role::Moderator.can_moderate());
        assert!(!Role::Journalist.can_moderate());
        assert!(!Role::Reader.is_staff());
    }
}
