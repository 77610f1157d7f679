//! The reading site's pages: home, an article with its comment section and poll, topic and
//! author lists, the topics overview.

use askama::Template;
use chrono::{DateTime, Utc};
use tribune_core::article::Article;
use tribune_core::poll::{OptionId, Poll};
use tribune_core::time::{iso, long_date_time, w3c};
use tribune_core::topic::{Topic, TopicKind};

use super::comments::CommentSection;
use super::matches::FollowMatch;
use super::{
    Headline, Layout, Pager, SITE_NAME, Social, SocialImage, TickerDay, absolute, json_for_script,
    reactions,
};
use crate::assets::ICON;
use crate::photos;

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub page: u32,
    pub recent: Vec<Headline>,
    pub pager: Pager,
    pub ticker: Vec<TickerDay>,
}

pub struct PhotoView {
    pub src: String,
    /// Uploaded photos have smaller variants: `srcset` lists them all.
    pub srcset: Option<String>,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub caption: Option<String>,
    pub credit: String,
}

pub struct TopicLink {
    pub url: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "article.html")]
pub struct ArticlePage {
    pub layout: Layout,
    pub headline: String,
    pub kind_label: Option<&'static str>,
    pub source: Option<String>,
    pub author_name: String,
    pub author_url: String,
    pub published: String,
    pub datetime: String,
    pub photo: Option<PhotoView>,
    pub lead: String,
    pub body_html: String,
    pub related: Vec<Headline>,
    pub topics: Vec<TopicLink>,
    pub comment_count: i64,
    pub reactions: String,
    pub poll: Option<PollView>,
    pub comments: CommentSection,
    pub follow: Option<FollowMatch>,
}

impl ArticlePage {
    pub fn new(
        a: &Article,
        poll: Option<PollView>,
        comments: CommentSection,
        follow: Option<FollowMatch>,
        public_url: &str,
    ) -> Self {
        Self {
            layout: article_layout(a, public_url),
            headline: a.display_title(),
            kind_label: a.kind.label(),
            source: a.source.clone(),
            author_name: a.author.name.clone(),
            author_url: format!("/auteur/{}", a.author.slug),
            published: long_date_time(a.published_at),
            datetime: iso(a.published_at),
            photo: a.photo.as_ref().map(|p| PhotoView {
                src: photos::src_for_master(&p.path, "/media/")
                    .unwrap_or_else(|| format!("/media/{}", p.path)),
                srcset: photos::srcset_for_master(&p.path, "/media/"),
                width: p.width,
                height: p.height,
                alt: p.caption.clone().unwrap_or_else(|| a.title.clone()),
                caption: p.caption.clone(),
                credit: p.credit.clone(),
            }),
            lead: a.lead.clone(),
            body_html: a.body_html.clone(),
            related: a.related.iter().map(Headline::from).collect(),
            topics: a
                .topics
                .iter()
                .map(|t| TopicLink {
                    url: t.path(),
                    name: t.name.clone(),
                })
                .collect(),
            comment_count: a.comment_count,
            reactions: reactions(a.comment_count),
            poll,
            comments,
            follow,
        }
    }
}

/// An article's <head>: canonical address, link preview and NewsArticle data, all absolute.
fn article_layout(a: &Article, public_url: &str) -> Layout {
    let url = absolute(public_url, &a.path());
    let author_url = absolute(public_url, &format!("/auteur/{}", a.author.slug));
    let published = w3c(a.published_at);
    // An article saved before its scheduled time changed when it appeared.
    let modified = w3c(a.updated_at.max(a.published_at));
    let image = a.photo.as_ref().map(|p| SocialImage {
        url: absolute(public_url, &format!("/media/{}", p.path)),
        width: p.width,
        height: p.height,
        alt: p.caption.clone().unwrap_or_else(|| a.title.clone()),
    });
    let json_ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.display_title(),
        "description": a.lead,
        "url": url,
        "mainEntityOfPage": { "@type": "WebPage", "@id": url },
        "datePublished": published,
        "dateModified": modified,
        "inLanguage": "nl-BE",
        "author": [{ "@type": "Person", "name": a.author.name, "url": author_url }],
        "image": image.iter().map(|i| i.url.clone()).collect::<Vec<_>>(),
        "keywords": a.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        "publisher": {
            "@type": "NewsMediaOrganization",
            "name": SITE_NAME,
            "url": absolute(public_url, "/"),
            "logo": { "@type": "ImageObject", "url": absolute(public_url, &ICON.path) },
        },
    });
    let mut layout = Layout::new(a.display_title(), a.lead.clone()).public(public_url, &a.path());
    layout.social = Some(Social {
        kind: "article",
        url,
        title: a.display_title(),
        description: a.lead.clone(),
        image,
        published: Some(published),
        modified: Some(modified),
        author: Some(author_url),
        tags: a.topics.iter().map(|t| t.name.clone()).collect(),
    });
    layout.json_ld = Some(json_for_script(&json_ld));
    layout
}

/// A topic page or an author page: a heading and a list of headlines.
#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub kicker: String,
    pub heading: String,
    pub intro: Option<String>,
    pub items: Vec<Headline>,
    pub pager: Pager,
}

pub struct TopicGroup {
    pub label: &'static str,
    pub topics: Vec<TopicLink>,
}

#[derive(Template)]
#[template(path = "topics.html")]
pub struct TopicsPage {
    pub layout: Layout,
    pub groups: Vec<TopicGroup>,
}

impl TopicsPage {
    pub fn new(topics: &[Topic], public_url: &str) -> Self {
        let groups = TopicKind::ALL
            .into_iter()
            .map(|kind| TopicGroup {
                label: match kind {
                    TopicKind::Competition => "Competities",
                    TopicKind::Club => "Clubs",
                    TopicKind::Person => "Personen",
                    TopicKind::NationalTeam => "Nationale ploegen",
                    TopicKind::Theme => "Thema's",
                },
                topics: topics
                    .iter()
                    .filter(|t| t.kind == kind)
                    .map(|t| TopicLink {
                        url: tribune_core::topic::topic_path(&t.slug),
                        name: t.name.clone(),
                    })
                    .collect(),
            })
            .filter(|g| !g.topics.is_empty())
            .collect();
        Self {
            layout: Layout::new(
                "Onderwerpen — Tribune",
                "Alle competities, clubs en personen",
            )
            .public(public_url, "/onderwerpen"),
            groups,
        }
    }
}

/// A poll as the cached article page shows it: the question and a form; results only once
/// it is closed (before that they are personal: shown after voting, via the script or
/// the poll's own page).
pub struct PollView {
    pub id: i64,
    pub question: String,
    pub closed: bool,
    pub closes: Option<String>,
    pub options: Vec<PollOptionView>,
    pub total: i64,
}

pub struct PollOptionView {
    pub id: i64,
    pub label: String,
    pub votes: i64,
    pub percent: u32,
}

impl PollView {
    pub fn new(p: &Poll, now: DateTime<Utc>) -> Self {
        let percents = p.percentages();
        Self {
            id: p.id,
            question: p.question.clone(),
            closed: p.closed(now),
            closes: p.closes_at.map(long_date_time),
            options: p
                .options
                .iter()
                .zip(percents)
                .map(|(o, percent)| PollOptionView {
                    id: o.id,
                    label: o.label.clone(),
                    votes: o.votes,
                    percent,
                })
                .collect(),
            total: p.total_votes,
        }
    }
}

/// A poll's own page: the results once the reader voted or the poll closed.
#[derive(Template)]
#[template(path = "poll.html")]
pub struct PollPage {
    pub layout: Layout,
    pub poll: PollView,
    pub article_url: String,
    pub show_results: bool,
    pub my_vote: Option<OptionId>,
    pub csrf: String,
}
