//! Accounts, sessions and one-time links on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use tracing::instrument;
use tribune_core::account::{
    Account, AccountId, ApiToken, ApiTokenId, NewAccount, Role, Session, TokenPurpose,
};
use tribune_core::article::ArticleId;
use tribune_core::store::{AccountExport, AccountFilter, AccountStore, StoreError, StoreResult};

use super::comments::{comment_of, report_of};
use super::{
    LOCK_WRITE, PgStore, db, has_nul, is_retryable, is_unique_violation, lock, ms, record_changes,
    settle,
};

/// The columns [`account_of`] reads, in its order, from `accounts` as `acc`.
macro_rules! account_columns {
    () => {
        "acc.id, acc.email, acc.display_name, acc.role, acc.created_at, acc.verified,
         acc.suspended_until, acc.banned, acc.shadow_banned, acc.approved_comments"
    };
}

/// The columns [`api_token_at`] reads, from `api_tokens` as `t`.
macro_rules! api_token_columns {
    () => {
        "t.id, t.account_id, t.name, t.created_at, t.last_used_at, t.revoked_at"
    };
}

/// The same columns as a RETURNING clause names them.
macro_rules! api_token_returning {
    () => {
        " RETURNING id, account_id, name, created_at, last_used_at, revoked_at"
    };
}

/// An API token from six columns of `r` starting at `at`, in [`api_token_columns`] order.
fn api_token_at(r: &PgRow, at: usize) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: r.try_get(at).map_err(db)?,
        account_id: r.try_get(at + 1).map_err(db)?,
        name: r.try_get(at + 2).map_err(db)?,
        created_at: r.try_get(at + 3).map_err(db)?,
        last_used_at: r.try_get(at + 4).map_err(db)?,
        revoked_at: r.try_get(at + 5).map_err(db)?,
    })
}

/// How stale a token's last-use stamp may get before a request writes it anew: one write
/// a minute per token, not one per request.
const LAST_USED_GRAIN: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

pub(crate) fn role_of(s: &str) -> StoreResult<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Invalid(format!("unknown role {s}")))
}

/// An account from the ten columns of [`account_columns`], starting at `at`.
pub(crate) fn account_at(r: &PgRow, at: usize) -> StoreResult<Account> {
    Ok(Account {
        id: r.try_get(at).map_err(db)?,
        email: r.try_get(at + 1).map_err(db)?,
        display_name: r.try_get(at + 2).map_err(db)?,
        role: role_of(r.try_get(at + 3).map_err(db)?)?,
        created_at: r.try_get(at + 4).map_err(db)?,
        verified: r.try_get(at + 5).map_err(db)?,
        suspended_until: r.try_get(at + 6).map_err(db)?,
        banned: r.try_get(at + 7).map_err(db)?,
        shadow_banned: r.try_get(at + 8).map_err(db)?,
        approved_comments: r.try_get(at + 9).map_err(db)?,
    })
}

pub(crate) fn account_of(r: &PgRow) -> StoreResult<Account> {
    account_at(r, 0)
}

/// The account, inside the caller's transaction.
pub(crate) async fn account_in(
    tx: &mut PgConnection,
    id: AccountId,
) -> StoreResult<Option<Account>> {
    sqlx::query(concat!(
        "SELECT ",
        account_columns!(),
        " FROM accounts acc WHERE acc.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    .as_ref()
    .map(account_of)
    .transpose()
}

fn nul_refused() -> StoreError {
    StoreError::Invalid("De tekst bevat tekens die we niet toelaten.".to_string())
}

/// How many times a transaction that lost a deadlock is tried in all.
const ATTEMPTS: u32 = 3;

impl PgStore {
    /// The articles whose pages show something of the account: its public comments and
    /// placeholders, and public comments it voted on.
    async fn pages_of_account(tx: &mut PgConnection, id: AccountId) -> StoreResult<Vec<ArticleId>> {
        let rows = sqlx::query(
            "SELECT article_id FROM comments WHERE author_id = $1 AND (public OR listed)
             UNION
             SELECT c.article_id FROM comment_votes v JOIN comments c ON c.id = v.comment_id
             WHERE v.account_id = $1 AND c.public
             ORDER BY 1",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        rows.iter().map(|r| r.try_get(0).map_err(db)).collect()
    }

    /// One attempt at [`AccountStore::delete_account`], inside the caller's transaction.
    /// Locks in the order every comment write keeps (see the comments module): the account,
    /// then comments, then threads' top-level comments, then articles.
    async fn delete_account_in(
        tx: &mut PgConnection,
        id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleId>> {
        // Exclusive: whoever is writing a comment or vote for the account has finished, and
        // nobody starts one until this commits (their foreign keys wait for this lock).
        let exists = sqlx::query("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        // Its comments and those it voted on, then the threads its public replies are in.
        sqlx::query(
            "SELECT id FROM comments
             WHERE (author_id = $1 AND NOT deleted)
                OR id IN (SELECT comment_id FROM comment_votes WHERE account_id = $1)
             ORDER BY id FOR NO KEY UPDATE",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "SELECT id FROM comments
             WHERE id IN (SELECT root_id FROM comments WHERE author_id = $1 AND public)
             ORDER BY id FOR NO KEY UPDATE",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // What the pages show of it and the counts per article, under those locks and
        // before anything changes.
        let pages = Self::pages_of_account(tx, id).await?;
        let counts: Vec<(ArticleId, i64)> = sqlx::query(
            "SELECT article_id, COUNT(*) FROM comments WHERE author_id = $1 AND public
             GROUP BY article_id ORDER BY article_id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?)))
        .collect::<StoreResult<_>>()?;
        sqlx::query(
            "UPDATE comments r SET reply_count = r.reply_count - d.n
             FROM (SELECT root_id, COUNT(*) AS n FROM comments
                   WHERE author_id = $1 AND public AND root_id IS NOT NULL GROUP BY root_id) d
             WHERE r.id = d.root_id",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // Its comments become placeholders without text.
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
            "UPDATE comments c SET up = c.up - v.ups, down = c.down - v.downs,
                score = c.score - v.ups + v.downs
             FROM (SELECT comment_id,
                          COUNT(*) FILTER (WHERE value = 1) AS ups,
                          COUNT(*) FILTER (WHERE value = -1) AS downs
                   FROM comment_votes WHERE account_id = $1 GROUP BY comment_id) v
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
        for (article, n) in &counts {
            sqlx::query("UPDATE articles SET comment_count = comment_count - $2 WHERE id = $1")
                .bind(article)
                .bind(n)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        record_changes(tx, &pages, now).await?;
        Ok(pages)
    }

    async fn export_account_in(tx: &mut PgConnection, id: AccountId) -> StoreResult<AccountExport> {
        let Some(account) = account_in(tx, id).await? else {
            return Err(StoreError::NotFound);
        };
        let comments = sqlx::query(concat!(
            "SELECT ",
            super::comments::comment_columns!(),
            " FROM comments c ",
            super::comments::comment_joins!(),
            " WHERE c.author_id = $1 ORDER BY c.created_at, c.id"
        ))
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(comment_of)
        .collect::<StoreResult<Vec<_>>>()?;
        let comment_votes = sqlx::query(
            "SELECT comment_id, value FROM comment_votes WHERE account_id = $1 ORDER BY comment_id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get(0).map_err(db)?, r.try_get(1).map_err(db)?)))
        .collect::<StoreResult<Vec<_>>>()?;
        let poll_votes = sqlx::query(
            "SELECT p.id, p.question, o.label FROM poll_votes v
             JOIN polls p ON p.id = v.poll_id JOIN poll_options o ON o.id = v.option_id
             WHERE v.account_id = $1 ORDER BY v.voted_at, v.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok((
                r.try_get(0).map_err(db)?,
                r.try_get(1).map_err(db)?,
                r.try_get(2).map_err(db)?,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let reports = sqlx::query(concat!(
            "SELECT ",
            super::comments::report_columns!(),
            " FROM comment_reports r LEFT JOIN accounts ra ON ra.id = r.reporter_id
              WHERE r.reporter_id = $1 ORDER BY r.created_at, r.id"
        ))
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(report_of)
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(AccountExport {
            account,
            comments,
            comment_votes,
            poll_votes,
            reports,
        })
    }
}

#[async_trait]
impl AccountStore for PgStore {
    #[instrument(skip_all)]
    async fn create_account(&self, new: &NewAccount, now: DateTime<Utc>) -> StoreResult<Account> {
        if has_nul(&new.email) || has_nul(&new.display_name) || has_nul(&new.password_hash) {
            return Err(nul_refused());
        }
        let row = sqlx::query(concat!(
            "INSERT INTO accounts AS acc (email, display_name, password_hash, role, verified,
                created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
            account_columns!()
        ))
        // An address in another case is the same address.
        .bind(new.email.trim().to_lowercase())
        .bind(new.display_name.trim())
        .bind(&new.password_hash)
        .bind(new.role.as_str())
        .bind(new.verified)
        .bind(ms(now))
        .fetch_one(&self.pool)
        .await
        .map_err(db);
        match row {
            Ok(row) => account_of(&row),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(
                "Er bestaat al een account met dit e-mailadres.".to_string(),
            )),
            Err(e) => Err(e),
        }
    }

    async fn account(&self, id: AccountId) -> StoreResult<Option<Account>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        account_in(&mut conn, id).await
    }

    async fn account_by_email(&self, email: &str) -> StoreResult<Option<(Account, String)>> {
        if has_nul(email) {
            return Ok(None);
        }
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            ", acc.password_hash FROM accounts acc WHERE acc.email = $1"
        ))
        .bind(email.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        match row {
            Some(r) => Ok(Some((account_of(&r)?, r.try_get(10).map_err(db)?))),
            None => Ok(None),
        }
    }

    #[instrument(skip_all)]
    async fn set_password(&self, id: AccountId, password_hash: &str) -> StoreResult<()> {
        if has_nul(password_hash) {
            return Err(nul_refused());
        }
        let mut tx = self.pool.begin().await.map_err(db)?;
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
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    #[instrument(skip_all)]
    async fn change_role(&self, id: AccountId, role: Role) -> StoreResult<Account> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = async {
            // Role changes take turns, so two admins demoting each other cannot both pass
            // the count below.
            lock(&mut tx, LOCK_WRITE).await?;
            let account = account_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
            if account.role == Role::Admin && role != Role::Admin {
                let admins: i64 = sqlx::query("SELECT COUNT(*) FROM accounts WHERE role = 'admin'")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db)?
                    .try_get(0)
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
        let rows = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts acc
             WHERE ($1 = '' OR strpos(lower(acc.display_name), $1) > 0
                    OR strpos(acc.email, $1) > 0)
               AND ($2::text IS NULL OR acc.role = $2)
             ORDER BY lower(acc.display_name), acc.id LIMIT $3 OFFSET $4"
        ))
        .bind(&text)
        .bind(filter.role.map(Role::as_str))
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(account_of).collect()
    }

    async fn set_verified(&self, id: AccountId) -> StoreResult<()> {
        let changed = sqlx::query("UPDATE accounts SET verified = true WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
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
            let mut tx = self.pool.begin().await.map_err(db)?;
            let done = Self::delete_account_in(&mut tx, id, now).await;
            match settle(tx, done).await {
                // Two accounts deleted at once whose comments answer each other's can lose
                // a deadlock: once more.
                Err(e) if attempt < ATTEMPTS && is_retryable(&e) => attempt += 1,
                other => return other,
            }
        }
    }

    #[instrument(skip_all)]
    async fn export_account(&self, id: AccountId) -> StoreResult<AccountExport> {
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(db)?;
        let done = Self::export_account_in(&mut tx, id).await;
        settle(tx, done).await
    }

    async fn create_session(
        &self,
        token_hash: &str,
        session: &Session,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        if has_nul(token_hash) || has_nul(&session.csrf_token) {
            return Err(nul_refused());
        }
        let done = sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(session.account_id)
        .bind(&session.csrf_token)
        .bind(ms(now))
        .bind(ms(session.expires_at))
        .execute(&self.pool)
        .await
        .map_err(db);
        match done {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::Conflict("session exists already".to_string()))
            }
            Err(e) if sqlstate_is(&e, "23503") => Err(StoreError::NotFound),
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
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            ", s.csrf_token, s.expires_at
             FROM sessions s JOIN accounts acc ON acc.id = s.account_id
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(token_hash)
        .bind(ms(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let account = account_of(&r)?;
        Ok(Some((
            Session {
                account_id: account.id,
                csrf_token: r.try_get(10).map_err(db)?,
                expires_at: r.try_get(11).map_err(db)?,
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
            .execute(&self.pool)
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
        if has_nul(token_hash) {
            return Err(nul_refused());
        }
        let done = sqlx::query(
            "INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(purpose.as_str())
        .bind(ms(expires_at))
        .execute(&self.pool)
        .await
        .map_err(db);
        match done {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::Conflict("link exists already".to_string()))
            }
            Err(e) if sqlstate_is(&e, "23503") => Err(StoreError::NotFound),
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
        sqlx::query(
            "UPDATE account_tokens SET used_at = $3
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
             RETURNING account_id",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(ms(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .map(|r| r.try_get(0))
        .transpose()
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
        if has_nul(name) || has_nul(token_hash) {
            return Err(nul_refused());
        }
        let row = sqlx::query(concat!(
            "INSERT INTO api_tokens (account_id, name, token_hash, created_at)
             VALUES ($1, $2, $3, $4)",
            api_token_returning!()
        ))
        .bind(account_id)
        .bind(name)
        .bind(token_hash)
        .bind(ms(now))
        .fetch_one(&self.pool)
        .await
        .map_err(db);
        match row {
            Ok(r) => api_token_at(&r, 0),
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::Conflict("token exists already".to_string()))
            }
            Err(e) if sqlstate_is(&e, "23503") => Err(StoreError::NotFound),
            Err(e) => Err(e),
        }
    }

    async fn api_tokens(&self, account_id: AccountId) -> StoreResult<Vec<ApiToken>> {
        sqlx::query(concat!(
            "SELECT ",
            api_token_columns!(),
            " FROM api_tokens t WHERE t.account_id = $1 ORDER BY t.created_at DESC, t.id DESC"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| api_token_at(r, 0))
        .collect()
    }

    #[instrument(skip_all)]
    async fn revoke_api_token(
        &self,
        account_id: AccountId,
        id: ApiTokenId,
        now: DateTime<Utc>,
    ) -> StoreResult<ApiToken> {
        let row = sqlx::query(concat!(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1)
             WHERE id = $2 AND account_id = $3",
            api_token_returning!()
        ))
        .bind(ms(now))
        .bind(id)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        match row {
            Some(r) => api_token_at(&r, 0),
            None => Err(StoreError::NotFound),
        }
    }

    async fn account_by_api_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(ApiToken, Account)>> {
        if has_nul(token_hash) {
            return Ok(None);
        }
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            ", ",
            api_token_columns!(),
            " FROM api_tokens t JOIN accounts acc ON acc.id = t.account_id
              WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let account = account_of(&r)?;
        let mut token = api_token_at(&r, 10)?;
        let now = ms(now);
        let stale = token
            .last_used_at
            .is_none_or(|t| now - t >= LAST_USED_GRAIN);
        if stale {
            // Conditional, so requests racing each other stamp it once.
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1
                 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
            )
            .bind(now)
            .bind(token.id)
            .bind(now - LAST_USED_GRAIN)
            .execute(&self.pool)
            .await
            .map_err(db)?;
            token.last_used_at = Some(now);
        }
        Ok(Some((token, account)))
    }
}

pub(crate) fn sqlstate_is(e: &StoreError, code: &str) -> bool {
    super::sqlstate(e).as_deref() == Some(code)
}
