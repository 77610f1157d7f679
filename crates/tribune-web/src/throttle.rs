//! A small sliding-window rate limiter: at most `limit` events per key within `window`; the
//! node's limits on guessing and on mail built from it ([`Limits`]), counted per client
//! address ([`ClientAddr`]).
//!
//! It lives in memory, so each node counts on its own: with N nodes behind a balancer a
//! client gets up to N times the limit. That is acceptable for what it guards (password
//! guessing, mail bombing): the limits stay far below what an attack needs.
//!
//! Time is passed in by the caller (`now`, from the app's clock), never read here, so tests
//! advance a test clock instead of sleeping.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};

use crate::config::WebConfig;
use crate::error::AppError;

/// Keys remembered at most by default; past it, keys whose events all lie outside the window
/// are forgotten first, then the ones seen longest ago.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

pub struct RateLimiter {
    limit: usize,
    window: Duration,
    max_keys: usize,
    /// Per key the times of its last events (at most `limit`), oldest first.
    events: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limit", &self.limit)
            .field("window", &self.window)
            .field("max_keys", &self.max_keys)
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// At most `limit` events per key in any span of `window`.
    pub fn new(limit: usize, window: Duration) -> Self {
        Self::with_max_keys(limit, window, DEFAULT_MAX_KEYS)
    }

    pub fn with_max_keys(limit: usize, window: Duration, max_keys: usize) -> Self {
        Self {
            limit: limit.max(1),
            window,
            max_keys: max_keys.max(1),
            events: Mutex::new(HashMap::new()),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<DateTime<Utc>>>> {
        // A panic while holding the lock leaves counts that are still usable.
        self.events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err(wait)` when `key` has used up its events at `now`: `wait` is how long until the
    /// oldest of them leaves the window. Records nothing.
    pub fn check(&self, key: &str, now: DateTime<Utc>) -> Result<(), Duration> {
        let events = self.lock();
        match events.get(key) {
            Some(times) => self.verdict(times, now),
            None => Ok(()),
        }
    }

    /// Counts one event for `key` at `now`, whatever the verdict.
    pub fn record(&self, key: &str, now: DateTime<Utc>) {
        let mut events = self.lock();
        self.push(&mut events, key, now);
    }

    /// Checks and, when allowed, counts the event: the usual "may I? then I did" in one step.
    pub fn hit(&self, key: &str, now: DateTime<Utc>) -> Result<(), Duration> {
        let mut events = self.lock();
        if let Some(times) = events.get(key) {
            self.verdict(times, now)?;
        }
        self.push(&mut events, key, now);
        Ok(())
    }

    /// Forgets `key`'s events (e.g. a successful login ends a run of typos).
    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }

    /// Keys currently remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn verdict(&self, times: &VecDeque<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), Duration> {
        let start = now - self.window;
        let recent = times.iter().filter(|t| **t > start).count();
        if recent < self.limit {
            return Ok(());
        }
        // The oldest event still inside the window decides when a slot frees up.
        let oldest = times.iter().find(|t| **t > start).copied().unwrap_or(now);
        Err((oldest + self.window - now).max(Duration::seconds(1)))
    }

    fn push(
        &self,
        events: &mut HashMap<String, VecDeque<DateTime<Utc>>>,
        key: &str,
        now: DateTime<Utc>,
    ) {
        if !events.contains_key(key) && events.len() >= self.max_keys {
            self.make_room(events, now);
        }
        let times = events.entry(key.to_string()).or_default();
        let start = now - self.window;
        while times.front().is_some_and(|t| *t <= start) {
            times.pop_front();
        }
        times.push_back(now);
        // Only the last `limit` events can ever decide a verdict.
        while times.len() > self.limit {
            times.pop_front();
        }
    }

    /// Forgets keys with nothing inside the window; when that is not enough (many fresh keys
    /// at once), forgets the older half, so the cost is paid once per many new keys.
    fn make_room(&self, events: &mut HashMap<String, VecDeque<DateTime<Utc>>>, now: DateTime<Utc>) {
        let start = now - self.window;
        events.retain(|_, times| times.back().is_some_and(|t| *t > start));
        if events.len() < self.max_keys {
            return;
        }
        let mut last_seen: Vec<DateTime<Utc>> = events
            .values()
            .filter_map(|times| times.back().copied())
            .collect();
        let middle = last_seen.len() / 2;
        let (_, cutoff, _) = last_seen.select_nth_unstable(middle);
        let cutoff = *cutoff;
        events.retain(|_, times| times.back().is_some_and(|t| *t > cutoff));
    }
}

// ---------------------------------------------------------------------------------------
// Client address

/// The address a request comes from, for rate limits: the connection's peer, or behind a
/// trusted proxy (`--trusted-proxy`) the last hop of `X-Forwarded-For`, which that proxy
/// appended. Never trust the header otherwise: anyone can send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

impl ClientAddr {
    pub fn of(parts: &Parts, config: &WebConfig) -> Self {
        if config.trusted_proxy {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .next_back()
                .and_then(|v| v.rsplit(',').next())
                .map(str::trim)
                // An IPv6 address is at most 45 characters; anything longer is not one.
                .filter(|v| !v.is_empty() && v.len() <= 64);
            if let Some(addr) = forwarded {
                return Self(addr.to_string());
            }
        }
        match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(addr)) => Self(addr.ip().to_string()),
            None => Self("unknown".to_string()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Limits on guessing and on mail

/// Guessing passwords and sending mail, counted per node in memory (see [`RateLimiter`]).
#[derive(Debug)]
pub struct Limits {
    /// Failed logins per account (email address).
    pub login_by_email: RateLimiter,
    /// Failed logins per client address; higher, since a household or office shares one.
    pub login_by_address: RateLimiter,
    /// Registrations and reset requests per client address: each one sends a mail.
    pub mail_by_address: RateLimiter,
    /// Mails to one address (activation, warnings, resets), so nobody is flooded.
    pub mail_by_email: RateLimiter,
    /// Notices of illegal content per client address (anyone may send them).
    pub notices_by_address: RateLimiter,
}

/// Notices one client address may send an hour.
pub const NOTICES_PER_ADDRESS: usize = 30;

pub const LOGIN_FAILURES_PER_EMAIL: usize = 10;
pub const LOGIN_FAILURES_PER_ADDRESS: usize = 30;
pub const LOGIN_WINDOW_MINUTES: i64 = 15;

impl Default for Limits {
    fn default() -> Self {
        Self {
            login_by_email: RateLimiter::new(
                LOGIN_FAILURES_PER_EMAIL,
                Duration::minutes(LOGIN_WINDOW_MINUTES),
            ),
            login_by_address: RateLimiter::new(
                LOGIN_FAILURES_PER_ADDRESS,
                Duration::minutes(LOGIN_WINDOW_MINUTES),
            ),
            mail_by_address: RateLimiter::new(20, Duration::hours(1)),
            mail_by_email: RateLimiter::new(5, Duration::hours(1)),
            notices_by_address: RateLimiter::new(NOTICES_PER_ADDRESS, Duration::hours(1)),
        }
    }
}

impl Limits {
    /// 429 when this account or this address failed too often lately.
    pub fn check_login(
        &self,
        email: &str,
        client: &ClientAddr,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let wait = [
            self.login_by_email.check(email, now),
            self.login_by_address.check(&client.0, now),
        ]
        .into_iter()
        .filter_map(Result::err)
        .max();
        match wait {
            None => Ok(()),
            Some(wait) => Err(too_many("Te veel mislukte pogingen om in te loggen.", wait)),
        }
    }

    pub fn login_failed(&self, email: &str, client: &ClientAddr, now: DateTime<Utc>) {
        self.login_by_email.record(email, now);
        self.login_by_address.record(&client.0, now);
    }

    /// A good password ends the run of typos for the account (not for the address).
    pub fn login_succeeded(&self, email: &str) {
        self.login_by_email.clear(email);
    }

    /// 429 when this address asked for too many mails lately; counts this request.
    pub fn mail_request(&self, client: &ClientAddr, now: DateTime<Utc>) -> Result<(), AppError> {
        self.mail_by_address
            .hit(&client.0, now)
            .map_err(|wait| too_many("Je vroeg de laatste tijd te veel mails aan.", wait))
    }

    /// Whether one more mail may go to `email` now (counts it when so). When not, the mail is
    /// silently skipped: saying so would tell whether the address has an account.
    pub fn may_mail(&self, email: &str, now: DateTime<Utc>) -> bool {
        self.mail_by_email.hit(email, now).is_ok()
    }
}

/// A 429 whose message says when to try again, in minutes a person understands.
pub fn too_many(what: &str, wait: Duration) -> AppError {
    let seconds = u64::try_from(wait.num_seconds().max(1)).unwrap_or(1);
    let minutes = seconds.div_ceil(60);
    let when = if minutes <= 1 {
        "over een minuut".to_string()
    } else {
        format!("over {minutes} minuten")
    };
    AppError::TooManyRequests {
        message: format!("{what} Probeer het {when} opnieuw."),
        retry_after_seconds: seconds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap()
    }

    #[test]
    fn allows_up_to_the_limit_then_says_how_long_to_wait() {
        let limiter = RateLimiter::new(3, Duration::minutes(15));
        let now = t0();
        for i in 0..3 {
            assert!(limiter.hit("jan", now + Duration::minutes(i)).is_ok());
        }
        let wait = limiter.hit("jan", now + Duration::minutes(3)).unwrap_err();
        assert_eq!(wait, Duration::minutes(12));
        assert!(
            limiter.check("piet", now).is_ok(),
            "other keys are not touched"
        );
        // The first event leaves the window: one slot frees up.
        assert!(limiter.hit("jan", now + Duration::minutes(15)).is_ok());
        assert!(limiter.hit("jan", now + Duration::minutes(15)).is_err());
    }

    #[test]
    fn record_counts_without_asking_and_clear_forgets() {
        let limiter = RateLimiter::new(2, Duration::minutes(1));
        limiter.record("x", t0());
        limiter.record("x", t0());
        limiter.record("x", t0());
        assert!(limiter.check("x", t0()).is_err());
        limiter.clear("x");
        assert!(limiter.check("x", t0()).is_ok());
    }

    #[test]
    fn memory_stays_bounded_under_many_keys() {
        let limiter = RateLimiter::with_max_keys(5, Duration::minutes(10), 100);
        for i in 0..10_000 {
            limiter.record(&format!("k{i}"), t0() + Duration::milliseconds(i));
        }
        assert!(limiter.len() <= 100, "remembered {} keys", limiter.len());
        // The newest keys are kept.
        limiter.record("fresh", t0() + Duration::seconds(20));
        assert!(limiter.len() <= 100);
    }

    #[test]
    fn old_keys_are_forgotten_first() {
        let limiter = RateLimiter::with_max_keys(1, Duration::minutes(1), 2);
        limiter.record("old", t0());
        limiter.record("new", t0() + Duration::minutes(5));
        limiter.record("newer", t0() + Duration::minutes(5));
        assert!(limiter.check("new", t0() + Duration::minutes(5)).is_err());
        assert!(limiter.check("newer", t0() + Duration::minutes(5)).is_err());
        assert_eq!(limiter.len(), 2);
    }

    #[test]
    fn waits_are_said_in_minutes() {
        let AppError::TooManyRequests {
            message,
            retry_after_seconds,
        } = too_many("Te veel.", Duration::seconds(130))
        else {
            panic!("not a 429");
        };
        assert_eq!(retry_after_seconds, 130);
        assert_eq!(message, "Te veel. Probeer het over 3 minuten opnieuw.");
    }
}
