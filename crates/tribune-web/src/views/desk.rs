//! The newsroom's back office (/redactie): the article list, the editor, revisions and their
//! differences, the live console and its list of matches, teams, topics and users.

use askama::Template;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tribune_core::account::{AccountId, Role};
use tribune_core::article::{ArticleId, Photo};
use tribune_core::desk::{ArticleDraft, DeskRow, DeskStatus, DiffLine, diff_lines};
use tribune_core::football::{MatchEventId, MatchId, Team, TeamId};
use tribune_core::time::{input_date, input_time, long_date_time, short_date_time};
use tribune_core::topic::{Topic, TopicId, TopicKind, topic_path};

use super::Layout;
use super::matches::{EntryLine, EventLine, MatchLine};

// ---------------------------------------------------------------------------------------
// Articles

/// The back office's menu, on every /redactie page.
pub fn desk_menu(role: Role) -> Vec<(&'static str, &'static str)> {
    let mut menu = vec![
        ("Artikels", "/redactie"),
        ("Nieuw artikel", "/redactie/artikels/nieuw"),
        ("Live", "/redactie/wedstrijden"),
    ];
    if role.can_moderate() {
        menu.push(("Moderatie", "/moderatie"));
    }
    if role.can_publish() {
        menu.push(("Ploegen", "/redactie/ploegen"));
    }
    if role.can_administer() {
        menu.push(("Onderwerpen", "/redactie/onderwerpen"));
        menu.push(("Gebruikers", "/redactie/gebruikers"));
    }
    menu.push(("API-tokens", "/redactie/tokens"));
    menu
}

pub struct ArticleRow {
    pub id: ArticleId,
    pub title: String,
    pub status: &'static str,
    pub status_key: &'static str,
    pub kind: &'static str,
    pub author: String,
    pub when: String,
    pub updated: String,
    pub comments: i64,
    pub public_url: Option<String>,
}

impl ArticleRow {
    pub fn of(r: &DeskRow) -> Self {
        Self {
            id: r.id,
            title: tribune_core::article::display_title(r.kind, &r.title),
            status: r.status.label(),
            status_key: r.status.as_str(),
            kind: r.kind.label().unwrap_or("Nieuws"),
            author: r.author_name.clone(),
            when: short_date_time(r.published_at),
            updated: short_date_time(r.updated_at),
            comments: r.comment_count,
            public_url: (r.status == DeskStatus::Published)
                .then(|| tribune_core::article::article_path(r.id, &r.slug)),
        }
    }
}

#[derive(Template)]
#[template(path = "desk_list.html")]
pub struct ArticleListPage {
    pub layout: Layout,
    pub menu: Vec<(&'static str, &'static str)>,
    pub rows: Vec<ArticleRow>,
    /// (value, label, selected)
    pub statuses: Vec<(&'static str, &'static str, bool)>,
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub authors: Vec<(i64, String, bool)>,
    pub topics: Vec<(i64, String, bool)>,
    pub q: String,
    pub van: String,
    pub tot: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// The editor form as typed: kept whole when it does not pass (shown again with the error),
/// and what an autosave stores (as JSON).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EditorFields {
    pub titel: String,
    pub soort: String,
    pub bron: String,
    pub auteur: String,
    pub inleiding: String,
    pub tekst: String,
    pub foto_pad: String,
    pub foto_credit: String,
    pub foto_bijschrift: String,
    pub foto_breedte: String,
    pub foto_hoogte: String,
    pub onderwerp: Vec<String>,
    pub verwant: Vec<String>,
    pub datum: String,
    pub tijd: String,
}

impl EditorFields {
    pub fn of(d: &ArticleDraft) -> Self {
        let photo = d.photo.as_ref();
        Self {
            titel: d.title.clone(),
            soort: d.kind.as_str().into(),
            bron: d.source.clone().unwrap_or_default(),
            auteur: d.byline.clone(),
            inleiding: d.lead.clone(),
            tekst: d.body_markdown.clone(),
            foto_pad: photo.map(|p| p.path.clone()).unwrap_or_default(),
            foto_credit: photo.map(|p| p.credit.clone()).unwrap_or_default(),
            foto_bijschrift: photo.and_then(|p| p.caption.clone()).unwrap_or_default(),
            foto_breedte: photo.map(|p| p.width.to_string()).unwrap_or_default(),
            foto_hoogte: photo.map(|p| p.height.to_string()).unwrap_or_default(),
            onderwerp: d.topics.iter().map(|t| t.to_string()).collect(),
            verwant: d.related.iter().map(|t| t.to_string()).collect(),
            datum: d.publish_at.map(input_date).unwrap_or_default(),
            tijd: d.publish_at.map(input_time).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "desk_editor.html")]
pub struct EditorPage {
    pub layout: Layout,
    pub menu: Vec<(&'static str, &'static str)>,
    pub csrf: String,
    /// `None` for a new article.
    pub article: Option<EditorArticle>,
    pub fields: EditorFields,
    pub error: Option<String>,
    pub notice: Option<String>,
    /// When the fields come from an autosave newer than the stored article.
    pub restored_at: Option<String>,
    pub kinds: Vec<(&'static str, &'static str)>,
    /// (id, name, kind label, checked)
    pub topics: Vec<(TopicId, String, &'static str, bool)>,
    /// (id, title) of the related articles picked.
    pub related: Vec<(ArticleId, String)>,
    pub photo_src: Option<String>,
    pub authors: Vec<String>,
    pub can_publish: bool,
    pub poll: Option<(String, Vec<String>)>,
}

pub struct EditorArticle {
    pub id: ArticleId,
    pub status: &'static str,
    pub status_key: &'static str,
    pub public_url: Option<String>,
    pub revision: i64,
    pub updated: String,
    pub published: String,
    pub is_out: bool,
    pub submitted: bool,
}

impl EditorPage {
    pub fn form_action(&self) -> String {
        match &self.article {
            Some(a) => format!("/redactie/artikels/{}", a.id),
            None => "/redactie/artikels/nieuw".into(),
        }
    }
    pub fn autosave_url(&self) -> String {
        format!("{}/autosave", self.form_action())
    }
    pub fn is_kind(&self, k: &&str) -> bool {
        self.fields.soort == *k
    }
}

pub struct RevisionLine {
    pub number: i64,
    pub when: String,
    pub who: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "desk_revisions.html")]
pub struct RevisionsPage {
    pub layout: Layout,
    pub menu: Vec<(&'static str, &'static str)>,
    pub csrf: String,
    pub id: ArticleId,
    pub title: String,
    pub revisions: Vec<RevisionLine>,
    pub may_restore: bool,
}

/// One field of a comparison: its name and how it changed line by line.
pub struct FieldDiff {
    pub name: &'static str,
    pub changed: bool,
    pub lines: Vec<DiffLine>,
}

pub fn field_diffs(old: &ArticleDraft, new: &ArticleDraft) -> Vec<FieldDiff> {
    let list = |v: &[i64]| {
        v.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let photo = |p: &Option<Photo>| {
        p.as_ref()
            .map(|p| {
                format!(
                    "{}\nFoto: © {}\n{}",
                    p.path,
                    p.credit,
                    p.caption.clone().unwrap_or_default()
                )
            })
            .unwrap_or_default()
    };
    let when = |t: Option<DateTime<Utc>>| t.map(long_date_time).unwrap_or_default();
    let pairs: [(&'static str, String, String); 10] = [
        ("Titel", old.title.clone(), new.title.clone()),
        ("Soort", old.kind.as_str().into(), new.kind.as_str().into()),
        (
            "Bron",
            old.source.clone().unwrap_or_default(),
            new.source.clone().unwrap_or_default(),
        ),
        ("Auteur", old.byline.clone(), new.byline.clone()),
        ("Inleiding", old.lead.clone(), new.lead.clone()),
        (
            "Tekst",
            old.body_markdown.clone(),
            new.body_markdown.clone(),
        ),
        ("Foto", photo(&old.photo), photo(&new.photo)),
        ("Onderwerpen (id)", list(&old.topics), list(&new.topics)),
        (
            "Verwante artikels (id)",
            list(&old.related),
            list(&new.related),
        ),
        ("Publicatietijd", when(old.publish_at), when(new.publish_at)),
    ];
    pairs
        .into_iter()
        .map(|(name, a, b)| FieldDiff {
            name,
            changed: a != b,
            lines: diff_lines(&a, &b),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "desk_diff.html")]
pub struct DiffPage {
    pub layout: Layout,
    pub menu: Vec<(&'static str, &'static str)>,
    pub id: ArticleId,
    pub from: i64,
    pub to: i64,
    pub nothing_changed: bool,
    pub fields: Vec<FieldDiff>,
}

// ---------------------------------------------------------------------------------------
// Topics and users

pub struct TopicRow {
    pub id: TopicId,
    pub name: String,
    pub name_fr: String,
    pub kind: &'static str,
    pub aliases: String,
    pub weak_aliases: String,
    pub articles: i64,
    pub path: String,
}

#[derive(Template)]
#[template(path = "topics_desk.html")]
pub struct TopicListPage {
    pub layout: Layout,
    pub topics: Vec<TopicRow>,
}

#[derive(Template)]
#[template(path = "topics_desk_form.html")]
pub struct TopicFormPage {
    pub layout: Layout,
    pub heading: String,
    pub action: String,
    pub csrf: String,
    /// The topic's public page, once it exists.
    pub path: Option<String>,
    pub name: String,
    pub name_fr: String,
    pub kind: &'static str,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub aliases: String,
    pub weak_aliases: String,
    pub crest: Option<String>,
    pub error: Option<String>,
    pub saved: bool,
}

impl TopicFormPage {
    /// The form for `topic` (a new one when `None`), as it stands.
    pub fn new(csrf: &str, topic: Option<&Topic>) -> Self {
        let (heading, action) = match topic {
            Some(t) => (t.name.clone(), format!("/redactie/onderwerpen/{}", t.id)),
            None => (
                "Nieuw onderwerp".to_string(),
                "/redactie/onderwerpen/nieuw".to_string(),
            ),
        };
        Self {
            layout: Layout::new(
                format!("{heading} — Onderwerpen — Redactie — Tribune"),
                "Een onderwerp beheren",
            ),
            heading,
            action,
            csrf: csrf.to_string(),
            path: topic.map(|t| topic_path(&t.slug)),
            name: topic.map(|t| t.name.clone()).unwrap_or_default(),
            name_fr: topic.and_then(|t| t.name_fr.clone()).unwrap_or_default(),
            kind: topic.map_or(TopicKind::Club, |t| t.kind).as_str(),
            kinds: TopicKind::ALL
                .iter()
                .map(|k| (k.as_str(), k.label()))
                .collect(),
            aliases: topic.map(|t| t.aliases.join("\n")).unwrap_or_default(),
            weak_aliases: topic.map(|t| t.weak_aliases.join("\n")).unwrap_or_default(),
            crest: topic.and_then(|t| t.crest.clone()),
            error: None,
            saved: false,
        }
    }
}

pub struct UserRow {
    pub id: AccountId,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub created: String,
    pub me: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub csrf: String,
    pub text: String,
    pub role: String,
    pub page: u32,
    pub roles: Vec<(&'static str, &'static str)>,
    pub users: Vec<UserRow>,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub saved: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Teams

pub struct TeamRow {
    pub id: TeamId,
    pub name: String,
    pub short_name: String,
    pub topic: String,
    pub aliases: usize,
}

#[derive(Template)]
#[template(path = "teams_desk.html")]
pub struct TeamListPage {
    pub layout: Layout,
    pub menu: Vec<(&'static str, &'static str)>,
    pub teams: Vec<TeamRow>,
}

#[derive(Template)]
#[template(path = "teams_desk_form.html")]
pub struct TeamFormPage {
    pub layout: Layout,
    pub id: TeamId,
    pub csrf: String,
    pub name: String,
    pub name_fr: String,
    pub short_name: String,
    pub aliases: String,
    pub topic: String,
    /// (id, name) of the clubs and national teams.
    pub topics: Vec<(String, String)>,
    pub saved: bool,
    pub error: Option<String>,
}

impl TeamFormPage {
    /// The form for `team`; `topics` are the site's, of which clubs and national teams
    /// are offered.
    pub fn new(csrf: &str, team: &Team, topics: Vec<Topic>) -> Self {
        let topics = topics
            .into_iter()
            .filter(|t| matches!(t.kind, TopicKind::Club | TopicKind::NationalTeam))
            .map(|t| (t.id.to_string(), t.name))
            .collect();
        Self {
            layout: Layout::new(format!("{} — Ploegen — Redactie — Tribune", team.name), ""),
            id: team.id,
            csrf: csrf.to_string(),
            name: team.name.clone(),
            name_fr: team.name_fr.clone().unwrap_or_default(),
            short_name: team.short_name.clone(),
            // The names above are found anyway: the field holds only the others.
            aliases: team
                .aliases
                .iter()
                .filter(|a| {
                    ![
                        Some(&team.name),
                        Some(&team.short_name),
                        team.name_fr.as_ref(),
                    ]
                    .contains(&Some(*a))
                })
                .cloned()
                .collect::<Vec<_>>()
                .join("\n"),
            topic: team.topic_id.map(|t| t.to_string()).unwrap_or_default(),
            topics,
            saved: false,
            error: None,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The live console

#[derive(Template)]
#[template(path = "desk_matches.html")]
pub struct MatchListPage {
    pub layout: Layout,
    pub menu: Vec<(&'static str, &'static str)>,
    pub matches: Vec<(MatchId, MatchLine)>,
}

pub struct SideForm {
    pub key: &'static str,
    pub team: String,
}

pub struct Reversible {
    pub id: MatchEventId,
    pub side: &'static str,
    pub text: String,
}

#[derive(Template)]
#[template(path = "desk_match.html")]
pub struct ConsolePage {
    pub layout: Layout,
    pub menu: Vec<(&'static str, &'static str)>,
    pub csrf: String,
    pub id: MatchId,
    pub m: MatchLine,
    pub status_key: &'static str,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub status_buttons: Vec<(&'static str, i32, &'static str)>,
    pub event_buttons: Vec<(&'static str, &'static str)>,
    pub sides: Vec<SideForm>,
    pub minute: String,
    pub added: String,
    pub events: Vec<EventLine>,
    pub reversible: Vec<Reversible>,
    /// The new-entry form, prefilled after an event.
    pub draft: EntryDraft,
    /// Events an entry can be tied to: (id, "12' Doelpunt Nordin Azzouzi").
    pub event_choices: Vec<(MatchEventId, String)>,
    pub entries: Vec<EntryLine>,
    /// The article that carries the match's comments: (editor address, title, status).
    pub article: Option<(String, String, &'static str)>,
    /// Marked as a derby or high-risk: its clubs' articles are moderated strictly all day.
    pub high_risk: bool,
}

/// The new-entry form as the console fills it in.
#[derive(Default)]
pub struct EntryDraft {
    pub text: String,
    pub minute: String,
    pub event_id: Option<MatchEventId>,
    pub key_event: bool,
}
