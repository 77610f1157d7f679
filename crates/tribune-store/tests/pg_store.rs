//! PgStore against a real PostgreSQL: set TRIBUNE_TEST_PG_URL (for example
//! postgres://postgres@127.0.0.1:5432/test). Each test gets a schema of its own, dropped at
//! the end; without the variable the tests pass after saying they were skipped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use sqlx::postgres::{PgConnectOptions, PgListener};
use sqlx::{Connection, PgConnection};
use tribune_core::topic::{NewTopic, Topic, TopicKind};
use tribune_core::{
    ArticleKind, ArticleQuery, Cursor, NewArticle, Photo, SaveOutcome, Store, StoreError, markdown,
    teaser,
};
use tribune_store::{CHANNEL, PgStore, SCHEMA_VERSION};

const URL_VAR: &str = "TRIBUNE_TEST_PG_URL";

fn url() -> Option<String> {
    std::env::var(URL_VAR).ok().filter(|u| !u.is_empty())
}

fn nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// A schema name no other test (or test run) uses.
fn schema_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "tribune_test_{}_{}_{}",
        std::process::id(),
        nanos(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Where a test's store lives, for tests that open more connections to it.
struct Place {
    url: String,
    schema: String,
}

impl Place {
    /// A plain connection whose tables are the store's.
    async fn raw(&self) -> PgConnection {
        let options = PgConnectOptions::from_str(&self.url)
            .unwrap()
            .options([("search_path", self.schema.as_str())]);
        PgConnection::connect_with(&options).await.unwrap()
    }
}

/// Runs `test` against a store in a fresh schema, which is dropped afterwards even when the
/// test fails. Skips (passing) when no database is configured.
async fn with_store<F, Fut>(test: F)
where
    F: FnOnce(PgStore, Place) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(url) = url() else {
        eprintln!("skipped: {URL_VAR} is not set");
        return;
    };
    let schema = schema_name();
    let store = PgStore::connect_in_schema(&url, &schema).await.unwrap();
    let outcome = tokio::spawn(test(store.clone(), Place { url, schema })).await;
    store.drop_schema().await.unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Sunday 22 November 2026, 15:00 in Brussels: a match day.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap()
}

fn mins(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}

fn article(title: &str, minutes_ago: i64) -> NewArticle {
    NewArticle {
        external_key: None,
        title: title.into(),
        kind: ArticleKind::News,
        source: None,
        author_name: "Sofie Vermeulen".into(),
        published_at: t0() - mins(minutes_ago),
        lead: format!("{title}: de lead."),
        body_markdown: "Eerste alinea.".into(),
        photo: None,
        topics: vec![],
        related: vec![],
    }
}

fn keyed(key: &str, title: &str, minutes_ago: i64) -> NewArticle {
    NewArticle {
        external_key: Some(key.into()),
        ..article(title, minutes_ago)
    }
}

async fn save(store: &PgStore, a: &NewArticle) -> SaveOutcome {
    store.save_article(a, t0()).await.unwrap()
}

async fn topic(store: &PgStore, name: &str, kind: TopicKind, aliases: &[&str]) -> Topic {
    store
        .save_topic(&NewTopic {
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            ..NewTopic::named(name, kind)
        })
        .await
        .unwrap()
}

fn invalid(r: Result<SaveOutcome, StoreError>) -> String {
    match r {
        Err(StoreError::Invalid(m)) => m,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

async fn list(store: &PgStore, q: ArticleQuery, now: DateTime<Utc>) -> Vec<i64> {
    store
        .articles(&q, now)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect()
}

fn all() -> ArticleQuery {
    ArticleQuery {
        limit: 100,
        ..Default::default()
    }
}

#[tokio::test]
async fn an_article_reads_back_with_topics_related_and_photo() {
    with_store(|store, _| async move {
        let club = topic(&store, "Club Brugge", TopicKind::Club, &["Blauw-Zwart"]).await;
        let league = topic(&store, "Jupiler Pro League", TopicKind::Competition, &[]).await;
        let earlier = save(&store, &article("Vorige match", 60)).await.id;
        let lead = "Club Brugge heeft de topper tegen Anderlecht gewonnen na een wedstrijd \
                    die pas in de slotminuten werd beslist door een doelpunt van Jutglà.";
        let body =
            "Eerste alinea.\n\n## VIJFTIEN JAAR\n\n> \"Ik blijf\", zegt hij.\n\n<script>x</script>";
        let photo = Photo {
            path: "topper.jpg".into(),
            credit: "Belga".into(),
            caption: Some("Vreugde bij Club".into()),
            width: 1600,
            height: 900,
        };
        // Sub-millisecond precision is cut, as SQLite keeps milliseconds.
        let published_at = t0() - mins(5) + TimeDelta::nanoseconds(123_456_789);
        let saved = save(
            &store,
            &NewArticle {
                external_key: Some("feed:42".into()),
                title: "  Club wint de topper  ".into(),
                lead: format!("  {lead}  "),
                body_markdown: body.into(),
                photo: Some(photo.clone()),
                topics: vec![league.id, club.id, club.id],
                related: vec![earlier],
                published_at,
                ..article("x", 0)
            },
        )
        .await;
        assert!(saved.created);

        let a = store.article(saved.id, t0()).await.unwrap().unwrap();
        assert_eq!(a.title, "Club wint de topper");
        assert_eq!(a.slug, "club-wint-de-topper");
        assert_eq!(a.lead, lead);
        assert_eq!(a.body_markdown, body);
        assert_eq!(a.body_html, markdown::render(body));
        assert!(!a.body_html.contains("<script"));
        assert_eq!(
            a.published_at,
            Utc.timestamp_millis_opt(published_at.timestamp_millis())
                .unwrap()
        );
        assert_eq!(a.updated_at, t0());
        assert_eq!(a.author.name, "Sofie Vermeulen");
        assert_eq!(a.author.slug, "sofie-vermeulen");
        assert_eq!(a.photo, Some(photo));
        // Counts come from comment rows only.
        assert_eq!(a.comment_count, 0);
        let topics: Vec<_> = a.topics.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(topics, ["Club Brugge", "Jupiler Pro League"]);
        assert_eq!(a.topics[0].slug, "club-brugge");
        assert_eq!(a.topics[0].kind, TopicKind::Club);
        let related: Vec<_> = a.related.iter().map(|r| r.id).collect();
        assert_eq!(related, [earlier]);
        assert_eq!(a.related[0].title, "Vorige match");

        assert_eq!(
            store.article_by_key("feed:42").await.unwrap(),
            Some(saved.id)
        );
        assert_eq!(store.article_by_key("feed:43").await.unwrap(), None);
        assert_eq!(
            store.article(987_654, t0()).await.unwrap().map(|a| a.id),
            None
        );

        let listed = store.articles(&all(), t0()).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].id, saved.id);
        assert_eq!(listed[0].teaser, teaser(lead));
        assert!(listed[0].teaser.ends_with(" ..."));
        assert_eq!(listed[0].author_name, "Sofie Vermeulen");
        assert_eq!(listed[0].published_at, a.published_at);
        // The cursor a reader gets back finds the next article exactly.
        let next = ArticleQuery {
            after: Cursor::decode(&Cursor::of(&listed[0]).encode()),
            ..all()
        };
        assert_eq!(list(&store, next, t0()).await, [earlier]);
        assert_eq!(store.ping().await.ok(), Some(()));
    })
    .await;
}

#[tokio::test]
async fn saving_the_same_key_again_updates_in_place() {
    with_store(|store, place| async move {
        let a = topic(&store, "Anderlecht", TopicKind::Club, &[]).await;
        let b = topic(&store, "Genk", TopicKind::Club, &[]).await;
        let first = save(
            &store,
            &NewArticle {
                topics: vec![a.id],
                ..keyed("import:1", "Eerste versie", 30)
            },
        )
        .await;
        assert!(first.created);
        // As if readers had commented: an update leaves the count alone.
        let mut raw = place.raw().await;
        sqlx::query("UPDATE articles SET comment_count = 3 WHERE id = $1")
            .bind(first.id)
            .execute(&mut raw)
            .await
            .unwrap();
        let later = t0() + mins(10);
        let second = store
            .save_article(
                &NewArticle {
                    topics: vec![b.id],
                    ..keyed("import:1", "Tweede versie", 20)
                },
                later,
            )
            .await
            .unwrap();
        assert_eq!(
            second,
            SaveOutcome {
                id: first.id,
                created: false
            }
        );
        assert_eq!(store.article_count().await.unwrap(), 1);
        let got = store.article(first.id, later).await.unwrap().unwrap();
        assert_eq!(got.title, "Tweede versie");
        assert_eq!(got.slug, "tweede-versie");
        assert_eq!(got.published_at, t0() - mins(20));
        assert_eq!(got.updated_at, later);
        assert_eq!(got.comment_count, 3);
        assert_eq!(got.topics.iter().map(|t| t.id).collect::<Vec<_>>(), [b.id]);
        let on = |t: i64| ArticleQuery {
            topic: Some(t),
            ..all()
        };
        assert!(list(&store, on(a.id), later).await.is_empty());
        assert_eq!(list(&store, on(b.id), later).await, [first.id]);

        // An article cannot be related to itself.
        let selfish = NewArticle {
            related: vec![first.id],
            ..keyed("import:1", "Derde versie", 20)
        };
        assert_eq!(
            invalid(store.save_article(&selfish, later).await),
            format!("related article {} does not exist", first.id)
        );
        let got = store.article(first.id, later).await.unwrap().unwrap();
        assert_eq!(got.title, "Tweede versie");
    })
    .await;
}

#[tokio::test]
async fn a_bad_article_in_a_batch_leaves_the_others_stored() {
    with_store(|store, _| async move {
        let batch = [
            article("Eerste", 5),
            NewArticle {
                topics: vec![999_999],
                author_name: "Nieuwe Auteur".into(),
                photo: Some(Photo {
                    path: "nooit.jpg".into(),
                    credit: "Belga".into(),
                    caption: None,
                    width: 10,
                    height: 10,
                }),
                ..article("Onbekend onderwerp", 4)
            },
            article("   ", 3),
            NewArticle {
                related: vec![999_999],
                ..article("Onbekend verwant", 2)
            },
            NewArticle {
                body_markdown: "nul\0byte".into(),
                ..article("Met NUL", 2)
            },
            article("Laatste", 1),
        ];
        let outcomes = store.save_articles(&batch, t0()).await.unwrap();
        assert_eq!(outcomes.len(), 6);
        let mut outcomes = outcomes.into_iter();
        let first = outcomes.next().unwrap().unwrap();
        assert_eq!(
            invalid(outcomes.next().unwrap()),
            "topic 999999 does not exist"
        );
        assert_eq!(invalid(outcomes.next().unwrap()), "title is empty");
        assert_eq!(
            invalid(outcomes.next().unwrap()),
            "related article 999999 does not exist"
        );
        assert!(invalid(outcomes.next().unwrap()).contains("NUL"));
        let last = outcomes.next().unwrap().unwrap();
        assert!(first.created && last.created);

        assert_eq!(store.article_count().await.unwrap(), 2);
        assert_eq!(list(&store, all(), t0()).await, [last.id, first.id]);
        // The rolled-back article left no author behind, and no change-log row.
        let authors: Vec<_> = store
            .authors()
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(authors, ["Sofie Vermeulen"]);
        let changed: Vec<_> = store
            .changes_since(0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        assert_eq!(changed, [first.id, last.id]);

        // Lookups by text PostgreSQL cannot hold find nothing rather than failing.
        assert_eq!(store.article_by_key("a\0b").await.unwrap(), None);
        assert_eq!(store.author_by_slug("a\0b").await.unwrap(), None);
        assert_eq!(store.topic_by_slug("a\0b").await.unwrap(), None);
        assert_eq!(store.find_topic("a\0b").await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn scheduled_and_unpublished_articles_stay_hidden() {
    with_store(|store, _| async move {
        let club = topic(&store, "Club Brugge", TopicKind::Club, &[]).await;
        let scheduled = save(
            &store,
            &NewArticle {
                topics: vec![club.id],
                ..article("Straks", -60)
            },
        )
        .await
        .id;
        let now = save(
            &store,
            &NewArticle {
                topics: vec![club.id],
                related: vec![scheduled],
                ..article("Nu", 0)
            },
        )
        .await
        .id;
        let author = store
            .author_by_slug("sofie-vermeulen")
            .await
            .unwrap()
            .unwrap();
        let queries = [
            all(),
            ArticleQuery {
                topic: Some(club.id),
                ..all()
            },
            ArticleQuery {
                author: Some(author.id),
                ..all()
            },
        ];

        // Published exactly now counts as visible; the scheduled one not yet.
        assert!(store.article(scheduled, t0()).await.unwrap().is_none());
        let shown = store.article(now, t0()).await.unwrap().unwrap();
        assert!(shown.related.is_empty(), "scheduled related article shown");
        for q in &queries {
            assert_eq!(list(&store, q.clone(), t0()).await, [now]);
        }
        assert_eq!(
            store.came_due(t0(), t0() + mins(60)).await.unwrap(),
            [scheduled]
        );
        assert!(
            store
                .came_due(t0() + mins(60), t0() + mins(120))
                .await
                .unwrap()
                .is_empty()
        );

        let later = t0() + mins(60);
        assert!(store.article(scheduled, later).await.unwrap().is_some());
        let shown = store.article(now, later).await.unwrap().unwrap();
        assert_eq!(shown.related.len(), 1);
        for q in &queries {
            assert_eq!(list(&store, q.clone(), later).await, [scheduled, now]);
        }

        store.set_published(scheduled, false, later).await.unwrap();
        assert!(store.article(scheduled, later).await.unwrap().is_none());
        assert!(
            store
                .article(now, later)
                .await
                .unwrap()
                .unwrap()
                .related
                .is_empty()
        );
        for q in &queries {
            assert_eq!(list(&store, q.clone(), later).await, [now]);
        }
        assert!(store.came_due(t0(), later).await.unwrap().is_empty());
        // Taken off the site, it is still stored and found by key lookups and counts.
        assert_eq!(store.article_count().await.unwrap(), 2);

        store.set_published(scheduled, true, later).await.unwrap();
        assert!(store.article(scheduled, later).await.unwrap().is_some());
        assert!(matches!(
            store.set_published(987_654, false, later).await,
            Err(StoreError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn lists_page_by_topic_author_offset_and_cursor() {
    with_store(|store, _| async move {
        let club = topic(&store, "Club Brugge", TopicKind::Club, &[]).await;
        let mut ids = Vec::new();
        // Minutes ago; two pairs share their time, so the id breaks the tie.
        for (i, m) in [50, 40, 40, 30, 20, 20, 10].into_iter().enumerate() {
            let a = NewArticle {
                author_name: if i % 2 == 0 {
                    "Jan Peeters"
                } else {
                    "Els Claes"
                }
                .into(),
                topics: if i < 4 { vec![club.id] } else { vec![] },
                ..article(&format!("Stuk {i}"), m)
            };
            ids.push(save(&store, &a).await.id);
        }
        let newest_first = [ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]];
        assert_eq!(list(&store, all(), t0()).await, newest_first);

        // Keyset paging walks the same list, two at a time.
        let mut walked = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .articles(
                    &ArticleQuery {
                        after,
                        limit: 2,
                        ..Default::default()
                    },
                    t0(),
                )
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Cursor::decode(&Cursor::of(last).encode());
            walked.extend(page.iter().map(|a| a.id));
        }
        assert_eq!(walked, newest_first);

        let page = |offset, limit| ArticleQuery {
            offset,
            limit,
            ..Default::default()
        };
        assert_eq!(list(&store, page(2, 3), t0()).await, newest_first[2..5]);
        assert!(list(&store, page(7, 3), t0()).await.is_empty());
        assert!(list(&store, page(0, 0), t0()).await.is_empty());

        let on_topic = |after| ArticleQuery {
            topic: Some(club.id),
            after,
            limit: 2,
            ..Default::default()
        };
        assert_eq!(list(&store, on_topic(None), t0()).await, [ids[3], ids[2]]);
        let second = store.articles(&on_topic(None), t0()).await.unwrap();
        let cursor = Some(Cursor::of(&second[1]));
        assert_eq!(list(&store, on_topic(cursor), t0()).await, [ids[1], ids[0]]);

        let jan = store.author_by_slug("jan-peeters").await.unwrap().unwrap();
        let by_jan = ArticleQuery {
            author: Some(jan.id),
            offset: 1,
            ..all()
        };
        assert_eq!(list(&store, by_jan, t0()).await, [ids[4], ids[2], ids[0]]);
        // A topic wins over an author when both are asked, as on SQLite.
        let both = ArticleQuery {
            topic: Some(club.id),
            author: Some(jan.id),
            ..all()
        };
        assert_eq!(
            list(&store, both, t0()).await,
            [ids[3], ids[2], ids[1], ids[0]]
        );
    })
    .await;
}

#[tokio::test]
async fn topics_upsert_by_folded_name_and_are_found_by_alias() {
    with_store(|store, _| async move {
        assert!(store.topics().await.unwrap().is_empty());
        let standard = topic(
            &store,
            " Standard Luik ",
            TopicKind::Person,
            &["Rouches", "  ", "rouches", "Les Rouches"],
        )
        .await;
        assert_eq!(standard.name, "Standard Luik");
        assert_eq!(standard.slug, "standard-luik");
        assert_eq!(standard.aliases, ["Rouches", "Les Rouches"]);

        // The same name, folded: updated in place, aliases replaced.
        let again = topic(&store, "stándard  LUIK", TopicKind::Club, &["Standard"]).await;
        assert_eq!(again.id, standard.id);
        assert_eq!(again.kind, TopicKind::Club);
        // Another name with the same address is refused.
        let clash = store
            .save_topic(&NewTopic::named("Standard-Luik", TopicKind::Club))
            .await;
        match clash {
            Err(StoreError::Invalid(m)) => assert_eq!(
                m,
                "topic Standard-Luik would share its address with stándard  LUIK"
            ),
            other => panic!("{other:?}"),
        }
        let empty = store
            .save_topic(&NewTopic::named("  ", TopicKind::Club))
            .await;
        assert!(matches!(empty, Err(StoreError::Invalid(m)) if m == "topic name is empty"));

        let found = store.find_topic("  STANDARD ").await.unwrap().unwrap();
        assert_eq!(found.id, standard.id);
        assert_eq!(found.aliases, ["Standard"]);
        assert_eq!(
            store
                .find_topic("Standard Luik")
                .await
                .unwrap()
                .map(|t| t.id),
            Some(standard.id)
        );
        assert!(store.find_topic("Rouches").await.unwrap().is_none());
        assert_eq!(
            store
                .topic_by_slug("standard-luik")
                .await
                .unwrap()
                .map(|t| t.id),
            Some(standard.id)
        );
        assert!(store.topic_by_slug("genk").await.unwrap().is_none());

        // Kind, then name in byte order (capitals first), as on SQLite.
        topic(&store, "anderlecht", TopicKind::Club, &[]).await;
        topic(&store, "Zulte Waregem", TopicKind::Club, &[]).await;
        topic(&store, "Jupiler Pro League", TopicKind::Competition, &[]).await;
        let names: Vec<_> = store
            .topics()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(
            names,
            [
                "Zulte Waregem",
                "anderlecht",
                "stándard  LUIK",
                "Jupiler Pro League"
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn authors_are_created_once_with_a_unique_slug() {
    with_store(|store, _| async move {
        for name in [
            "Jan Peeters",
            " jan  PEETERS ",
            "Jan-Peeters",
            "Élise Dubois",
        ] {
            save(
                &store,
                &NewArticle {
                    author_name: name.into(),
                    ..article(name, 5)
                },
            )
            .await;
        }
        let authors: Vec<_> = store
            .authors()
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.name, a.slug))
            .collect();
        let pairs: Vec<_> = authors
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                // The byline rule: white space folded, case kept, so " jan  PEETERS " is
                // someone else than "Jan Peeters", with an address of its own.
                ("Jan Peeters", "jan-peeters"),
                ("Jan-Peeters", "jan-peeters-3"),
                ("jan PEETERS", "jan-peeters-2"),
                ("Élise Dubois", "elise-dubois"),
            ]
        );
        let jan = store.author_by_slug("jan-peeters").await.unwrap().unwrap();
        let by_jan = ArticleQuery {
            author: Some(jan.id),
            ..all()
        };
        assert_eq!(
            list(&store, by_jan, t0()).await.len(),
            1,
            "\" jan  PEETERS \" wrote the other"
        );
        assert!(store.author_by_slug("nobody").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn the_change_log_records_every_article_write() {
    with_store(|store, _| async move {
        assert_eq!(store.last_change().await.unwrap(), 0);
        assert!(store.changes_since(0, 10).await.unwrap().is_empty());
        let a = save(&store, &keyed("k:a", "A", 10)).await.id;
        let b = save(&store, &article("B", 5)).await.id;
        save(&store, &keyed("k:a", "A bijgewerkt", 10)).await;
        store.set_published(b, false, t0()).await.unwrap();
        let _ = store.set_published(987_654, true, t0()).await;

        let changes = store.changes_since(0, 10).await.unwrap();
        let ids: Vec<_> = changes.iter().map(|(_, id)| *id).collect();
        assert_eq!(ids, [a, b, a, b]);
        assert!(changes.windows(2).all(|w| w[0].0 < w[1].0));
        let last = store.last_change().await.unwrap();
        assert_eq!(last, changes[3].0);
        assert_eq!(
            store.changes_since(changes[1].0, 1).await.unwrap(),
            [changes[2]]
        );
        assert!(store.changes_since(last, 10).await.unwrap().is_empty());

        // came_due: (after, upto], published ones only.
        let soon = save(&store, &article("Straks", -30)).await.id;
        assert_eq!(store.came_due(t0(), t0() + mins(30)).await.unwrap(), [soon]);
        assert!(
            store
                .came_due(t0() + mins(30), t0() + mins(60))
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .came_due(t0() - mins(1), t0() + mins(29))
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn writers_on_two_connections_keep_the_change_log_in_order() {
    with_store(|store, place| async move {
        let other = PgStore::connect_in_schema(&place.url, &place.schema)
            .await
            .unwrap();
        let write = |s: PgStore, who: &'static str| async move {
            for i in 0..15 {
                let batch = [article(&format!("{who} {i}"), i), article(who, i)];
                for outcome in s.save_articles(&batch, t0()).await.unwrap() {
                    outcome.unwrap();
                }
            }
        };
        tokio::join!(write(store.clone(), "een"), write(other.clone(), "twee"));
        let changes = store.changes_since(0, 1000).await.unwrap();
        assert_eq!(changes.len(), 60);
        assert!(changes.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(store.article_count().await.unwrap(), 60);
        // One author row however the writers interleaved.
        assert_eq!(store.authors().await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_database_newer_than_this_build_is_refused() {
    with_store(|store, place| async move {
        // Migrating an up-to-date schema again is a no-op.
        let again = PgStore::connect_in_schema(&place.url, &place.schema)
            .await
            .unwrap();
        assert_eq!(again.migrate().await.unwrap(), SCHEMA_VERSION);
        store
            .force_schema_version_for_tests(SCHEMA_VERSION + 98)
            .await;
        let err = PgStore::connect_in_schema(&place.url, &place.schema)
            .await
            .err()
            .expect("refused");
        assert!(
            err.to_string().contains("newer than this Tribune knows"),
            "{err}"
        );
    })
    .await;
}

#[tokio::test]
async fn nodes_starting_together_migrate_once() {
    let Some(url) = url() else {
        eprintln!("skipped: {URL_VAR} is not set");
        return;
    };
    let schema = schema_name();
    let (a, b, c) = tokio::join!(
        PgStore::connect_in_schema(&url, &schema),
        PgStore::connect_in_schema(&url, &schema),
        PgStore::connect_in_schema(&url, &schema),
    );
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    save(&a, &article("Eén", 1)).await;
    assert_eq!(b.article_count().await.unwrap(), 1);
    assert_eq!(c.last_change().await.unwrap(), 1);
    // A plain connect uses whatever search_path the URL gives, and never drops a schema.
    let sep = if url.contains('?') { '&' } else { '?' };
    let plain = PgStore::connect(&format!("{url}{sep}options[search_path]={schema}"))
        .await
        .unwrap();
    assert_eq!(plain.article_count().await.unwrap(), 1);
    assert!(matches!(
        plain.drop_schema().await,
        Err(StoreError::Invalid(_))
    ));
    a.drop_schema().await.unwrap();
    assert!(matches!(
        PgStore::connect_in_schema(&url, "Geen-Schema").await,
        Err(StoreError::Invalid(_))
    ));
}

/// Notifications are for the whole database, and other tests save articles with small ids
/// meanwhile: this test's articles get ids from here up, and it hears only those.
const OWN_IDS: i64 = 1_000_000_000_000;

async fn next_own(listener: &mut PgListener) -> Option<i64> {
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), listener.recv())
            .await
            .ok()?
            .unwrap();
        assert_eq!(n.channel(), CHANNEL);
        let id: i64 = n.payload().parse().unwrap();
        if id >= OWN_IDS {
            return Some(id);
        }
    }
}

#[tokio::test]
async fn listeners_hear_committed_writes_only() {
    with_store(|store, place| async move {
        let start = OWN_IDS + i64::try_from(nanos() % 1_000_000_000).unwrap() * 1_000;
        let mut raw = place.raw().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE articles ALTER COLUMN id RESTART WITH {start}"
        )))
        .execute(&mut raw)
        .await
        .unwrap();
        let mut listener = PgListener::connect(&place.url).await.unwrap();
        listener.listen(CHANNEL).await.unwrap();

        let first = save(&store, &keyed("n:1", "Eerste", 5)).await.id;
        assert_eq!(first, start);
        assert_eq!(next_own(&mut listener).await, Some(first));

        // A batch that fails on the database after its first article was written: the
        // whole transaction rolls back, and so does that article's notification.
        sqlx::raw_sql("ALTER TABLE photos ADD CONSTRAINT no_boom CHECK (credit <> 'boom')")
            .execute(&mut raw)
            .await
            .unwrap();
        let boom = NewArticle {
            photo: Some(Photo {
                path: "boom.jpg".into(),
                credit: "boom".into(),
                caption: None,
                width: 1,
                height: 1,
            }),
            ..keyed("n:3", "Boem", 1)
        };
        let failed = store
            .save_articles(&[keyed("n:2", "Teruggedraaid", 2), boom], t0())
            .await;
        assert!(matches!(failed, Err(StoreError::Backend(_))), "{failed:?}");
        assert_eq!(store.article_by_key("n:2").await.unwrap(), None);
        // Nor does an unknown id, or an invalid article.
        assert!(store.set_published(start - 1, false, t0()).await.is_err());
        let bad = store
            .save_article(
                &NewArticle {
                    topics: vec![5],
                    ..keyed("n:4", "Ongeldig", 1)
                },
                t0(),
            )
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))));

        // So the next thing heard is the next committed write.
        store.set_published(first, false, t0()).await.unwrap();
        assert_eq!(next_own(&mut listener).await, Some(first));
        let last = save(&store, &keyed("n:5", "Laatste", 1)).await.id;
        assert!(last > first + 1, "the rolled-back insert used an id");
        assert_eq!(next_own(&mut listener).await, Some(last));
        let changed: Vec<_> = store
            .changes_since(0, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        assert_eq!(changed, [first, first, last]);
        raw.close().await.unwrap();
    })
    .await;
}
