//! The demo newsroom: original Dutch articles (in `demo/*.json`, written for Tribune), topics
//! with their nicknames, generated photos, all timed relative to now so the demo always looks
//! fresh. Loading it again refreshes it instead of adding copies.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use tribune_core::topic::{NewTopic, TopicKind};
use tribune_core::{ArticleKind, NewArticle, Photo, Store, article::article_path, slugify};

use crate::media;

/// The live article of the demo's live match: its comments show under the match.
const LIVE_ARTICLE: &str = "b35-live-genk-antwerp";

/// The demo's articles, as two writers delivered them.
const ARTICLES: [&str; 2] = [
    include_str!("../demo/articles-a.json"),
    include_str!("../demo/articles-b.json"),
];

/// One demo topic: Dutch name, French name, kind, aliases (nicknames included), and weak
/// aliases (bare city names that may mean another club too: tagging suggests them with lower
/// confidence).
struct DemoTopic {
    name: &'static str,
    name_fr: Option<&'static str>,
    kind: TopicKind,
    aliases: &'static [&'static str],
    weak: &'static [&'static str],
}

const fn topic(
    name: &'static str,
    name_fr: Option<&'static str>,
    kind: TopicKind,
    aliases: &'static [&'static str],
    weak: &'static [&'static str],
) -> DemoTopic {
    DemoTopic {
        name,
        name_fr,
        kind,
        aliases,
        weak,
    }
}

const TOPICS: &[DemoTopic] = &[
    topic(
        "Jupiler Pro League",
        None,
        TopicKind::Competition,
        &["JPL", "Pro League", "eerste klasse"],
        &[],
    ),
    topic(
        "Challenger Pro League",
        None,
        TopicKind::Competition,
        &["CPL", "tweede klasse"],
        &[],
    ),
    topic(
        "Croky Cup",
        Some("Coupe de Belgique"),
        TopicKind::Competition,
        &["Beker van België", "bekertoernooi"],
        &[],
    ),
    topic(
        "Champions League",
        Some("Ligue des champions"),
        TopicKind::Competition,
        &["CL", "kampioenenbal"],
        &[],
    ),
    topic("Europa League", None, TopicKind::Competition, &[], &[]),
    topic(
        "Conference League",
        None,
        TopicKind::Competition,
        &["Conference"],
        &[],
    ),
    topic(
        "Club Brugge",
        Some("Club Bruges"),
        TopicKind::Club,
        &["blauw-zwart", "Club", "FC Brugge"],
        &["Brugge", "Bruges"],
    ),
    topic(
        "RSC Anderlecht",
        None,
        TopicKind::Club,
        &["Anderlecht", "Paars-Wit", "RSCA", "Sporting Anderlecht"],
        &[],
    ),
    topic(
        "Royal Antwerp FC",
        None,
        TopicKind::Club,
        &["Antwerp", "The Great Old", "RAFC"],
        &["Antwerpen"],
    ),
    topic(
        "KRC Genk",
        None,
        TopicKind::Club,
        &["Racing Genk", "de Limburgers"],
        &["Genk"],
    ),
    topic(
        "KAA Gent",
        Some("La Gantoise"),
        TopicKind::Club,
        &["AA Gent", "De Buffalo's", "Buffalo's"],
        &["Gent"],
    ),
    topic(
        "Standard Luik",
        Some("Standard de Liège"),
        TopicKind::Club,
        &["Standard", "Les Rouches"],
        &["Luik", "Liège"],
    ),
    topic(
        "Union Saint-Gilloise",
        Some("Royale Union Saint-Gilloise"),
        TopicKind::Club,
        &["Union", "Union SG", "USG"],
        &["Sint-Gillis"],
    ),
    topic(
        "Cercle Brugge",
        Some("Cercle Bruges"),
        TopicKind::Club,
        &["Cercle", "groen-zwart", "De Vereniging"],
        &["Brugge", "Bruges"],
    ),
    topic(
        "KV Mechelen",
        Some("KV Malines"),
        TopicKind::Club,
        &["Malinwa", "KV"],
        &["Mechelen"],
    ),
    topic(
        "OH Leuven",
        Some("OH Louvain"),
        TopicKind::Club,
        &["OHL", "Oud-Heverlee Leuven"],
        &["Leuven"],
    ),
    topic(
        "Rode Duivels",
        Some("Diables Rouges"),
        TopicKind::NationalTeam,
        &["Belgische nationale ploeg", "Belgium"],
        &["België", "Belgique"],
    ),
    topic(
        "Red Flames",
        None,
        TopicKind::NationalTeam,
        &["Belgische vrouwenploeg"],
        &[],
    ),
    topic(
        "Transfers",
        None,
        TopicKind::Theme,
        &["transfer", "transfernieuws", "mercato"],
        &[],
    ),
    topic(
        "VAR en scheidsrechters",
        Some("VAR et arbitres"),
        TopicKind::Theme,
        &["VAR", "scheidsrechter", "arbitrage"],
        &[],
    ),
    topic(
        "Tibo Verstraete",
        None,
        TopicKind::Person,
        &["Verstraete"],
        &[],
    ),
    topic("Nordin Azzouzi", None, TopicKind::Person, &["Azzouzi"], &[]),
    topic("Sven Willaert", None, TopicKind::Person, &["Willaert"], &[]),
    topic(
        "Jonas Lambrecht",
        None,
        TopicKind::Person,
        &["Lambrecht"],
        &[],
    ),
    topic("Mateo Ordóñez", None, TopicKind::Person, &["Ordóñez"], &[]),
    topic("Rik Vandamme", None, TopicKind::Person, &["Vandamme"], &[]),
];

type Rgb = [u8; 3];

/// Photo key, credit, caption, main colour, second colour.
const PHOTOS: &[(&str, &str, &str, Rgb, Rgb)] = &[
    (
        "club-brugge",
        "Tribune Beeld",
        "Spelers van Club Brugge vieren een doelpunt",
        [0, 84, 166],
        [18, 18, 18],
    ),
    (
        "anderlecht",
        "Tribune Beeld",
        "Anderlecht in het Lotto Park",
        [76, 35, 130],
        [245, 245, 245],
    ),
    (
        "antwerp",
        "Studio Noord",
        "De Bosuil bij avond",
        [200, 16, 46],
        [245, 245, 245],
    ),
    (
        "genk",
        "Studio Noord",
        "Genk aan de bal",
        [0, 70, 160],
        [245, 245, 245],
    ),
    (
        "gent",
        "Tribune Beeld",
        "Supporters van de Buffalo's",
        [0, 90, 170],
        [255, 255, 255],
    ),
    (
        "standard",
        "Studio Noord",
        "Sclessin kleurt rood",
        [210, 20, 30],
        [255, 255, 255],
    ),
    (
        "union",
        "Tribune Beeld",
        "Union in het Dudenpark",
        [250, 210, 0],
        [20, 60, 160],
    ),
    (
        "cercle",
        "Studio Noord",
        "Cercle Brugge op training",
        [0, 120, 60],
        [20, 20, 20],
    ),
    (
        "rode-duivels",
        "Tribune Beeld",
        "De Rode Duivels zingen het volkslied",
        [200, 16, 46],
        [20, 20, 20],
    ),
    (
        "champions-league",
        "Studio Noord",
        "Een Europese avond in Brugge",
        [10, 25, 80],
        [230, 230, 240],
    ),
    (
        "training",
        "Tribune Beeld",
        "Een ochtendtraining op het oefenveld",
        [40, 140, 60],
        [230, 240, 230],
    ),
    (
        "persconferentie",
        "Tribune Beeld",
        "Persconferentie na de wedstrijd",
        [60, 60, 70],
        [200, 200, 210],
    ),
    (
        "supporters",
        "Studio Noord",
        "Volle tribunes op een zondagmiddag",
        [120, 20, 30],
        [240, 200, 60],
    ),
    (
        "stadion-avond",
        "Tribune Beeld",
        "Het stadion onder de lichtmasten",
        [15, 30, 60],
        [250, 240, 180],
    ),
];

#[derive(Debug, Deserialize)]
struct DemoArticle {
    key: String,
    title: String,
    kind: String,
    source: Option<String>,
    author: String,
    hours_ago: f64,
    lead: String,
    body: String,
    topics: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
    photo: Option<String>,
    /// How busy the article's comment section is: the demo writes up to 8 plus a tenth of this.
    comment_count: i64,
}

fn demo_articles() -> Result<Vec<DemoArticle>, String> {
    let mut all = Vec::new();
    for text in ARTICLES {
        let part: Vec<DemoArticle> =
            serde_json::from_str(text).map_err(|e| format!("demo articles: {e}"))?;
        all.extend(part);
    }
    Ok(all)
}

/// A photo for the demo: a pitch in the club's colours, as a PNG.
pub fn photo_png(width: u32, height: u32, main: [u8; 3], second: [u8; 3]) -> Vec<u8> {
    let (w, h) = (width as i64, height as i64);
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            // Diagonal stripes in the two colours, darker towards the bottom.
            let stripe = ((x + y) / (w / 8).max(1)) % 2 == 0;
            let c = if stripe { main } else { second };
            let shade = 100 - (y * 35 / h.max(1));
            let mut px = c.map(|v| (i64::from(v) * shade / 100) as u8);
            // White pitch markings: halfway line and centre circle.
            let (dx, dy) = (x - w / 2, y - h / 2);
            let r = (dx * dx + dy * dy) as f64;
            let radius = (h as f64) / 4.0;
            let on_circle = (r.sqrt() - radius).abs() < (h as f64 / 150.0).max(1.0);
            if dx.abs() < (w / 300).max(1) || on_circle {
                px = [240, 240, 240];
            }
            pixels.extend_from_slice(&px);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // A failed encode leaves `out` short; inspect() then refuses it with a clear error.
        if let Ok(mut writer) = encoder.write_header() {
            let _ = writer.write_image_data(&pixels);
        }
    }
    out
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub articles: usize,
    pub topics: usize,
    pub photos: usize,
    pub accounts: usize,
    pub comments: usize,
    /// Comments waiting in the moderation queue.
    pub queued: usize,
    /// Matches of the demo round written or moved to the new time.
    pub matches: usize,
}

/// Whether `--demo` may (re)load the demo: an empty database, or one the demo filled before.
pub async fn may_load(store: &dyn Store) -> Result<bool, String> {
    if store.article_count().await.map_err(|e| e.to_string())? == 0 {
        return Ok(true);
    }
    let first = demo_articles()?
        .into_iter()
        .next()
        .map(|a| a.key)
        .unwrap_or_default();
    Ok(store
        .article_by_key(&format!("demo:{first}"))
        .await
        .map_err(|e| e.to_string())?
        .is_some())
}

/// Loads (or refreshes) the demo newsroom, timed relative to `now`.
pub async fn load(
    store: &dyn Store,
    media_dir: &Path,
    now: DateTime<Utc>,
) -> Result<Loaded, String> {
    let mut loaded = Loaded::default();
    let mut topic_ids = HashMap::new();
    for topic in TOPICS {
        let t = store
            .save_topic(&NewTopic {
                name: topic.name.to_string(),
                name_fr: topic.name_fr.map(str::to_string),
                kind: topic.kind,
                aliases: topic.aliases.iter().map(|a| a.to_string()).collect(),
                weak_aliases: topic.weak.iter().map(|a| a.to_string()).collect(),
                crest: None,
            })
            .await
            .map_err(|e| format!("topic {}: {e}", topic.name))?;
        topic_ids.insert(topic.name, t.id);
        loaded.topics += 1;
    }
    let mut photos = HashMap::new();
    for (key, credit, caption, main, second) in PHOTOS {
        let stored = media::store(media_dir, &photo_png(960, 540, *main, *second))?;
        photos.insert(
            *key,
            Photo {
                path: stored.name,
                credit: credit.to_string(),
                caption: Some(caption.to_string()),
                width: stored.width,
                height: stored.height,
            },
        );
        loaded.photos += 1;
    }
    let demo = demo_articles()?;
    let to_new = |a: &DemoArticle, ids: &HashMap<String, i64>| -> Result<NewArticle, String> {
        let kind =
            ArticleKind::parse(&a.kind).ok_or_else(|| format!("{}: kind {}", a.key, a.kind))?;
        let mut body = a.body.clone();
        // Inline links to other demo articles are written as (related:KEY).
        for other in &demo {
            let marker = format!("(related:{})", other.key);
            if body.contains(&marker) {
                let path = ids.get(&other.key).map_or_else(
                    || "/".to_string(),
                    |id| article_path(*id, &slugify(&other.title)),
                );
                body = body.replace(&marker, &format!("({path})"));
            }
        }
        Ok(NewArticle {
            external_key: Some(format!("demo:{}", a.key)),
            title: a.title.clone(),
            kind,
            source: a.source.clone(),
            author_name: a.author.clone(),
            published_at: now - Duration::seconds((a.hours_ago * 3600.0) as i64),
            lead: a.lead.clone(),
            body_markdown: body,
            photo: a.photo.as_deref().and_then(|p| photos.get(p).cloned()),
            topics: a
                .topics
                .iter()
                .map(|t| {
                    topic_ids
                        .get(t.as_str())
                        .copied()
                        .ok_or_else(|| format!("{}: topic {t}", a.key))
                })
                .collect::<Result<_, _>>()?,
            related: a
                .related
                .iter()
                .filter_map(|k| ids.get(k).copied())
                .collect(),
        })
    };
    // First pass gives every article its id; the second links related articles and inline
    // links, which need those ids.
    let mut ids: HashMap<String, i64> = HashMap::new();
    for pass in 0..2 {
        let batch = demo
            .iter()
            .map(|a| to_new(a, &ids))
            .collect::<Result<Vec<_>, _>>()?;
        let outcomes = store
            .save_articles(&batch, now)
            .await
            .map_err(|e| e.to_string())?;
        for (a, outcome) in demo.iter().zip(outcomes) {
            let outcome = outcome.map_err(|e| format!("demo article {}: {e}", a.key))?;
            ids.insert(a.key.clone(), outcome.id);
        }
        if pass == 1 {
            loaded.articles = ids.len();
        }
    }
    let mut commented: Vec<(i64, DateTime<Utc>, i64)> = demo
        .iter()
        .filter_map(|a| {
            let published = now - Duration::seconds((a.hours_ago * 3600.0) as i64);
            // Scheduled articles get their comments once they appear.
            (published <= now)
                .then(|| ids.get(&a.key).map(|id| (*id, published, a.comment_count)))?
        })
        .collect();
    commented.sort_by_key(|c| std::cmp::Reverse(c.1));
    let hash = tribune_web::auth::hash_password(crate::community::PASSWORD.to_string())
        .await
        .map_err(|e| e.to_string())?;
    let community = crate::community::load(store, &commented, &hash, now).await?;
    loaded.accounts = community.accounts;
    loaded.comments = community.comments;
    loaded.queued = community.queued;
    let live_article = ids.get(LIVE_ARTICLE).copied();
    loaded.matches = crate::matchday::load(store, live_article, now).await?;
    // A reload keeps the model there, with what its moderators taught it.
    tribune_web::learning::store_builtin_if_needed(store, now)
        .await
        .map_err(|e| format!("demo model: {e}"))?;
    Ok(loaded)
}

/// Adds `count` generated articles (for benchmarks: how cost grows with the archive), spread
/// over the past, reusing the demo's texts.
pub async fn generate(
    store: &dyn Store,
    count: usize,
    now: DateTime<Utc>,
) -> Result<usize, String> {
    let demo = demo_articles()?;
    let topics = store.topics().await.map_err(|e| e.to_string())?;
    if topics.is_empty() || demo.is_empty() {
        return Err("load the demo first: generated articles reuse its topics".to_string());
    }
    let mut made = 0;
    while made < count {
        let batch: Vec<NewArticle> = (made..(made + 1000).min(count))
            .map(|i| {
                let d = &demo[i % demo.len()];
                NewArticle {
                    external_key: Some(format!("generated:{i}")),
                    title: format!("{} ({})", d.title, i + 1),
                    kind: ArticleKind::parse(&d.kind).unwrap_or(ArticleKind::News),
                    source: d.source.clone(),
                    author_name: d.author.clone(),
                    // One every ten minutes, going back from four days ago.
                    published_at: now - Duration::days(4) - Duration::minutes(10 * i as i64),
                    lead: d.lead.clone(),
                    body_markdown: d.body.replace("(related:", "(/#"),
                    photo: None,
                    topics: vec![
                        topics[i % topics.len()].id,
                        topics[(i * 7 + 3) % topics.len()].id,
                    ],
                    related: vec![],
                }
            })
            .collect();
        let outcomes = store
            .save_articles(&batch, now)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(Err(e)) = outcomes.into_iter().find(Result::is_err) {
            return Err(format!("generated article: {e}"));
        }
        made += batch.len();
    }
    Ok(made)
}
