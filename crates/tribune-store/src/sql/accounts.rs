//! Accounts, sessions and one-time links; deleting and exporting an account.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracing::instrument;
use tribune_core::account::{
    Account, AccountId, ApiToken, ApiTokenId, NewAccount, Role, Session, TokenPurpose,
};
use tribune_core::article::ArticleId;
use tribune_core::comment::CommentId;
use tribune_core::poll::PollId;
use tribune_core::storable::{self, has_nul};
use tribune_core::store::{AccountExport, AccountFilter, AccountStore, StoreError, StoreResult};

use super::comments::{CommentRow, ReportRow, comment_columns, comment_joins, comments, role_of};
use super::{Backend, Conn, db, for_no_key_update, for_update, record_changes, settle, strpos};
use crate::at::At;
use crate::{is_foreign_key_violation, is_retryable, is_unique_violation};

/// The columns [`AccountRow`] reads, from `accounts` as `acc`.
macro_rules! account_columns {
    () => {
        "acc.id, acc.email, acc.display_name, acc.role, acc.created_at, acc.verified,
         acc.suspended_until, acc.banned, acc.shadow_banned, acc.approved_comments"
    };
}

/// The columns [`TokenRow`] reads, from `api_tokens` (as a RETURNING clause names them).
macro_rules! api_token_columns {
    () => {
        "id, account_id, name, created_at, last_used_at, revoked_at"
    };
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: AccountId,
    email: String,
    display_name: String,
    role: String,
    created_at: At,
    verified: bool,
    suspended_until: Option<At>,
    banned: bool,
    shadow_banned: bool,
    approved_comments: i64,
}

impl AccountRow {
    pub(crate) fn into_account(self) -> StoreResult<Account> {
        Ok(Account {
            id: self.id,
            email: self.email,
            display_name: self.display_name,
            role: role_of(&self.role)?,
            created_at: self.created_at.0,
            verified: self.verified,
            suspended_until: self.suspended_until.map(Into::into),
            banned: self.banned,
            shadow_banned: self.shadow_banned,
            approved_comments: self.approved_comments,
        })
    }
}

#[derive(sqlx::FromRow)]
struct WithPassword {
    #[sqlx(flatten)]
    account: AccountRow,
    password_hash: String,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    account: AccountRow,
    csrf_token: String,
    expires_at: At,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: ApiTokenId,
    account_id: AccountId,
    name: String,
    created_at: At,
    last_used_at: Option<At>,
    revoked_at: Option<At>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> Self {
        Self {
            id: r.id,
            account_id: r.account_id,
            name: r.name,
            created_at: r.created_at.0,
            last_used_at: r.last_used_at.map(Into::into),
            revoked_at: r.revoked_at.map(Into::into),
        }
    }
}

/// A token with the account it opens.
#[derive(sqlx::FromRow)]
struct TokenAccountRow {
    #[sqlx(flatten)]
    account: AccountRow,
    token_id: ApiTokenId,
    token_name: String,
    token_created_at: At,
    last_used_at: Option<At>,
    revoked_at: Option<At>,
}

#[derive(sqlx::FromRow)]
struct ArticleCount {
    article_id: ArticleId,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct VoteRow {
    comment_id: CommentId,
    value: i32,
}

#[derive(sqlx::FromRow)]
struct PollVoteRow {
    poll_id: PollId,
    question: String,
    label: String,
}

/// How stale a token's last-use stamp may get before a request writes it anew: one write
/// a minute per token, not one per request.
const LAST_USED_GRAIN: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// The account, inside the caller's transaction (or on a pooled connection).
pub(crate) async fn account_in(tx: &mut Conn, id: AccountId) -> StoreResult<Option<Account>> {
    let row: Option<AccountRow> = sqlx::query_as(concat!(
        "SELECT ",
        account_columns!(),
        " FROM accounts acc WHERE acc.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?;
    row.map(AccountRow::into_account).transpose()
}

fn nul_refused() -> StoreError {
    StoreError::Invalid("De tekst bevat tekens die we niet toelaten.".to_string())
}

/// Whether texts about to be stored can be (see `tribune_core::storable`).
fn check_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> StoreResult<()> {
    storable::texts(texts).map_err(|_| nul_refused())
}

/// How many times a transaction that lost a deadlock is tried in all.
const ATTEMPTS: u32 = 3;

impl Backend {
    /// The articles whose pages show something of the account: its public comments and
    /// placeholders, and public comments it voted on.
    async fn pages_of_account(tx: &mut Conn, id: AccountId) -> StoreResult<Vec<ArticleId>> {
        sqlx::query_scalar(
            "SELECT article_id FROM comments WHERE author_id = $1 AND (public OR listed)
             UNION
             SELECT c.article_id FROM comment_votes v JOIN comments c ON c.id = v.comment_id
             WHERE v.account_id = $1 AND c.public
             ORDER BY 1",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)
    }

    /// One attempt at [`AccountStore::delete_account`], inside the caller's transaction.
    /// Locks in the order every comment write keeps (see the comments module): the account,
    /// then comments, then threads' top-level comments, then articles.
    async fn delete_account_in(
        tx: &mut Conn,
        id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleId>> {
        // Exclusive: whoever is writing a comment or vote for the account has finished, and
        // nobody starts one until this commits (their foreign keys wait for this lock).
        let exists = sqlx::query(concat!(
            "SELECT 1 FROM accounts WHERE id = $1",
            for_update!()
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        // Its comments and those it voted on, then the threads its public replies are in.
        sqlx::query(concat!(
            "SELECT id FROM comments
             WHERE (author_id = $1 AND NOT deleted)
                OR id IN (SELECT comment_id FROM comment_votes WHERE account_id = $1)
             ORDER BY id",
            for_no_key_update!()
        ))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(concat!(
            "SELECT id FROM comments
             WHERE id IN (SELECT root_id FROM comments WHERE author_id = $1 AND public)
             ORDER BY id",
            for_no_key_update!()
        ))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // What the pages show of it and the counts per article, under those locks and
        // before anything changes.
        let pages = Self::pages_of_account(tx, id).await?;
        let counts: Vec<ArticleCount> = sqlx::query_as(
            "SELECT article_id, COUNT(*) AS n FROM comments WHERE author_id = $1 AND public
             GROUP BY article_id ORDER BY article_id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE comments AS r SET reply_count = r.reply_count - d.n
             FROM (SELECT root_id, COUNT(*) AS n FROM comments
                   WHERE author_id = $1 AND public AND root_id IS NOT NULL GROUP BY root_id) AS d
             WHERE r.id = d.root_id",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // Its comments become placeholders without text, their earlier versions forgotten.
        sqlx::query(
            "DELETE FROM comment_revisions
             WHERE comment_id IN (SELECT id FROM comments WHERE author_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE comments SET deleted = true, public = false, body_markdown = '',
                body_html = ''
             WHERE author_id = $1 AND NOT deleted",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // A top-level comment stays listed while it has public replies.
        sqlx::query(
            "UPDATE comments SET listed = (public OR reply_count > 0)
             WHERE root_id IS NULL
               AND (author_id = $1
                    OR id IN (SELECT root_id FROM comments
                              WHERE author_id = $1 AND root_id IS NOT NULL))
               AND listed <> (public OR reply_count > 0)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // Its votes go, and the scores they made.
        sqlx::query(
            "UPDATE comments AS c SET up = c.up - v.ups, down = c.down - v.downs,
                score = c.score - v.ups + v.downs
             FROM (SELECT comment_id,
                          COUNT(*) FILTER (WHERE value = 1) AS ups,
                          COUNT(*) FILTER (WHERE value = -1) AS downs
                   FROM comment_votes WHERE account_id = $1 GROUP BY comment_id) AS v
             WHERE c.id = v.comment_id",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // Sessions, links and votes go with it; comments, reports and poll votes lose the
        // name (foreign keys).
        sqlx::query("DELETE FROM accounts WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        // The article rows last, in id order.
        for c in &counts {
            sqlx::query("UPDATE articles SET comment_count = comment_count - $2 WHERE id = $1")
                .bind(c.article_id)
                .bind(c.n)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        record_changes(tx, &pages, now).await?;
        Ok(pages)
    }

    async fn export_account_in(tx: &mut Conn, id: AccountId) -> StoreResult<AccountExport> {
        let Some(account) = account_in(tx, id).await? else {
            return Err(StoreError::NotFound);
        };
        let written: Vec<CommentRow> = sqlx::query_as(concat!(
            "SELECT ",
            comment_columns!(),
            " FROM comments c ",
            comment_joins!(),
            " WHERE c.author_id = $1 ORDER BY c.created_at, c.id"
        ))
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let votes: Vec<VoteRow> = sqlx::query_as(
            "SELECT comment_id, value FROM comment_votes WHERE account_id = $1 ORDER BY comment_id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let poll_votes: Vec<PollVoteRow> = sqlx::query_as(
            "SELECT p.id AS poll_id, p.question, o.label FROM poll_votes v
             JOIN polls p ON p.id = v.poll_id JOIN poll_options o ON o.id = v.option_id
             WHERE v.account_id = $1 ORDER BY v.voted_at, v.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let reports: Vec<ReportRow> = sqlx::query_as(concat!(
            "SELECT ",
            super::comments::report_columns!(),
            " FROM comment_reports r LEFT JOIN accounts ra ON ra.id = r.reporter_id
              WHERE r.reporter_id = $1 ORDER BY r.created_at, r.id"
        ))
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        Ok(AccountExport {
            account,
            comments: comments(written)?,
            comment_votes: votes.into_iter().map(|v| (v.comment_id, v.value)).collect(),
            poll_votes: poll_votes
                .into_iter()
                .map(|v| (v.poll_id, v.question, v.label))
                .collect(),
            reports: reports
                .into_iter()
                .map(ReportRow::into_report)
                .collect::<StoreResult<_>>()?,
        })
    }
}

#[async_trait]
impl AccountStore for Backend {
    #[instrument(skip_all)]
    async fn create_account(&self, new: &NewAccount, now: DateTime<Utc>) -> StoreResult<Account> {
        check_texts([
            new.email.as_str(),
            new.display_name.as_str(),
            new.password_hash.as_str(),
        ])?;
        let mut tx = self.begin_rows().await?;
        let done = async {
            let inserted = sqlx::query_scalar(
                "INSERT INTO accounts (email, display_name, password_hash, role, verified,
                    created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            // An address in another case is the same address.
            .bind(new.email.trim().to_lowercase())
            .bind(new.display_name.trim())
            .bind(&new.password_hash)
            .bind(new.role.as_str())
            .bind(new.verified)
            .bind(At(now))
            .fetch_one(&mut *tx)
            .await
            .map_err(db);
            let id: AccountId = match inserted {
                Ok(id) => id,
                Err(e) if is_unique_violation(&e) => {
                    return Err(StoreError::Conflict(
                        "Er bestaat al een account met dit e-mailadres.".to_string(),
                    ));
                }
                Err(e) => return Err(e),
            };
            account_in(&mut tx, id).await?.ok_or(StoreError::NotFound)
        }
        .await;
        settle(tx, done).await
    }

    async fn account(&self, id: AccountId) -> StoreResult<Option<Account>> {
        let mut conn = self.reader().acquire().await.map_err(db)?;
        account_in(&mut conn, id).await
    }

    async fn account_by_email(&self, email: &str) -> StoreResult<Option<(Account, String)>> {
        if has_nul(email) {
            return Ok(None);
        }
        let row: Option<WithPassword> = sqlx::query_as(concat!(
            "SELECT ",
            account_columns!(),
            ", acc.password_hash FROM accounts acc WHERE acc.email = $1"
        ))
        .bind(email.trim().to_lowercase())
        .fetch_optional(self.reader())
        .await
        .map_err(db)?;
        row.map(|r| Ok((r.account.into_account()?, r.password_hash)))
            .transpose()
    }

    #[instrument(skip_all)]
    async fn set_password(&self, id: AccountId, password_hash: &str) -> StoreResult<()> {
        check_texts([password_hash])?;
        let mut tx = self.begin_rows().await?;
        let done = async {
            let changed = sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            if changed.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            Ok(())
        }
        .await;
        settle(tx, done).await
    }

    async fn set_role(&self, id: AccountId, role: Role) -> StoreResult<()> {
        let changed = sqlx::query("UPDATE accounts SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(id)
            .execute(self.writer())
            .await
            .map_err(db)?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    #[instrument(skip_all)]
    async fn change_role(&self, id: AccountId, role: Role) -> StoreResult<Account> {
        // Role changes take turns, so two admins demoting each other cannot both pass the
        // count below.
        let mut tx = self.begin_write().await?;
        let done = async {
            let account = account_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
            if account.role == Role::Admin && role != Role::Admin {
                let admins: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE role = 'admin'")
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db)?;
                if admins <= 1 {
                    return Err(StoreError::Conflict(format!(
                        "{} is de laatste beheerder: maak eerst iemand anders beheerder.",
                        account.display_name
                    )));
                }
            }
            sqlx::query("UPDATE accounts SET role = $1 WHERE id = $2")
                .bind(role.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            Ok(Account { role, ..account })
        }
        .await;
        settle(tx, done).await
    }

    async fn accounts(
        &self,
        filter: &AccountFilter,
        limit: u32,
        offset: u32,
    ) -> StoreResult<Vec<Account>> {
        let text = filter.text.trim().to_lowercase();
        if has_nul(&text) {
            return Ok(Vec::new());
        }
        let rows: Vec<AccountRow> = sqlx::query_as(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts acc
             WHERE ($1 = '' OR ",
            strpos!(),
            "(lower(acc.display_name), $1) > 0 OR ",
            strpos!(),
            "(acc.email, $1) > 0)
               AND (CAST($2 AS TEXT) IS NULL OR acc.role = $2)
             ORDER BY lower(acc.display_name), acc.id LIMIT $3 OFFSET $4"
        ))
        .bind(&text)
        .bind(filter.role.map(Role::as_str))
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        rows.into_iter().map(AccountRow::into_account).collect()
    }

    async fn set_verified(&self, id: AccountId) -> StoreResult<()> {
        let changed = sqlx::query("UPDATE accounts SET verified = true WHERE id = $1")
            .bind(id)
            .execute(self.writer())
            .await
            .map_err(db)?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    #[instrument(skip_all)]
    async fn delete_account(
        &self,
        id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleId>> {
        let mut attempt = 1;
        loop {
            let mut tx = self.begin_rows().await?;
            let done = Self::delete_account_in(&mut tx, id, now).await;
            match settle(tx, done).await {
                // Two accounts deleted at once whose comments answer each other's can lose
                // a deadlock on PostgreSQL: once more.
                Err(e) if attempt < ATTEMPTS && is_retryable(&e) => attempt += 1,
                other => return other,
            }
        }
    }

    #[instrument(skip_all)]
    async fn export_account(&self, id: AccountId) -> StoreResult<AccountExport> {
        // One snapshot, so the parts agree with each other.
        let mut tx = self.begin_snapshot().await?;
        let done = Self::export_account_in(&mut tx, id).await;
        settle(tx, done).await
    }

    async fn create_session(
        &self,
        token_hash: &str,
        session: &Session,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        check_texts([token_hash, session.csrf_token.as_str()])?;
        let done = sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(session.account_id)
        .bind(&session.csrf_token)
        .bind(At(now))
        .bind(At(session.expires_at))
        .execute(self.writer())
        .await
        .map_err(db);
        match done {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::Conflict("session exists already".to_string()))
            }
            Err(e) if is_foreign_key_violation(&e) => Err(StoreError::NotFound),
            Err(e) => Err(e),
        }
    }

    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Session, Account)>> {
        if has_nul(token_hash) {
            return Ok(None);
        }
        let row: Option<SessionRow> = sqlx::query_as(concat!(
            "SELECT ",
            account_columns!(),
            ", s.csrf_token, s.expires_at
             FROM sessions s JOIN accounts acc ON acc.id = s.account_id
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(token_hash)
        .bind(At(now))
        .fetch_optional(self.reader())
        .await
        .map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let account = r.account.into_account()?;
        Ok(Some((
            Session {
                account_id: account.id,
                csrf_token: r.csrf_token,
                expires_at: r.expires_at.0,
            },
            account,
        )))
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        if has_nul(token_hash) {
            return Ok(());
        }
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.writer())
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn create_token(
        &self,
        token_hash: &str,
        account_id: AccountId,
        purpose: TokenPurpose,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        check_texts([token_hash])?;
        let done = sqlx::query(
            "INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(purpose.as_str())
        .bind(At(expires_at))
        .execute(self.writer())
        .await
        .map_err(db);
        match done {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::Conflict("link exists already".to_string()))
            }
            Err(e) if is_foreign_key_violation(&e) => Err(StoreError::NotFound),
            Err(e) => Err(e),
        }
    }

    async fn take_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountId>> {
        if has_nul(token_hash) {
            return Ok(None);
        }
        // One statement: two clicks on the same link cannot both use it.
        sqlx::query_scalar(
            "UPDATE account_tokens SET used_at = $3
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
             RETURNING account_id",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(At(now))
        .fetch_optional(self.writer())
        .await
        .map_err(db)
    }

    #[instrument(skip_all)]
    async fn create_api_token(
        &self,
        account_id: AccountId,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<ApiToken> {
        check_texts([name, token_hash])?;
        let row = sqlx::query_as::<_, TokenRow>(concat!(
            "INSERT INTO api_tokens (account_id, name, token_hash, created_at)
             VALUES ($1, $2, $3, $4) RETURNING ",
            api_token_columns!()
        ))
        .bind(account_id)
        .bind(name)
        .bind(token_hash)
        .bind(At(now))
        .fetch_one(self.writer())
        .await
        .map_err(db);
        match row {
            Ok(r) => Ok(r.into()),
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::Conflict("token exists already".to_string()))
            }
            Err(e) if is_foreign_key_violation(&e) => Err(StoreError::NotFound),
            Err(e) => Err(e),
        }
    }

    async fn api_tokens(&self, account_id: AccountId) -> StoreResult<Vec<ApiToken>> {
        let rows: Vec<TokenRow> = sqlx::query_as(concat!(
            "SELECT ",
            api_token_columns!(),
            " FROM api_tokens WHERE account_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(account_id)
        .fetch_all(self.reader())
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    #[instrument(skip_all)]
    async fn revoke_api_token(
        &self,
        account_id: AccountId,
        id: ApiTokenId,
        now: DateTime<Utc>,
    ) -> StoreResult<ApiToken> {
        let row: Option<TokenRow> = sqlx::query_as(concat!(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1)
             WHERE id = $2 AND account_id = $3 RETURNING ",
            api_token_columns!()
        ))
        .bind(At(now))
        .bind(id)
        .bind(account_id)
        .fetch_optional(self.writer())
        .await
        .map_err(db)?;
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    async fn account_by_api_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(ApiToken, Account)>> {
        if has_nul(token_hash) {
            return Ok(None);
        }
        let row: Option<TokenAccountRow> = sqlx::query_as(concat!(
            "SELECT ",
            account_columns!(),
            ", t.id AS token_id, t.name AS token_name, t.created_at AS token_created_at,
               t.last_used_at, t.revoked_at
             FROM api_tokens t JOIN accounts acc ON acc.id = t.account_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(self.reader())
        .await
        .map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let account = r.account.into_account()?;
        let mut token = ApiToken {
            id: r.token_id,
            account_id: account.id,
            name: r.token_name,
            created_at: r.token_created_at.0,
            last_used_at: r.last_used_at.map(Into::into),
            revoked_at: r.revoked_at.map(Into::into),
        };
        let now = At(now).stored().0;
        let stale = token
            .last_used_at
            .is_none_or(|t| now - t >= LAST_USED_GRAIN);
        if stale {
            // Conditional, so requests racing each other stamp it once.
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1
                 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
            )
            .bind(At(now))
            .bind(token.id)
            .bind(At(now - LAST_USED_GRAIN))
            .execute(self.writer())
            .await
            .map_err(db)?;
            token.last_used_at = Some(now);
        }
        Ok(Some((token, account)))
    }
}
