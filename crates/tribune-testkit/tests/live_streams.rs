//! The live streams over real HTTP, on both backends: a reader of a match page gets each
//! goal, entry and VAR reversal as it happens; one who reconnects (to a restarted node or to
//! another node) is replayed exactly what it missed; the site stream carries the score chip
//! and the article stream the comment count; a reader too slow to keep up is dropped
//! instead of buffered; junk is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tribune_core::account::Role;
use tribune_core::football::{Match, MatchStatus, Minute, NewLiveEntry};
use tribune_testkit::{Backend, TestApp, on_both_backends};

/// One Server-Sent Events message.
#[derive(Debug, Clone)]
struct Message {
    id: Option<i64>,
    event: String,
    data: serde_json::Value,
}

/// A stream as a browser's EventSource reads it.
struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn open(app: &TestApp, path: &str, last_event_id: Option<i64>) -> Self {
        let mut request = app.http.get(app.url(path));
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        assert_eq!(response.headers()["x-accel-buffering"], "no");
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next message (heartbeats and `retry:` skipped); `None` when the server ends the
    /// stream. The timeout only turns a hang into a failure: passing never depends on it.
    async fn next(&mut self) -> Option<Message> {
        tokio::time::timeout(Duration::from_secs(60), self.read())
            .await
            .expect("no message came")
    }

    async fn read(&mut self) -> Option<Message> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, None, None);
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        id = Some(v.parse().unwrap());
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        event = Some(v.to_string());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data = Some(serde_json::from_str(v).unwrap());
                    }
                }
                if let (Some(event), Some(data)) = (event, data) {
                    return Some(Message { id, event, data });
                }
            }
            let chunk = self.response.chunk().await.unwrap()?;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// Messages up to and including the first that `done` accepts.
    async fn until(&mut self, done: impl Fn(&Message) -> bool) -> Vec<Message> {
        let mut seen = Vec::new();
        loop {
            let m = self.next().await.expect("the stream ended early");
            let stop = done(&m);
            seen.push(m);
            if stop {
                return seen;
            }
        }
    }
}

async fn live_match(app: &TestApp) -> Match {
    app.store.live_matches().await.unwrap().remove(0)
}

fn entry(text: &str, event_id: Option<i64>) -> NewLiveEntry {
    NewLiveEntry {
        event_id,
        minute: Some(Minute::new(35, None)),
        body_markdown: text.to_string(),
        key_event: event_id.is_some(),
        pinned: false,
    }
}

/// Where the match page says its stream starts.
async fn rendered_at(app: &TestApp, m: &Match) -> i64 {
    let page = app.page(&m.path()).await;
    let at = page
        .split("data-live-since=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap();
    assert!(page.contains(&format!("data-live-match=\"{}\"", m.id)));
    at.parse().unwrap()
}

fn entry_ids(messages: &[Message]) -> Vec<i64> {
    messages
        .iter()
        .filter(|m| m.event == "entry")
        .map(|m| m.data["id"].as_i64().unwrap())
        .collect()
}

async fn a_reader_gets_every_entry_once_across_a_restart(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let m = live_match(&app).await;
    let since = rendered_at(&app, &m).await;
    // Written after the page was rendered, before the reader subscribed: not lost.
    let first = app
        .store
        .add_live_entry(m.id, &entry("Eerste na de render", None), None, app.now())
        .await
        .unwrap();
    let mut reader = Stream::open(&app, &format!("/live/match/{}?since={since}", m.id), None).await;
    app.sync().await;
    let got = reader.until(|m| m.event == "entry").await;
    assert_eq!(entry_ids(&got), vec![first.id]);
    let html = got.last().unwrap().data["html"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(html.contains("Eerste na de render"), "{html}");
    let last_seen = got.last().unwrap().id.unwrap();

    // The node goes down; meanwhile the desk writes on (another node, say).
    drop(reader);
    let mut written = Vec::new();
    for text in ["Tweede", "Derde"] {
        written.push(
            app.store
                .add_live_entry(m.id, &entry(text, None), None, app.now())
                .await
                .unwrap()
                .id,
        );
    }
    app.store
        .edit_live_entry(
            m.id,
            written[0],
            &entry("Tweede, verbeterd", None),
            app.now(),
        )
        .await
        .unwrap();
    // A restarted node knows nothing in memory: the replay comes from the match log.
    let restarted = app.second_node().await;
    let mut again = Stream::open(
        &restarted,
        &format!("/live/match/{}", m.id),
        Some(last_seen),
    )
    .await;
    let got = again.until(|msg| msg.data["id"] == written[0]).await;
    // Each entry once, as it stands now (the edited one last: its edit is the newest
    // change); the first not again.
    assert_eq!(entry_ids(&got), vec![written[1], written[0]], "{got:?}");
    assert!(
        got[1].data["html"]
            .as_str()
            .unwrap()
            .contains("Tweede, verbeterd")
    );
    let ids: Vec<i64> = got.iter().map(|m| m.id.unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    // And it goes on live from there.
    let fourth = app
        .store
        .add_live_entry(m.id, &entry("Vierde", None), None, app.now())
        .await
        .unwrap();
    restarted.sync().await;
    let got = again.until(|msg| msg.event == "entry").await;
    assert_eq!(entry_ids(&got), vec![fourth.id]);
}

async fn var_corrects_the_score_on_every_node(backend: Backend) {
    let desk = TestApp::start_demo(backend).await;
    let reader_node = desk.second_node().await;
    let m = live_match(&desk).await;
    assert_eq!(m.score.unwrap().to_string(), "1-0");
    let since = rendered_at(&reader_node, &m).await;
    let mut page = Stream::open(
        &reader_node,
        &format!("/live/match/{}?since={since}", m.id),
        None,
    )
    .await;
    let mut site = Stream::open(&reader_node, "/live/site", None).await;
    let chip = |msg: &Message| {
        msg.data["chips"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["match"] == m.path())
            .map(|c| c["text"].as_str().unwrap().to_string())
    };
    let first = site.next().await.unwrap();
    assert_eq!(chip(&first).as_deref(), Some("Genk 1-0 Antwerp"));
    assert!(
        first.data["chips"][0]["articles"].as_array().unwrap().len() > 1,
        "the chip goes beside the clubs' articles"
    );

    // The desk, through its API with a personal token.
    let (account, _) = desk.account(Role::Journalist, "Verslag Gever").await;
    let token = tribune::user::token(desk.store.as_ref(), &account.email, "console", desk.now())
        .await
        .unwrap();
    let api = |path: String, body: serde_json::Value| {
        desk.http
            .post(desk.url(&path))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let r = api(
        format!("/api/v1/desk/matches/{}/events", m.id),
        serde_json::json!({"kind": "goal", "side": "away", "minute": 35, "player": "Sven Willaert"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["match"]["score"],
        serde_json::json!({"home": 1, "away": 1})
    );
    let goal_id = body["event"]["id"].as_i64().unwrap();
    let r = api(
        format!("/api/v1/desk/matches/{}/entries", m.id),
        serde_json::json!({"text": "GOAL! Willaert maakt gelijk.", "minute": 35, "event_id": goal_id, "key_event": true}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let entry_id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();

    reader_node.sync().await;
    let got = page.until(|msg| msg.event == "entry").await;
    let board = got.iter().rev().find(|msg| msg.event == "board").unwrap();
    assert_eq!(board.data["score"], "1-1");
    assert!(
        board.data["board"]
            .as_str()
            .unwrap()
            .contains("data-score>1-1<")
    );
    let got = site
        .until(|msg| chip(msg).is_some_and(|c| c.contains("1-1")))
        .await;
    assert_eq!(
        chip(got.last().unwrap()).as_deref(),
        Some("Genk 1-1 Antwerp")
    );

    // VAR takes it back: the score, the timeline and the entry about the goal, everywhere.
    let r = api(
        format!("/api/v1/desk/matches/{}/events", m.id),
        serde_json::json!({"kind": "var_decision", "side": "away", "minute": 37, "reverses": goal_id}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    reader_node.sync().await;
    let got = page.until(|msg| msg.data["id"] == entry_id).await;
    let board = got.iter().find(|msg| msg.event == "board").unwrap();
    assert_eq!(board.data["score"], "1-0");
    assert!(
        board.data["timeline"]
            .as_str()
            .unwrap()
            .contains("cancelled")
    );
    let marked = got.last().unwrap().data["html"].as_str().unwrap();
    assert!(
        marked.contains("reversed") && marked.contains("afgekeurd na VAR"),
        "{marked}"
    );
    let got = site
        .until(|msg| chip(msg).is_some_and(|c| c.contains("1-0")))
        .await;
    assert_eq!(
        chip(got.last().unwrap()).as_deref(),
        Some("Genk 1-0 Antwerp")
    );

    // The match ends: its chip goes.
    desk.store
        .set_match_status(m.id, MatchStatus::Finished, None, desk.now())
        .await
        .unwrap();
    reader_node.sync().await;
    site.until(|msg| chip(msg).is_none()).await;
}

async fn the_article_stream_counts_comments(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let article = app
        .store
        .articles(
            &tribune_core::store::ArticleQuery {
                limit: 1,
                ..Default::default()
            },
            app.now(),
        )
        .await
        .unwrap()
        .remove(0);
    // One connection per page: the site's news comes along on the article's stream.
    let mut s = Stream::open(&app, &format!("/live/article/{}?site=1", article.id), None).await;
    let site = s.next().await.unwrap();
    assert_eq!(site.event, "site");
    assert!(
        site.data["ticker"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["url"] == article.path())
    );
    let first = s.next().await.unwrap();
    assert_eq!(first.event, "article");
    let before = first.data["comments"].as_i64().unwrap();
    assert_eq!(before, article.comment_count);
    // The node's follower has had its first look (a running node has).
    app.sync().await;
    app.comment_on(article.id, 2).await;
    app.sync().await;
    let got = s
        .until(|msg| msg.data["comments"].as_i64() == Some(before + 2))
        .await;
    assert_eq!(got.last().unwrap().event, "article");
    // The ticker's count follows too.
    let ticker_count = |msg: &Message| {
        msg.data["ticker"].as_array().and_then(|t| {
            t.iter()
                .find(|t| t["url"] == article.path())
                .and_then(|t| t["comments"].as_i64())
        })
    };
    if got.iter().all(|msg| ticker_count(msg) != Some(before + 2)) {
        s.until(|msg| ticker_count(msg) == Some(before + 2)).await;
    }
}

async fn the_match_stream_counts_its_live_articles_comments(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let m = live_match(&app).await;
    let article = m
        .article_id
        .expect("the demo's live match has its live article");
    let count = app
        .store
        .article(article, app.now())
        .await
        .unwrap()
        .unwrap()
        .comment_count;
    let since = rendered_at(&app, &m).await;
    // The match page's comment section: its counts come on the match's own stream.
    let mut s = Stream::open(
        &app,
        &format!("/live/match/{}?since={since}&article=1", m.id),
        None,
    )
    .await;
    let first = s.next().await.unwrap();
    assert_eq!(first.event, "article");
    assert_eq!(first.data["comments"].as_i64(), Some(count));
    app.sync().await;
    app.comment_on(article, 3).await;
    app.sync().await;
    s.until(|msg| msg.event == "article" && msg.data["comments"].as_i64() == Some(count + 3))
        .await;
}

async fn junk_is_refused_and_a_stale_reader_reloads(backend: Backend) {
    let app = TestApp::start_demo(backend).await;
    let m = live_match(&app).await;
    for (path, status) in [
        ("/live/match/abc".to_string(), 404),
        ("/live/match/0".to_string(), 404),
        ("/live/match/999999".to_string(), 404),
        ("/live/article/999999".to_string(), 404),
        (format!("/live/match/{}?since=-3", m.id), 400),
        (format!("/live/match/{}?since=x", m.id), 400),
        (format!("/live/match/{}?site=yes", m.id), 400),
        (format!("/live/match/{}?article=yes", m.id), 400),
    ] {
        assert_eq!(app.get(&path).await.status(), status, "{path}");
    }
    // An id from another database (a restored copy, say): the page must reload.
    let mut s = Stream::open(&app, &format!("/live/match/{}", m.id), Some(1 << 40)).await;
    let msg = s.next().await.unwrap();
    assert_eq!(msg.event, "reload");
    assert!(s.next().await.is_none(), "the stream ends after a reload");
}

on_both_backends!(
    a_reader_gets_every_entry_once_across_a_restart,
    var_corrects_the_score_on_every_node,
    the_article_stream_counts_comments,
    the_match_stream_counts_its_live_articles_comments,
    junk_is_refused_and_a_stale_reader_reloads,
);
