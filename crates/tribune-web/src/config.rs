//! The settings of the web side, filled by the binary from flags, environment and
//! tribune.toml. Plain data: everything else reads it, it reads nothing of the crate but
//! the mail relay's address.

use std::path::PathBuf;

use tribune_core::moderation::Rules;

use crate::mail::SmtpSettings;

/// The most addresses one sitemap file may hold (sitemaps.org).
pub const SITEMAP_MAX: u32 = 50_000;

/// A quarter of a second: nobody notices a comment that late, and a page that every
/// comment changes is rendered four times a second instead of for every reader.
pub const DEFAULT_PAGE_REFRESH: std::time::Duration = std::time::Duration::from_millis(250);

/// Settings the web side needs; the binary fills them from flags and environment.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub media_dir: PathBuf,
    /// Off only for benchmarks that measure rendering.
    pub page_cache: bool,
    /// How late a cached page may show a change (a new comment on a busy article): see
    /// [`crate::cache::PageCache::new`]. Zero drops a changed page at once.
    pub page_refresh: std::time::Duration,
    /// The site is served over TLS (directly or behind a TLS proxy): the session cookie is
    /// `__Host-` and Secure, and our own origin is https.
    pub secure_cookies: bool,
    /// A reverse proxy in front of us appends the client to X-Forwarded-For and sets
    /// X-Forwarded-Proto; only then are those headers believed.
    pub trusted_proxy: bool,
    /// Where readers reach the site, e.g. `https://www.tribune.be`: links in mails point
    /// here (never at whatever Host a request claimed), and it counts as our own origin.
    pub public_url: String,
    /// Without an SMTP relay, mails are logged and written here as files (DATA_DIR/outbox).
    pub outbox_dir: Option<PathBuf>,
    /// A plain SMTP relay (a local MTA or smarthost) that delivers the mail.
    pub smtp: Option<SmtpSettings>,
    /// The From of every mail, e.g. `Tribune <noreply@tribune.be>`.
    pub mail_from: String,
    /// The automatic moderation rules for comments.
    pub rules: Rules,
    /// Comments closed every night between these Brussels times (readers; staff may post).
    pub night_closing: Option<tribune_core::comment::NightClosing>,
    /// Feeds carry whole articles; otherwise only the teaser (readers come to the site).
    pub feed_full_text: bool,
    /// Most addresses in one sitemap file; more are split over several (at most 50,000).
    pub sitemap_size: u32,
    /// Where this node keeps its search index (DATA_DIR/search); each node has its own.
    /// `None`: no search (the search pages answer 503).
    pub search_dir: Option<PathBuf>,
}

impl WebConfig {
    /// Settings for a site on plain http at 127.0.0.1:8080 with mail written to the log only.
    pub fn new(media_dir: PathBuf) -> Self {
        Self {
            media_dir,
            page_cache: true,
            page_refresh: DEFAULT_PAGE_REFRESH,
            secure_cookies: false,
            trusted_proxy: false,
            public_url: "http://127.0.0.1:8080".to_string(),
            outbox_dir: None,
            smtp: None,
            mail_from: "Tribune <noreply@localhost>".to_string(),
            rules: Rules::default(),
            night_closing: None,
            feed_full_text: false,
            sitemap_size: SITEMAP_MAX,
            search_dir: None,
        }
    }
}
