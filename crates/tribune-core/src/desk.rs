//! The newsroom's side of an article (/redactie): drafts a journalist writes and submits,
//! an editor publishes or schedules, every save kept as a revision, and the autosaved text
//! of an editor that was closed before it was saved.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::AccountId;
use crate::article::{
    ArticleId, ArticleKind, AuthorId, BODY_MAX, LEAD_MAX, NewArticle, Photo, TITLE_MAX,
};
use crate::topic::TopicId;

/// Where an article stands in the newsroom. Stored as the article's status ("draft" or
/// "published"), its publish time and whether it was submitted; this is what they mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeskStatus {
    /// Being written; nobody outside the newsroom sees it.
    Draft,
    /// The journalist handed it in; an editor publishes it or sends it back.
    Submitted,
    /// Published, but its time has not come: readers see it from then on.
    Scheduled,
    Published,
}

impl DeskStatus {
    pub const ALL: [DeskStatus; 4] = [
        Self::Draft,
        Self::Submitted,
        Self::Scheduled,
        Self::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Scheduled => "scheduled",
            Self::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Concept",
            Self::Submitted => "Ingediend",
            Self::Scheduled => "Ingepland",
            Self::Published => "Gepubliceerd",
        }
    }

    /// What the stored facts mean at `now`.
    pub fn of(
        published: bool,
        published_at: DateTime<Utc>,
        submitted: bool,
        now: DateTime<Utc>,
    ) -> Self {
        match (published, submitted) {
            (true, _) if published_at > now => Self::Scheduled,
            (true, _) => Self::Published,
            (false, true) => Self::Submitted,
            (false, false) => Self::Draft,
        }
    }

    /// On the site now or at its time: only editors change it.
    pub fn is_out(self) -> bool {
        matches!(self, Self::Scheduled | Self::Published)
    }
}

/// An article as its writer left it in the editor. A draft may be unfinished (no lead yet, a
/// rumour without its source); [`ArticleDraft::check_publishable`] says what publishing needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleDraft {
    pub title: String,
    pub kind: ArticleKind,
    /// The medium a rumour comes from.
    #[serde(default)]
    pub source: Option<String>,
    /// The name in "door NAAM".
    pub byline: String,
    #[serde(default)]
    pub lead: String,
    #[serde(default)]
    pub body_markdown: String,
    #[serde(default)]
    pub photo: Option<Photo>,
    #[serde(default)]
    pub topics: Vec<TopicId>,
    #[serde(default)]
    pub related: Vec<ArticleId>,
    /// When readers may see it once published; `None`: at the moment it is published.
    #[serde(default)]
    pub publish_at: Option<DateTime<Utc>>,
}

impl ArticleDraft {
    /// What any save needs: a title (it makes the address) and nothing oversized.
    pub fn check_draft(&self) -> Result<(), String> {
        let title = self.title.trim();
        if title.is_empty() {
            return Err("Geef het artikel een titel.".into());
        }
        if title.chars().count() > TITLE_MAX {
            return Err(format!("De titel is langer dan {TITLE_MAX} tekens."));
        }
        if self.byline.trim().is_empty() {
            return Err("Vul de auteur in.".into());
        }
        if self.lead.chars().count() > LEAD_MAX {
            return Err(format!("De inleiding is langer dan {LEAD_MAX} tekens."));
        }
        if self.body_markdown.len() > BODY_MAX {
            return Err(format!("De tekst is langer dan {BODY_MAX} bytes."));
        }
        if let Some(p) = &self.photo
            && p.credit.trim().is_empty()
        {
            return Err("Een foto heeft een fotograaf of bron nodig (credit).".into());
        }
        Ok(())
    }

    /// What publishing needs on top of [`Self::check_draft`]: the newsroom's rules for a
    /// finished article.
    pub fn check_publishable(&self) -> Result<(), String> {
        self.check_draft()?;
        if self.lead.trim().is_empty() {
            return Err(
                "Een artikel heeft een inleiding nodig voor het gepubliceerd wordt.".into(),
            );
        }
        match (self.kind, self.source.as_deref().map(str::trim)) {
            (ArticleKind::Rumour, None | Some("")) => Err(
                "Een gerucht vermeldt zijn bron (het medium) voor het gepubliceerd wordt.".into(),
            ),
            (k, Some(s)) if k != ArticleKind::Rumour && !s.is_empty() => {
                Err("Alleen een gerucht vermeldt een bronmedium.".into())
            }
            _ => Ok(()),
        }
    }

    /// The article to store, published at `at`.
    pub fn to_article(&self, at: DateTime<Utc>) -> NewArticle {
        NewArticle {
            external_key: None,
            title: self.title.trim().to_string(),
            kind: self.kind,
            source: self
                .source
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            author_name: self.byline.trim().to_string(),
            published_at: at,
            lead: self.lead.trim().to_string(),
            body_markdown: self.body_markdown.clone(),
            photo: self.photo.clone(),
            topics: self.topics.clone(),
            related: self.related.clone(),
        }
    }
}

/// An article in the editor: what it says and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeskArticle {
    pub id: ArticleId,
    pub slug: String,
    pub status: DeskStatus,
    /// The account that started it (a journalist edits only their own unpublished pieces).
    pub owner_id: Option<AccountId>,
    pub published_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub comment_count: i64,
    /// The number of its newest revision.
    pub revision: i64,
    pub draft: ArticleDraft,
}

impl DeskArticle {
    pub fn path(&self) -> String {
        crate::article::article_path(self.id, &self.slug)
    }
}

/// One line of the back office's article list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeskRow {
    pub id: ArticleId,
    pub slug: String,
    pub title: String,
    pub kind: ArticleKind,
    pub status: DeskStatus,
    pub author_name: String,
    pub owner_id: Option<AccountId>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub comment_count: i64,
}

/// Which articles the back office lists, most recently changed first.
#[derive(Debug, Clone, Default)]
pub struct DeskQuery {
    pub status: Option<DeskStatus>,
    pub author: Option<AuthorId>,
    pub topic: Option<TopicId>,
    pub kind: Option<ArticleKind>,
    /// Publish time (planned or done) from this moment on.
    pub from: Option<DateTime<Utc>>,
    /// Publish time before this moment.
    pub until: Option<DateTime<Utc>>,
    /// Words the title contains, case and accents folded.
    pub title: Option<String>,
    pub offset: u32,
    pub limit: u32,
}

/// What moves an article from one [`DeskStatus`] to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskAction {
    /// A journalist hands in a draft.
    Submit,
    /// Back to draft: a submitted piece sent back, or a published one taken off the site.
    Withdraw,
    /// Published at this time (now, or later: scheduled).
    Publish { at: DateTime<Utc> },
}

/// A saved version of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevisionInfo {
    pub number: i64,
    pub saved_at: DateTime<Utc>,
    /// Who saved it (gone when the account was deleted).
    pub saved_by: Option<String>,
    /// Why it was made: "opgeslagen", "hersteld uit versie 3", "via de API", ...
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    pub info: RevisionInfo,
    pub draft: ArticleDraft,
}

/// The editor's fields as they were typed, kept every few seconds, so a closed tab or a lost
/// connection loses little. Opaque to the store (the web layer's JSON of the form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autosave {
    pub fields: String,
    pub saved_at: DateTime<Utc>,
}

/// Longest autosave kept, in bytes: the form's fields with a body at its limit.
pub const AUTOSAVE_MAX: usize = BODY_MAX + LEAD_MAX * 4 + 64 * 1024;

/// One line of a comparison of two texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DiffLine {
    Same(String),
    Removed(String),
    Added(String),
}

/// Line by line comparison (longest common subsequence): what the newer text removed and
/// added. Texts are cut into lines; a long article is a few hundred lines, so the square
/// table stays small; beyond [`DIFF_MAX_LINES`] the middle is shown as replaced whole.
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Common head and tail first: most edits touch a few lines in the middle.
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut out: Vec<DiffLine> = a[..head]
        .iter()
        .map(|l| DiffLine::Same(l.to_string()))
        .collect();
    if am.len() * bm.len() > DIFF_MAX_LINES * DIFF_MAX_LINES {
        out.extend(am.iter().map(|l| DiffLine::Removed(l.to_string())));
        out.extend(bm.iter().map(|l| DiffLine::Added(l.to_string())));
    } else {
        // lcs[i][j]: longest common subsequence of am[i..] and bm[j..].
        let mut lcs = vec![vec![0u32; bm.len() + 1]; am.len() + 1];
        for i in (0..am.len()).rev() {
            for j in (0..bm.len()).rev() {
                lcs[i][j] = if am[i] == bm[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < am.len() || j < bm.len() {
            if i < am.len() && j < bm.len() && am[i] == bm[j] {
                out.push(DiffLine::Same(am[i].to_string()));
                i += 1;
                j += 1;
            } else if i < am.len() && (j == bm.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
                out.push(DiffLine::Removed(am[i].to_string()));
                i += 1;
            } else {
                out.push(DiffLine::Added(bm[j].to_string()));
                j += 1;
            }
        }
    }
    out.extend(
        a[a.len() - tail..]
            .iter()
            .map(|l| DiffLine::Same(l.to_string())),
    );
    out
}

/// Lines each side beyond which [`diff_lines`] stops looking for common lines.
pub const DIFF_MAX_LINES: usize = 2_000;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn draft() -> ArticleDraft {
        ArticleDraft {
            title: "Club wint".into(),
            kind: ArticleKind::News,
            source: None,
            byline: "Sofie Vermeulen".into(),
            lead: String::new(),
            body_markdown: String::new(),
            photo: None,
            topics: vec![],
            related: vec![],
            publish_at: None,
        }
    }

    #[test]
    fn a_draft_may_be_unfinished_but_publishing_needs_a_lead_and_a_rumours_source() {
        let mut d = draft();
        assert!(d.check_draft().is_ok());
        assert!(d.check_publishable().unwrap_err().contains("inleiding"));
        d.lead = "Club Brugge won zaterdag.".into();
        d.kind = ArticleKind::Rumour;
        assert!(d.check_draft().is_ok());
        assert!(d.check_publishable().unwrap_err().contains("bron"));
        d.source = Some("Het Nieuwsblad".into());
        assert!(d.check_publishable().is_ok());
        d.title = "  ".into();
        assert!(d.check_draft().unwrap_err().contains("titel"));
    }

    #[test]
    fn status_follows_the_stored_facts_and_the_clock() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 15, 0, 0).unwrap();
        let later = now + chrono::Duration::minutes(1);
        assert_eq!(
            DeskStatus::of(true, later, false, now),
            DeskStatus::Scheduled
        );
        assert_eq!(DeskStatus::of(true, now, false, now), DeskStatus::Published);
        assert_eq!(DeskStatus::of(false, now, true, now), DeskStatus::Submitted);
        assert_eq!(DeskStatus::of(false, now, false, now), DeskStatus::Draft);
    }

    #[test]
    fn diff_shows_the_changed_lines_between_the_same_ones() {
        let old = "Intro\nClub won met 2-0.\nSlot";
        let new = "Intro\nClub won met 3-0.\nNieuwe alinea\nSlot";
        assert_eq!(
            diff_lines(old, new),
            vec![
                DiffLine::Same("Intro".into()),
                DiffLine::Removed("Club won met 2-0.".into()),
                DiffLine::Added("Club won met 3-0.".into()),
                DiffLine::Added("Nieuwe alinea".into()),
                DiffLine::Same("Slot".into()),
            ]
        );
        assert!(
            diff_lines("a\nb", "a\nb")
                .iter()
                .all(|l| matches!(l, DiffLine::Same(_)))
        );
        assert_eq!(diff_lines("", "x"), vec![DiffLine::Added("x".into())]);
    }
}
