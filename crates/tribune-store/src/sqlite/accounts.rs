//! Accounts, sessions and one-time links; deleting and exporting an account.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use tracing::instrument;
use tribune_core::account::{
    Account, AccountId, ApiToken, ApiTokenId, NewAccount, Role, Session, TokenPurpose,
};
use tribune_core::article::ArticleId;
use tribune_core::comment::{CommentId, ReportReason};
use tribune_core::poll::PollId;
use tribune_core::store::{AccountExport, AccountFilter, AccountStore, StoreError, StoreResult};

use super::comments::{blank, comment_from_row, report_from_row, settle};
use super::{IMMEDIATE, SqliteStore, db, finish, from_ms, ms};

/// The columns [`account_from_row`] reads, from `accounts` as `ac`.
macro_rules! account_columns {
    () => {
        "ac.id, ac.email, ac.display_name, ac.role, ac.created_at, ac.verified,
         ac.suspended_until, ac.banned, ac.shadow_banned, ac.approved_comments"
    };
}

/// An account from the first ten columns of `r`, in [`account_columns`] order.
pub(crate) fn account_from_row(r: &SqliteRow) -> StoreResult<Account> {
    let role: String = r.try_get(3).map_err(db)?;
    Ok(Account {
        id: r.try_get(0).map_err(db)?,
        email: r.try_get(1).map_err(db)?,
        display_name: r.try_get(2).map_err(db)?,
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Invalid(format!("unknown role {role}")))?,
        created_at: from_ms(r.try_get(4).map_err(db)?),
        verified: r.try_get(5).map_err(db)?,
        suspended_until: r.try_get::<Option<i64>, _>(6).map_err(db)?.map(from_ms),
        banned: r.try_get(7).map_err(db)?,
        shadow_banned: r.try_get(8).map_err(db)?,
        approved_comments: r.try_get(9).map_err(db)?,
    })
}

/// The columns [`api_token_from_row`] reads, from `api_tokens` as `t`.
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
fn api_token_from_row(r: &SqliteRow, at: usize) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: r.try_get(at).map_err(db)?,
        account_id: r.try_get(at + 1).map_err(db)?,
        name: r.try_get(at + 2).map_err(db)?,
        created_at: from_ms(r.try_get(at + 3).map_err(db)?),
        last_used_at: r
            .try_get::<Option<i64>, _>(at + 4)
            .map_err(db)?
            .map(from_ms),
        revoked_at: r
            .try_get::<Option<i64>, _>(at + 5)
            .map_err(db)?
            .map(from_ms),
    })
}

/// How stale a token's last-use stamp may get before a request writes it anew: one write
/// a minute per token, not one per request.
const LAST_USED_GRAIN_MS: i64 = 60_000;

/// Emails are kept trimmed and lowercased; lookups fold the same way.
fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Whether the error is a UNIQUE constraint saying "taken already".
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl SqliteStore {
    /// The account inside the caller's transaction (or on any connection).
    pub(crate) async fn account_in(
        conn: &mut SqliteConnection,
        id: AccountId,
    ) -> StoreResult<Option<Account>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts ac WHERE ac.id = ?"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        row.as_ref().map(account_from_row).transpose()
    }

    /// Removes the account, inside the caller's transaction (see [`AccountStore::delete_account`]).
    async fn delete_account_in(
        tx: &mut SqliteConnection,
        id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ArticleId>> {
        if Self::account_in(tx, id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        let mut changed = BTreeSet::new();
        // Their votes go, and the scores they were part of follow.
        let voted = sqlx::query(
            "SELECT v.comment_id, v.value, c.article_id, c.public FROM comment_votes v
             JOIN comments c ON c.id = v.comment_id WHERE v.account_id = ?",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for r in &voted {
            let comment: CommentId = r.try_get(0).map_err(db)?;
            let value: i64 = r.try_get(1).map_err(db)?;
            let (up, down) = if value > 0 { (1, 0) } else { (0, 1) };
            sqlx::query(
                "UPDATE comments SET up = up - ?, down = down - ?, score = score - ? WHERE id = ?",
            )
            .bind(up)
            .bind(down)
            .bind(up - down)
            .bind(comment)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if r.try_get::<bool, _>(3).map_err(db)? {
                changed.insert(r.try_get::<ArticleId, _>(2).map_err(db)?);
            }
        }
        sqlx::query("DELETE FROM comment_votes WHERE account_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        // Their comments stay as placeholders without text; counts follow.
        let written = sqlx::query("SELECT id FROM comments WHERE author_id = ? AND deleted = 0")
            .bind(id)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        for r in &written {
            let comment: CommentId = r.try_get(0).map_err(db)?;
            blank(tx, comment).await?;
            if let Some(article) = settle(tx, comment).await? {
                changed.insert(article);
            }
        }
        // Sessions, links and the rest go with the row (ON DELETE CASCADE / SET NULL); poll
        // votes stay counted without a name.
        sqlx::query("DELETE FROM accounts WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        Self::record_changes(tx, changed.iter().copied(), now).await?;
        Ok(changed.into_iter().collect())
    }

    async fn export_account_in(
        tx: &mut SqliteConnection,
        id: AccountId,
    ) -> StoreResult<AccountExport> {
        let account = Self::account_in(tx, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let comments = sqlx::query(concat!(
            "SELECT ",
            super::comments::comment_columns!(),
            " FROM comments c ",
            super::comments::comment_joins!(),
            " WHERE c.author_id = ? ORDER BY c.created_at, c.id"
        ))
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(comment_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
        let comment_votes = sqlx::query(
            "SELECT comment_id, value FROM comment_votes WHERE account_id = ? ORDER BY comment_id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<CommentId, _>(0).map_err(db)?,
                r.try_get::<i32, _>(1).map_err(db)?,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let poll_votes = sqlx::query(
            "SELECT p.id, p.question, o.label FROM poll_votes v
             JOIN polls p ON p.id = v.poll_id JOIN poll_options o ON o.id = v.option_id
             WHERE v.account_id = ? ORDER BY v.voted_at, v.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<PollId, _>(0).map_err(db)?,
                r.try_get::<String, _>(1).map_err(db)?,
                r.try_get::<String, _>(2).map_err(db)?,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let reports = sqlx::query(concat!(
            "SELECT ",
            super::comments::report_columns!(),
            " FROM comment_reports r LEFT JOIN accounts ra ON ra.id = r.reporter_id
              WHERE r.reporter_id = ? ORDER BY r.id"
        ))
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(report_from_row)
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

/// A report reason as stored.
pub(crate) fn reason_of(s: &str) -> StoreResult<ReportReason> {
    ReportReason::parse(s).ok_or_else(|| StoreError::Invalid(format!("unknown report reason {s}")))
}

#[async_trait]
impl AccountStore for SqliteStore {
    #[instrument(skip_all)]
    async fn create_account(&self, new: &NewAccount, now: DateTime<Utc>) -> StoreResult<Account> {
        let mut conn = self.write.acquire().await.map_err(db)?;
        let id: AccountId = match sqlx::query(
            "INSERT INTO accounts (email, display_name, password_hash, role, verified, created_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(email_key(&new.email))
        .bind(new.display_name.trim())
        .bind(&new.password_hash)
        .bind(new.role.as_str())
        .bind(new.verified)
        .bind(ms(now))
        .fetch_one(&mut *conn)
        .await
        {
            Ok(r) => r.try_get(0).map_err(db)?,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(
                    "Er bestaat al een account met dit e-mailadres.".into(),
                ));
            }
            Err(e) => return Err(db(e)),
        };
        Self::account_in(&mut conn, id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn account(&self, id: AccountId) -> StoreResult<Option<Account>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        Self::account_in(&mut conn, id).await
    }

    async fn account_by_email(&self, email: &str) -> StoreResult<Option<(Account, String)>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            ", ac.password_hash FROM accounts ac WHERE ac.email = ?"
        ))
        .bind(email_key(email))
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.map(|r| Ok((account_from_row(&r)?, r.try_get(10).map_err(db)?)))
            .transpose()
    }

    #[instrument(skip_all)]
    async fn set_password(&self, id: AccountId, password_hash: &str) -> StoreResult<()> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = async {
            let updated = sqlx::query("UPDATE accounts SET password_hash = ? WHERE id = ?")
                .bind(password_hash)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            if updated.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE account_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            Ok(())
        }
        .await;
        finish(tx, done).await
    }

    async fn set_role(&self, id: AccountId, role: Role) -> StoreResult<()> {
        let done = sqlx::query("UPDATE accounts SET role = ? WHERE id = ?")
            .bind(role.as_str())
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    #[instrument(skip_all)]
    async fn change_role(&self, id: AccountId, role: Role) -> StoreResult<Account> {
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = async {
            let account = Self::account_in(&mut tx, id)
                .await?
                .ok_or(StoreError::NotFound)?;
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
            sqlx::query("UPDATE accounts SET role = ? WHERE id = ?")
                .bind(role.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            Ok(Account { role, ..account })
        }
        .await;
        finish(tx, done).await
    }

    async fn accounts(
        &self,
        filter: &AccountFilter,
        limit: u32,
        offset: u32,
    ) -> StoreResult<Vec<Account>> {
        let text = filter.text.trim().to_lowercase();
        let rows = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts ac
             WHERE (?1 = '' OR instr(lower(ac.display_name), ?1) > 0 OR instr(ac.email, ?1) > 0)
               AND (?2 IS NULL OR ac.role = ?2)
             ORDER BY lower(ac.display_name), ac.id LIMIT ?3 OFFSET ?4"
        ))
        .bind(&text)
        .bind(filter.role.map(Role::as_str))
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(account_from_row).collect()
    }

    async fn set_verified(&self, id: AccountId) -> StoreResult<()> {
        let done = sqlx::query("UPDATE accounts SET verified = 1 WHERE id = ?")
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
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
        let mut tx = self.write.begin_with(IMMEDIATE).await.map_err(db)?;
        let done = Self::delete_account_in(&mut tx, id, now).await;
        finish(tx, done).await
    }

    #[instrument(skip_all)]
    async fn export_account(&self, id: AccountId) -> StoreResult<AccountExport> {
        // One read transaction, so the parts agree with each other.
        let mut tx = self.read.begin().await.map_err(db)?;
        let done = Self::export_account_in(&mut tx, id).await;
        finish(tx, done).await
    }

    async fn create_session(
        &self,
        token_hash: &str,
        session: &Session,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(session.account_id)
        .bind(&session.csrf_token)
        .bind(ms(now))
        .bind(ms(session.expires_at))
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(Session, Account)>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            ", s.csrf_token, s.expires_at FROM sessions s JOIN accounts ac ON ac.id = s.account_id
              WHERE s.token_hash = ? AND s.expires_at > ?"
        ))
        .bind(token_hash)
        .bind(ms(now))
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let account = account_from_row(&r)?;
        let session = Session {
            account_id: account.id,
            csrf_token: r.try_get(10).map_err(db)?,
            expires_at: from_ms(r.try_get(11).map_err(db)?),
        };
        Ok(Some((session, account)))
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.write)
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
        sqlx::query(
            "INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at)
             VALUES (?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(purpose.as_str())
        .bind(ms(expires_at))
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn take_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountId>> {
        // One statement: two clicks on the same link cannot both use it.
        let row = sqlx::query(
            "UPDATE account_tokens SET used_at = ?1
             WHERE token_hash = ?2 AND purpose = ?3 AND used_at IS NULL AND expires_at > ?1
             RETURNING account_id",
        )
        .bind(ms(now))
        .bind(token_hash)
        .bind(purpose.as_str())
        .fetch_optional(&self.write)
        .await
        .map_err(db)?;
        row.map(|r| r.try_get(0).map_err(db)).transpose()
    }

    #[instrument(skip_all)]
    async fn create_api_token(
        &self,
        account_id: AccountId,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<ApiToken> {
        let row = sqlx::query(concat!(
            "INSERT INTO api_tokens (account_id, name, token_hash, created_at)
             VALUES (?, ?, ?, ?)",
            api_token_returning!()
        ))
        .bind(account_id)
        .bind(name)
        .bind(token_hash)
        .bind(ms(now))
        .fetch_one(&self.write)
        .await;
        match row {
            Ok(r) => api_token_from_row(&r, 0),
            Err(e) if is_unique_violation(&e) => {
                Err(StoreError::Conflict("token exists already".to_string()))
            }
            Err(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                Err(StoreError::NotFound)
            }
            Err(e) => Err(db(e)),
        }
    }

    async fn api_tokens(&self, account_id: AccountId) -> StoreResult<Vec<ApiToken>> {
        sqlx::query(concat!(
            "SELECT ",
            api_token_columns!(),
            " FROM api_tokens t WHERE t.account_id = ? ORDER BY t.created_at DESC, t.id DESC"
        ))
        .bind(account_id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| api_token_from_row(r, 0))
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
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?)
             WHERE id = ? AND account_id = ?",
            api_token_returning!()
        ))
        .bind(ms(now))
        .bind(id)
        .bind(account_id)
        .fetch_optional(&self.write)
        .await
        .map_err(db)?;
        match row {
            Some(r) => api_token_from_row(&r, 0),
            None => Err(StoreError::NotFound),
        }
    }

    async fn account_by_api_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(ApiToken, Account)>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            ", ",
            api_token_columns!(),
            " FROM api_tokens t JOIN accounts ac ON ac.id = t.account_id
              WHERE t.token_hash = ? AND t.revoked_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let account = account_from_row(&r)?;
        let mut token = api_token_from_row(&r, 10)?;
        let stale = token
            .last_used_at
            .is_none_or(|t| ms(now) - ms(t) >= LAST_USED_GRAIN_MS);
        if stale {
            // Conditional, so requests racing each other stamp it once.
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = ?1
                 WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at <= ?1 - ?3)",
            )
            .bind(ms(now))
            .bind(token.id)
            .bind(LAST_USED_GRAIN_MS)
            .execute(&self.write)
            .await
            .map_err(db)?;
            token.last_used_at = Some(now);
        }
        Ok(Some((token, account)))
    }
}
