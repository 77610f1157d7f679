//! Personal API tokens: made and revoked by their owner. The store keeps the secret's hash
//! only; the log keeps who made or revoked which.

use tribune_core::account::{AccountId, ApiToken, ApiTokenId};

use crate::auth;
use crate::error::AppError;
use crate::state::AppState;

/// Makes a token called `name` (checked) for `owner`; its secret, shown once, with it.
pub async fn create(
    state: &AppState,
    owner: AccountId,
    name: &str,
) -> Result<(String, ApiToken), AppError> {
    let secret = auth::new_api_token()?;
    let token = state
        .store
        .create_api_token(owner, name, &auth::sha256_hex(&secret), state.clock.now())
        .await?;
    tracing::info!(
        account = owner,
        token = token.id,
        "made a personal API token"
    );
    Ok((secret, token))
}

/// Revokes one of `owner`'s tokens; someone else's is not found.
pub async fn revoke(
    state: &AppState,
    owner: AccountId,
    id: ApiTokenId,
) -> Result<ApiToken, AppError> {
    let token = state
        .store
        .revoke_api_token(owner, id, state.clock.now())
        .await?;
    tracing::info!(
        account = owner,
        token = token.id,
        "revoked a personal API token"
    );
    Ok(token)
}
