//! What only PostgreSQL has to get right about comments, votes and polls: many writers at
//! once, on several connections (as several nodes would be), without the article-write lock.
//! Set TRIBUNE_TEST_PG_URL (for example postgres://postgres@127.0.0.1:5432/test); each test
//! gets a schema of its own, dropped at the end; without the variable the tests pass after
//! saying they were skipped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use tribune_core::account::{Account, NewAccount, Role};
use tribune_core::article::ArticleId;
use tribune_core::comment::{
    Comment, CommentAction, CommentCursor, CommentId, CommentSort, NewComment, render,
};
use tribune_core::moderation::{Verdict, fingerprint};
use tribune_core::poll::NewPoll;
use tribune_core::store::{AccountStore, CommentStore, PollStore};
use tribune_core::{ArticleKind, NewArticle, Store, StoreError};
use tribune_store::PgStore;

const URL_VAR: &str = "TRIBUNE_TEST_PG_URL";

/// Long enough for any honest run on a small machine; a deadlock or a lost wake-up shows as
/// this timeout rather than as a hung test.
const PATIENCE: Duration = Duration::from_secs(120);

fn url() -> Option<String> {
    std::env::var(URL_VAR).ok().filter(|u| !u.is_empty())
}

fn schema_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "tribune_test_c_{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The tests here each load the machine with a hundred writers; they take turns, so that
/// each measures the store rather than the other tests.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs `test` against two stores (two pools, as two nodes) on one fresh schema, dropped
/// afterwards even when the test fails. Skips (passing) when no database is configured.
async fn with_nodes<F, Fut>(test: F)
where
    F: FnOnce(PgStore, PgStore) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(url) = url() else {
        eprintln!("skipped: {URL_VAR} is not set");
        return;
    };
    let _turn = TURN.lock().await;
    let schema = schema_name();
    let one = PgStore::connect_in_schema(&url, &schema).await.unwrap();
    let two = PgStore::connect_in_schema(&url, &schema).await.unwrap();
    let outcome =
        tokio::time::timeout(PATIENCE, tokio::spawn(test(one.clone(), two.clone()))).await;
    two.drop_schema().await.unwrap();
    match outcome {
        Err(_) => panic!("the test did not finish within {PATIENCE:?}: a deadlock?"),
        Ok(Err(e)) => std::panic::resume_unwind(e.into_panic()),
        Ok(Ok(())) => {}
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap()
}

async fn article(store: &PgStore, title: &str) -> ArticleId {
    let a = NewArticle {
        external_key: None,
        title: title.into(),
        kind: ArticleKind::News,
        source: None,
        author_name: "Sofie Vermeulen".into(),
        published_at: t0() - TimeDelta::hours(1),
        lead: format!("{title}: de lead."),
        body_markdown: "Eerste alinea.".into(),
        photo: None,
        topics: vec![],
        related: vec![],
    };
    store.save_article(&a, t0()).await.unwrap().id
}

async fn accounts(store: &PgStore, n: usize, role: Role) -> Vec<Account> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let account = store
            .create_account(
                &NewAccount {
                    email: format!("{}{i}@voorbeeld.be", role.as_str()),
                    display_name: format!("{} {i}", role.label()),
                    password_hash: "$argon2id$x".into(),
                    role,
                    verified: true,
                },
                t0(),
            )
            .await
            .unwrap();
        out.push(account);
    }
    out
}

fn said(article: ArticleId, author: &Account, body: &str) -> NewComment {
    NewComment {
        article_id: article,
        author_id: author.id,
        reply_to: None,
        body_markdown: body.into(),
        body_html: render(body),
        fingerprint: fingerprint(body),
        verdict: Verdict::Visible,
        reasons: vec![],
        risk: 0,
        shadow: false,
    }
}

/// Alternates between the two nodes.
fn node<'a>(one: &'a PgStore, two: &'a PgStore, i: usize) -> PgStore {
    if i.is_multiple_of(2) {
        one.clone()
    } else {
        two.clone()
    }
}

async fn assert_consistent(store: &PgStore, after: &str) {
    let wrong = store.counter_mismatches().await.unwrap();
    assert!(wrong.is_empty(), "after {after}: {wrong:?}");
}

async fn count(store: &PgStore, article: ArticleId) -> i64 {
    store
        .article(article, t0())
        .await
        .unwrap()
        .unwrap()
        .comment_count
}

#[tokio::test]
async fn a_hundred_comments_at_once_on_one_article_all_land_and_count() {
    with_nodes(|one, two| async move {
        let topper = article(&one, "Club wint de topper").await;
        let readers = accounts(&one, 100, Role::Reader).await;
        let root = one
            .add_comment(&said(topper, &readers[0], "Wat een match!"), t0())
            .await
            .unwrap();
        let started = Instant::now();
        let tasks: Vec<_> = readers
            .iter()
            .enumerate()
            .map(|(i, reader)| {
                let store = node(&one, &two, i);
                let mut new = said(topper, reader, &format!("Reactie {i}"));
                // Top-level comments, replies to the root and held-back ones, all mixed:
                // every kind of counter is changed at once.
                if i % 3 == 1 {
                    new.reply_to = Some(root.id);
                }
                if i % 7 == 3 {
                    new.verdict = Verdict::Pending;
                }
                tokio::spawn(async move { store.add_comment(&new, t0()).await })
            })
            .collect();
        let mut stored = Vec::new();
        for t in tasks {
            stored.push(t.await.unwrap().expect("every comment is stored"));
        }
        eprintln!(
            "100 comments at once on one article: {:?}",
            started.elapsed()
        );
        let ids: HashSet<CommentId> = stored.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), 100);
        let public = stored.iter().filter(|c| c.public).count() as i64;
        assert_eq!(count(&one, topper).await, public + 1, "the root counts too");
        let replies = stored
            .iter()
            .filter(|c| c.public && c.root_id == Some(root.id))
            .count() as i64;
        assert_eq!(
            one.comment(root.id).await.unwrap().unwrap().reply_count,
            replies
        );
        for (i, reader) in readers.iter().enumerate() {
            let trust = one
                .account(reader.id)
                .await
                .unwrap()
                .unwrap()
                .approved_comments;
            let expected = i64::from(i % 7 != 3) + i64::from(i == 0);
            assert_eq!(trust, expected, "reader {i}");
        }
        // The other nodes were told: the article, the root, then at least one change for
        // the burst (comments committed together share one) and never more than one each.
        let changes = two.changes_since(0, 1000).await.unwrap();
        assert!(
            (3..=1 + public + 1).contains(&(changes.len() as i64)),
            "article, root and the burst: {} changes for {public} public comments",
            changes.len()
        );
        assert!(changes.iter().all(|(_, id)| *id == topper));
        assert_consistent(&two, "100 comments at once").await;
    })
    .await;
}

#[tokio::test]
async fn votes_edits_and_moderation_on_one_busy_thread_never_deadlock() {
    with_nodes(|one, two| async move {
        let topper = article(&one, "Club wint de topper").await;
        let readers = accounts(&one, 60, Role::Reader).await;
        let moderator = accounts(&one, 1, Role::Moderator).await.remove(0);
        let root = one
            .add_comment(&said(topper, &readers[0], "Wat een match!"), t0())
            .await
            .unwrap();
        let mut held = Vec::new();
        for (i, r) in readers.iter().enumerate().take(20).skip(1) {
            let new = NewComment {
                reply_to: Some(root.id),
                verdict: Verdict::Pending,
                ..said(topper, r, &format!("Wacht {i}"))
            };
            held.push(one.add_comment(&new, t0()).await.unwrap());
        }
        let mut tasks = Vec::new();
        // Readers reply, vote on the root and report it, while a moderator approves the
        // held-back replies and the root's author edits it: all on the same rows.
        for (i, r) in readers.iter().enumerate().skip(1) {
            let store = node(&one, &two, i);
            let (r, root_id) = (r.clone(), root.id);
            tasks.push(tokio::spawn(async move {
                let reply = NewComment {
                    reply_to: Some(root_id),
                    ..said(topper, &r, &format!("Antwoord {i}"))
                };
                store.add_comment(&reply, t0()).await.map(|_| ())?;
                store
                    .vote_comment(root_id, r.id, if i.is_multiple_of(4) { -1 } else { 1 })
                    .await
                    .map(|_| ())?;
                if i.is_multiple_of(5) {
                    store
                        .report_comment(
                            root_id,
                            r.id,
                            tribune_core::comment::ReportReason::Spam,
                            "",
                            t0(),
                        )
                        .await
                        .map(|_| ())?;
                }
                Ok::<(), StoreError>(())
            }));
        }
        for (i, h) in held.iter().enumerate() {
            let store = node(&one, &two, i + 1);
            let (id, m) = (h.id, moderator.id);
            tasks.push(tokio::spawn(async move {
                store
                    .moderate_comment(id, m, CommentAction::Approve, "", t0())
                    .await
                    .map(|_| ())
            }));
        }
        for i in 0..5 {
            let store = node(&one, &two, i);
            let (id, author) = (root.id, readers[0].id);
            tasks.push(tokio::spawn(async move {
                let body = format!("Wat een match! (bewerkt {i})");
                let edit = tribune_core::comment::CommentEdit {
                    body_html: render(&body),
                    fingerprint: fingerprint(&body),
                    body_markdown: body,
                    verdict: Verdict::Visible,
                    reasons: vec![],
                    risk: 0,
                };
                store
                    .edit_comment(id, author, &edit, t0())
                    .await
                    .map(|_| ())
            }));
        }
        for t in tasks {
            t.await.unwrap().expect("every write goes through");
        }
        let root = one.comment(root.id).await.unwrap().unwrap();
        assert_eq!(root.reply_count, 59 + 19);
        assert_eq!(root.up + root.down, 59);
        assert_eq!(
            root.down,
            (1..60).filter(|i: &usize| i.is_multiple_of(4)).count() as i64
        );
        assert_eq!(count(&one, topper).await, 1 + 59 + 19);
        assert_eq!(one.comment_revisions(root.id).await.unwrap().len(), 5);
        assert_consistent(&one, "a busy thread").await;
    })
    .await;
}

#[tokio::test]
async fn readers_of_the_change_log_never_skip_a_change_that_commits_late() {
    with_nodes(|one, two| async move {
        let articles = [
            article(&one, "Eén").await,
            article(&one, "Twee").await,
            article(&one, "Drie").await,
        ];
        let readers = accounts(&one, 120, Role::Reader).await;
        let start = two.last_change().await.unwrap();
        let writing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        // A follower, as a node runs it: it moves to the last number it read, and reads
        // once more after the writers are done.
        let follower = {
            let store = two.clone();
            let writing = writing.clone();
            tokio::spawn(async move {
                let mut seen = BTreeSet::new();
                let mut position = start;
                loop {
                    let last_round = !writing.load(Ordering::SeqCst);
                    for (seq, _) in store.changes_since(position, 1000).await.unwrap() {
                        seen.insert(seq);
                        position = seq;
                    }
                    if last_round {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                seen
            })
        };
        let mut tasks = Vec::new();
        for (i, r) in readers.iter().enumerate() {
            let store = node(&one, &two, i);
            let new = said(articles[i % 3], r, &format!("Reactie {i}"));
            tasks.push(tokio::spawn(async move {
                store.add_comment(&new, t0()).await.map(|_| ())
            }));
        }
        // Article writes under their own lock, in between.
        for i in 0..10 {
            let store = node(&one, &two, i);
            let id = articles[i % 3];
            tasks.push(tokio::spawn(async move {
                store.set_published(id, true, t0()).await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        writing.store(false, Ordering::SeqCst);
        let seen = follower.await.unwrap();
        let all: BTreeSet<i64> = one
            .changes_since(start, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|(seq, _)| seq)
            .collect();
        // Comments committed together share a change; every publish has its own.
        assert!((10 + 3..=130).contains(&all.len()), "{} changes", all.len());
        assert_eq!(seen, all, "the follower missed changes that committed late");
    })
    .await;
}

#[tokio::test]
async fn many_readers_vote_in_one_poll_at_once() {
    with_nodes(|one, two| async move {
        let topper = article(&one, "Club wint de topper").await;
        let readers = accounts(&one, 90, Role::Reader).await;
        let poll = one
            .create_poll(
                &NewPoll {
                    article_id: topper,
                    question: "Man van de match?".into(),
                    options: vec!["Vanaken".into(), "Nusa".into(), "Mignolet".into()],
                    closes_at: None,
                },
                t0(),
            )
            .await
            .unwrap();
        let tasks: Vec<_> = readers
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let store = node(&one, &two, i);
                let (poll_id, option, account) = (poll.id, poll.options[i % 3].id, r.id);
                tokio::spawn(async move { store.vote_poll(poll_id, option, account, t0()).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().expect("every vote counts");
        }
        let poll = two.poll(poll.id).await.unwrap().unwrap();
        assert_eq!(poll.total_votes, 90);
        assert_eq!(
            poll.options.iter().map(|o| o.votes).collect::<Vec<_>>(),
            vec![30, 30, 30]
        );
        assert_consistent(&one, "90 poll votes at once").await;
    })
    .await;
}

#[tokio::test]
async fn one_reader_voting_twice_at_once_is_counted_once() {
    with_nodes(|one, two| async move {
        let topper = article(&one, "Club wint de topper").await;
        let people = accounts(&one, 2, Role::Reader).await;
        let (jan, piet) = (people[0].clone(), people[1].clone());
        let poll = one
            .create_poll(
                &NewPoll {
                    article_id: topper,
                    question: "Man van de match?".into(),
                    options: vec!["Vanaken".into(), "Nusa".into()],
                    closes_at: None,
                },
                t0(),
            )
            .await
            .unwrap();
        // Ten clicks at once, on both nodes, for both options.
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let store = node(&one, &two, i);
                let (poll_id, option, account) = (poll.id, poll.options[i % 2].id, jan.id);
                tokio::spawn(async move { store.vote_poll(poll_id, option, account, t0()).await })
            })
            .collect();
        let mut counted = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => counted += 1,
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("a second vote is a conflict, not {e:?}"),
            }
        }
        assert_eq!(counted, 1, "exactly one vote counts");
        let poll = one.poll(poll.id).await.unwrap().unwrap();
        assert_eq!(poll.total_votes, 1);
        assert_eq!(poll.options.iter().map(|o| o.votes).sum::<i64>(), 1);

        // The same for comment votes: whatever the order, one vote per reader.
        let c = one
            .add_comment(&said(topper, &piet, "Vanaken was de beste"), t0())
            .await
            .unwrap();
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let store = node(&one, &two, i);
                let (id, account) = (c.id, jan.id);
                tokio::spawn(async move { store.vote_comment(id, account, 1).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let c = one.comment(c.id).await.unwrap().unwrap();
        assert_eq!((c.up, c.down), (1, 0));
        assert_consistent(&one, "votes at once by one reader").await;
    })
    .await;
}

#[tokio::test]
async fn deleting_an_account_while_it_comments_and_votes_keeps_counts_exact() {
    with_nodes(|one, two| async move {
        let topper = article(&one, "Club wint de topper").await;
        let people = accounts(&one, 3, Role::Reader).await;
        let (jan, piet, an) = (people[0].clone(), people[1].clone(), people[2].clone());
        let theirs = one
            .add_comment(&said(topper, &piet, "Wat een match!"), t0())
            .await
            .unwrap();
        for i in 0..5 {
            one.add_comment(&said(topper, &jan, &format!("Eerder {i}")), t0())
                .await
                .unwrap();
        }
        let writer = {
            let store = two.clone();
            let (jan, root) = (jan.clone(), theirs.id);
            tokio::spawn(async move {
                for i in 0..30u32 {
                    let new = NewComment {
                        reply_to: (i.is_multiple_of(2)).then_some(root),
                        ..said(topper, &jan, &format!("Nog {i}"))
                    };
                    // Once the account is gone its comments are refused; that is fine.
                    if store.add_comment(&new, t0()).await.is_err() {
                        break;
                    }
                }
            })
        };
        let voter = {
            let store = two.clone();
            let (an, jan, root) = (an.clone(), jan.clone(), theirs.id);
            tokio::spawn(async move {
                for i in 0..30u32 {
                    let _ = store
                        .vote_comment(root, jan.id, if i.is_multiple_of(2) { 1 } else { -1 })
                        .await;
                    let _ = store.vote_comment(root, an.id, 1).await;
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        one.delete_account(jan.id, t0()).await.unwrap();
        writer.await.unwrap();
        voter.await.unwrap();
        assert!(one.account(jan.id).await.unwrap().is_none());
        assert_consistent(&one, "deleting a busy account").await;
        assert_eq!(count(&one, topper).await, 1, "only piet's comment is left");
    })
    .await;
}

#[tokio::test]
async fn five_thousand_comments_page_through_in_every_order() {
    with_nodes(|one, _two| async move {
        let topper = article(&one, "Club wint de topper").await;
        let readers = accounts(&one, 50, Role::Reader).await;
        let mut roots: Vec<Comment> = Vec::new();
        // 5,000 comments: a quarter of them replies, some placeholders, scores spread.
        let started = Instant::now();
        for chunk in 0..50 {
            let tasks: Vec<_> = (0..100)
                .map(|k| {
                    let i = chunk * 100 + k;
                    let store = one.clone();
                    let mut new = said(topper, &readers[i % 50], &format!("Reactie {i}"));
                    if i % 4 == 3 && !roots.is_empty() {
                        new.reply_to = Some(roots[i % roots.len()].id);
                    }
                    let at = t0() + TimeDelta::milliseconds(i as i64 / 3);
                    tokio::spawn(async move { store.add_comment(&new, at).await.unwrap() })
                })
                .collect();
            for t in tasks {
                let c = t.await.unwrap();
                if c.root_id.is_none() {
                    roots.push(c);
                }
            }
        }
        eprintln!("5,000 comments stored in {:?}", started.elapsed());
        let voter = accounts(&one, 1, Role::Moderator).await.remove(0);
        for (i, r) in roots
            .iter()
            .enumerate()
            .filter(|(i, _)| i.is_multiple_of(9))
        {
            let value = if i.is_multiple_of(2) { 1 } else { -1 };
            one.vote_comment(r.id, voter.id, value)
                .await
                .unwrap_or_else(|e| panic!("vote on {}: {e}", r.id));
        }
        assert_consistent(&one, "5,000 comments").await;
        for sort in CommentSort::ALL {
            let started = Instant::now();
            let mut after = None;
            let mut seen = HashSet::new();
            let mut pages = 0;
            loop {
                let page = one.comments_page(topper, sort, after, 50, 3).await.unwrap();
                pages += 1;
                for t in &page.threads {
                    assert!(seen.insert(t.root.id), "{sort:?}: {} twice", t.root.id);
                    assert!(t.replies.len() <= 3);
                }
                match page.next {
                    Some(next) => after = CommentCursor::decode(&next),
                    None => break,
                }
            }
            let took = started.elapsed();
            eprintln!("{sort:?}: {pages} pages in {took:?}");
            // Speed is measured in bench/, never asserted here.
            assert_eq!(seen.len(), roots.len(), "{sort:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_removed_comment_goes_through_every_counter_in_one_transaction() {
    with_nodes(|one, two| async move {
        let topper = article(&one, "Club wint de topper").await;
        let people = accounts(&one, 2, Role::Reader).await;
        let moderator = accounts(&one, 1, Role::Moderator).await.remove(0);
        let root = one
            .add_comment(&said(topper, &people[0], "Wat een match!"), t0())
            .await
            .unwrap();
        let reply = one
            .add_comment(
                &NewComment {
                    reply_to: Some(root.id),
                    ..said(topper, &people[1], "Zeker")
                },
                t0(),
            )
            .await
            .unwrap();
        // Remove and restore the reply over and over on one node while the other reads: the
        // article count and the thread's reply count always agree with each other.
        let flipper = {
            let store = one.clone();
            tokio::spawn(async move {
                for _ in 0..20 {
                    store
                        .moderate_comment(reply.id, moderator.id, CommentAction::Remove, "", t0())
                        .await
                        .unwrap();
                    store
                        .moderate_comment(reply.id, moderator.id, CommentAction::Restore, "", t0())
                        .await
                        .unwrap();
                }
            })
        };
        while !flipper.is_finished() {
            let page = two
                .comments_page(topper, CommentSort::Newest, None, 10, 3)
                .await
                .unwrap();
            let root = &page.threads[0].root;
            assert_eq!(root.reply_count, page.threads[0].replies.len() as i64);
        }
        flipper.await.unwrap();
        assert_eq!(count(&one, topper).await, 2);
        let trust = one
            .account(people[1].id)
            .await
            .unwrap()
            .unwrap()
            .approved_comments;
        assert_eq!(trust, 1 + 20 - 20, "removals take back what restores gave");
        assert_consistent(&one, "flipping").await;
        let nothing = one
            .moderate_comment(9999, moderator.id, CommentAction::Remove, "", t0())
            .await;
        assert!(matches!(nothing, Err(StoreError::NotFound)), "{nothing:?}");
    })
    .await;
}
