//! The community half of the Store, on both backends: accounts and sessions, comments with
//! their threads, pages, edits, votes and reports, the moderators' queues and log, and polls.
//! Every counter the site shows must always equal a count of its rows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tribune_core::account::{Account, NewAccount, Role, Session, TokenPurpose};
use tribune_core::article::ArticleId;
use tribune_core::comment::{
    AccountAction, Comment, CommentAction, CommentCursor, CommentEdit, CommentId, CommentSort,
    NewComment, Queue, ReportReason, render,
};
use tribune_core::moderation::{Verdict, fingerprint};
use tribune_core::poll::NewPoll;
use tribune_core::{Store, StoreError};
use tribune_testkit::{Backend, TestApp, article, on_both_backends};

/// A site with a test clock and a few helpers that read like the story they tell.
struct Site {
    app: TestApp,
}

impl Site {
    async fn open(backend: Backend) -> Self {
        Self {
            app: TestApp::start(backend).await,
        }
    }

    fn store(&self) -> &dyn Store {
        &*self.app.store
    }

    fn now(&self) -> DateTime<Utc> {
        self.app.now()
    }

    /// Moves the clock on a second, so each comment has its own moment.
    fn tick(&self) {
        self.app.clock.advance(Duration::seconds(1));
    }

    async fn article(&self, title: &str) -> ArticleId {
        self.app.save(&article(title, 60)).await.id
    }

    async fn account(&self, name: &str, role: Role) -> Account {
        self.store()
            .create_account(
                &NewAccount {
                    email: format!("{}@voorbeeld.be", name.to_lowercase().replace(' ', ".")),
                    display_name: name.into(),
                    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
                    role,
                    verified: true,
                },
                self.now(),
            )
            .await
            .unwrap_or_else(|e| panic!("creating account {name}: {e}"))
    }

    async fn reader(&self, name: &str) -> Account {
        self.account(name, Role::Reader).await
    }

    async fn add(&self, new: NewComment) -> Comment {
        self.tick();
        self.store()
            .add_comment(&new, self.now())
            .await
            .unwrap_or_else(|e| panic!("adding comment {:?}: {e}", new.body_markdown))
    }

    /// A visible top-level comment.
    async fn post(&self, article: ArticleId, author: &Account, body: &str) -> Comment {
        self.add(said(article, author, body)).await
    }

    /// A visible reply.
    async fn reply(
        &self,
        article: ArticleId,
        author: &Account,
        to: CommentId,
        body: &str,
    ) -> Comment {
        self.add(NewComment {
            reply_to: Some(to),
            ..said(article, author, body)
        })
        .await
    }

    async fn comment(&self, id: CommentId) -> Comment {
        self.store().comment(id).await.unwrap().expect("comment")
    }

    /// The count the article's page shows.
    async fn count(&self, article: ArticleId) -> i64 {
        self.store()
            .article(article, self.now())
            .await
            .unwrap()
            .expect("article visible")
            .comment_count
    }

    /// Every counter equals a count of its rows.
    async fn assert_consistent(&self, after: &str) {
        let wrong = self.store().counter_mismatches().await.unwrap();
        assert!(
            wrong.is_empty(),
            "after {after}, counters disagree with their rows: {wrong:?}"
        );
    }

    async fn moderate(&self, id: CommentId, by: &Account, action: CommentAction) -> Comment {
        self.tick();
        self.store()
            .moderate_comment(id, by.id, action, "volgens de huisregels", self.now())
            .await
            .unwrap_or_else(|e| panic!("{} on comment {id}: {e}", action.as_str()))
    }

    /// Every top-level comment of the article page by page, in the order the pages give them.
    async fn all_pages(
        &self,
        article: ArticleId,
        sort: CommentSort,
        per_page: u32,
    ) -> Vec<Comment> {
        let mut after = None;
        let mut roots = Vec::new();
        for _ in 0..1000 {
            let page = self
                .store()
                .comments_page(article, sort, after, per_page, 0)
                .await
                .unwrap();
            assert!(
                page.threads.len() <= per_page as usize,
                "a page holds at most {per_page} threads"
            );
            roots.extend(page.threads.into_iter().map(|t| t.root));
            match page.next {
                Some(next) => {
                    after = Some(CommentCursor::decode(&next).expect("next is a valid cursor"))
                }
                None => return roots,
            }
        }
        panic!("paging in {sort:?} order never ends");
    }
}

/// A visible top-level comment, as the moderation rules would hand it to the store.
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

fn edit(body: &str, verdict: Verdict) -> CommentEdit {
    CommentEdit {
        body_markdown: body.into(),
        body_html: render(body),
        fingerprint: fingerprint(body),
        verdict,
        reasons: vec![],
        risk: 0,
    }
}

fn ids(comments: &[Comment]) -> Vec<CommentId> {
    comments.iter().map(|c| c.id).collect()
}

async fn counts_follow_every_change_of_what_the_public_sees(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let other = site.article("Genk wint de derby").await;
    let jan = site.reader("Jan Peeters").await;
    let piet = site.reader("Piet Claes").await;
    let mod_an = site.account("An Moderator", Role::Moderator).await;

    let first = site.post(topper, &jan, "Wat een match!").await;
    let second = site.post(topper, &jan, "Vanaken was de beste.").await;
    let waiting = site
        .add(NewComment {
            verdict: Verdict::Pending,
            ..said(topper, &piet, "Eerste reactie van een nieuwe lezer")
        })
        .await;
    let hidden = site
        .add(NewComment {
            shadow: true,
            ..said(topper, &piet, "Niemand ziet dit behalve ik")
        })
        .await;
    site.post(other, &piet, "Genk verdiende het").await;
    assert!(first.public && !waiting.public && !hidden.public);
    assert_eq!(
        site.count(topper).await,
        2,
        "pending and shadow comments are not counted"
    );
    assert_eq!(site.count(other).await, 1);
    assert_eq!(
        site.store()
            .account(jan.id)
            .await
            .unwrap()
            .unwrap()
            .approved_comments,
        2,
        "each comment that went public at once counts towards its author's trust"
    );
    site.assert_consistent("adding comments").await;

    let answer = site
        .reply(topper, &piet, first.id, "Helemaal akkoord")
        .await;
    assert_eq!(site.count(topper).await, 3, "public replies count too");
    assert_eq!(site.comment(first.id).await.reply_count, 1);
    site.assert_consistent("a reply").await;

    site.store()
        .delete_comment(second.id, jan.id, site.now())
        .await
        .unwrap();
    assert_eq!(
        site.count(topper).await,
        2,
        "a deleted comment is not counted"
    );
    site.assert_consistent("deleting").await;

    let approved = site
        .moderate(waiting.id, &mod_an, CommentAction::Approve)
        .await;
    assert!(approved.public);
    assert_eq!(
        site.count(topper).await,
        3,
        "approving makes a comment count"
    );
    assert_eq!(
        site.store()
            .account(piet.id)
            .await
            .unwrap()
            .unwrap()
            .approved_comments,
        3,
        "piet: one at once on each article, one reply, one approved"
    );
    site.moderate(answer.id, &mod_an, CommentAction::Remove)
        .await;
    assert_eq!(
        site.count(topper).await,
        2,
        "a removed reply is not counted"
    );
    assert_eq!(
        site.comment(first.id).await.reply_count,
        0,
        "a removed reply leaves its thread"
    );
    site.moderate(answer.id, &mod_an, CommentAction::Restore)
        .await;
    assert_eq!(site.count(topper).await, 3, "a restored reply counts again");
    assert_eq!(site.comment(first.id).await.reply_count, 1);
    site.moderate(hidden.id, &mod_an, CommentAction::Dismiss)
        .await;
    assert_eq!(
        site.count(topper).await,
        3,
        "dismissing changes nothing the public sees, and a shadow comment stays hidden"
    );
    site.assert_consistent("moderating").await;

    let changed = site
        .store()
        .delete_account(piet.id, site.now())
        .await
        .unwrap();
    let mut changed = changed;
    changed.sort();
    assert_eq!(
        changed,
        vec![topper, other],
        "deleting piet changes both pages he commented on"
    );
    assert_eq!(
        site.count(topper).await,
        1,
        "only jan's first comment is left"
    );
    assert_eq!(site.count(other).await, 0);
    site.assert_consistent("deleting an account").await;
}

async fn threads_are_two_levels_deep_and_say_whom_a_reply_answers(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let elsewhere = site.article("Genk wint de derby").await;
    let jan = site.reader("Jan Peeters").await;
    let piet = site.reader("Piet Claes").await;
    let sofie = site.account("Sofie Vermeulen", Role::Journalist).await;

    let root = site.post(topper, &jan, "Wat een match!").await;
    let first = site
        .reply(topper, &piet, root.id, "Zeker, wat een sfeer")
        .await;
    let deeper = site
        .reply(topper, &sofie, first.id, "Het stadion zat helemaal vol")
        .await;

    assert_eq!(root.root_id, None);
    assert_eq!(root.author_role, None, "readers carry no role");
    assert_eq!(first.root_id, Some(root.id));
    assert_eq!(first.reply_to, Some(root.id));
    assert_eq!(
        first.reply_to_name, None,
        "a direct reply needs no mention: its place says whom it answers"
    );
    assert_eq!(
        deeper.root_id,
        Some(root.id),
        "a reply to a reply joins the thread of its top-level comment"
    );
    assert_eq!(deeper.reply_to, Some(first.id));
    assert_eq!(deeper.reply_to_name.as_deref(), Some("Piet Claes"));
    assert_eq!(deeper.author_name, "Sofie Vermeulen");
    assert_eq!(
        deeper.author_role.as_deref(),
        Some("journalist"),
        "staff comments carry their role"
    );

    // (The root's reply count moved on since it was added.)
    for c in [&first, &deeper] {
        assert_eq!(
            &site.comment(c.id).await,
            c,
            "add_comment answers with the comment as stored"
        );
    }

    let thread = site.store().thread(root.id).await.unwrap().expect("thread");
    assert_eq!(thread.root.id, root.id);
    assert_eq!(
        ids(&thread.replies),
        vec![first.id, deeper.id],
        "oldest first"
    );
    assert_eq!(thread.root.reply_count, 2);
    assert!(
        site.store().thread(first.id).await.unwrap().is_none(),
        "a reply has no thread of its own"
    );

    let across = site
        .store()
        .add_comment(
            &NewComment {
                reply_to: Some(root.id),
                ..said(elsewhere, &piet, "Verkeerd artikel")
            },
            site.now(),
        )
        .await;
    assert!(
        matches!(across, Err(StoreError::Invalid(_))),
        "a reply to a comment on another article is refused, got {across:?}"
    );
    let mut scheduled = article("Morgen: de opstelling", 0);
    scheduled.published_at = site.now() + Duration::hours(2);
    let later = site.app.save(&scheduled).await.id;
    let early = site
        .store()
        .add_comment(&said(later, &jan, "Eerst!"), site.now())
        .await;
    assert!(
        matches!(early, Err(StoreError::NotFound)),
        "no comments on an article that is not out yet, got {early:?}"
    );
    site.assert_consistent("refused comments").await;
}

async fn pages_through_120_comments_in_every_order_without_gaps_or_duplicates(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let jan = site.reader("Jan Peeters").await;
    let start = site.now();
    // Two by two at the same millisecond: ties are broken by id.
    let mut all = Vec::new();
    for i in 0..120 {
        let new = said(topper, &jan, &format!("Reactie nummer {i}"));
        let at = start + Duration::seconds(i / 2);
        all.push(site.store().add_comment(&new, at).await.unwrap().id);
    }
    // Scores from -2 to +3, with many ties.
    let voters = [
        site.reader("Stemmer Een").await,
        site.reader("Stemmer Twee").await,
        site.reader("Stemmer Drie").await,
        site.reader("Stemmer Vier").await,
    ];
    for (i, id) in all.iter().enumerate() {
        for (v, voter) in voters.iter().enumerate() {
            if i % (v + 2) == 0 {
                let value = if v == 3 { -1 } else { 1 };
                site.store()
                    .vote_comment(*id, voter.id, value)
                    .await
                    .unwrap();
            }
        }
    }
    let mut stored = Vec::new();
    for id in &all {
        stored.push(site.comment(*id).await);
    }
    site.assert_consistent("votes").await;

    for sort in CommentSort::ALL {
        let mut expected = stored.clone();
        match sort {
            CommentSort::Newest => {
                expected.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.id)))
            }
            CommentSort::Oldest => expected.sort_by_key(|c| (c.created_at, c.id)),
            CommentSort::Best => expected.sort_by_key(|c| std::cmp::Reverse((c.score(), c.id))),
        }
        let paged = site.all_pages(topper, sort, 25).await;
        let unique: HashSet<CommentId> = paged.iter().map(|c| c.id).collect();
        assert_eq!(
            unique.len(),
            paged.len(),
            "{sort:?}: a comment came twice while paging"
        );
        assert_eq!(
            paged.len(),
            120,
            "{sort:?}: paging lost comments ({} of 120)",
            paged.len()
        );
        assert_eq!(
            ids(&paged),
            ids(&expected),
            "{sort:?}: pages are not in the promised order"
        );
    }
    let last = site
        .store()
        .comments_page(topper, CommentSort::Newest, None, 120, 0)
        .await
        .unwrap();
    assert_eq!(last.threads.len(), 120);
    assert_eq!(last.next, None, "no next page when everything fits");
}

async fn a_page_shows_the_first_replies_of_each_thread_oldest_first(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let jan = site.reader("Jan Peeters").await;
    let piet = site.reader("Piet Claes").await;
    let busy = site
        .post(topper, &jan, "Wie was de man van de match?")
        .await;
    let mut replies = Vec::new();
    for i in 0..5 {
        replies.push(
            site.reply(topper, &piet, busy.id, &format!("Antwoord {i}"))
                .await,
        );
    }
    let hidden = site
        .add(NewComment {
            verdict: Verdict::Pending,
            reply_to: Some(busy.id),
            ..said(topper, &piet, "Nog niet goedgekeurd")
        })
        .await;
    let quiet = site.post(topper, &piet, "Mooie goal van Nusa").await;

    let page = site
        .store()
        .comments_page(topper, CommentSort::Oldest, None, 50, 3)
        .await
        .unwrap();
    assert_eq!(
        ids(&page
            .threads
            .iter()
            .map(|t| t.root.clone())
            .collect::<Vec<_>>()),
        vec![busy.id, quiet.id]
    );
    let first = &page.threads[0];
    assert_eq!(
        ids(&first.replies),
        ids(&replies[..3]),
        "the first three public replies, oldest first"
    );
    assert_eq!(
        first.root.reply_count, 5,
        "the pending reply is not counted"
    );
    assert_eq!(first.more_replies(), 2);
    assert!(page.threads[1].replies.is_empty());
    let thread = site.store().thread(busy.id).await.unwrap().unwrap();
    assert_eq!(
        ids(&thread.replies),
        ids(&replies),
        "the thread page has all public replies"
    );
    assert!(!ids(&thread.replies).contains(&hidden.id));
    let own = site
        .store()
        .own_unlisted_comments(topper, piet.id)
        .await
        .unwrap();
    assert_eq!(
        ids(&own),
        vec![hidden.id],
        "piet still sees his own pending reply"
    );
}

async fn removed_and_deleted_comments_with_replies_stay_as_placeholders(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let jan = site.reader("Jan Peeters").await;
    let piet = site.reader("Piet Claes").await;
    let mod_an = site.account("An Moderator", Role::Moderator).await;

    let regretted = site.post(topper, &jan, "Iets waar ik spijt van heb").await;
    let answer = site
        .reply(topper, &piet, regretted.id, "Daar ben ik het niet mee eens")
        .await;
    let rude = site.post(topper, &jan, "Iets onbeleefds").await;
    let rude_answer = site.reply(topper, &piet, rude.id, "Rustig aan").await;
    let lonely = site
        .post(topper, &jan, "Iets onbeleefds zonder antwoord")
        .await;

    let deleted = site
        .store()
        .delete_comment(regretted.id, jan.id, site.now())
        .await
        .unwrap();
    assert!(deleted.deleted && !deleted.public);
    assert!(
        deleted.body_markdown.is_empty() && deleted.body_html.is_empty(),
        "a deleted comment keeps no text"
    );
    site.moderate(rude.id, &mod_an, CommentAction::Remove).await;
    site.moderate(lonely.id, &mod_an, CommentAction::Remove)
        .await;
    assert_eq!(
        site.count(topper).await,
        2,
        "only the two replies are public"
    );
    site.assert_consistent("deleting and removing").await;

    let page = site
        .store()
        .comments_page(topper, CommentSort::Oldest, None, 50, 3)
        .await
        .unwrap();
    let roots: Vec<CommentId> = page.threads.iter().map(|t| t.root.id).collect();
    assert_eq!(
        roots,
        vec![regretted.id, rude.id],
        "placeholders keep their threads; a removed comment without replies is gone"
    );
    for t in &page.threads {
        assert!(!t.root.public, "comment {} is a placeholder", t.root.id);
        assert!(
            t.root.body_markdown.is_empty() && t.root.body_html.is_empty(),
            "placeholder {} shows no text",
            t.root.id
        );
    }
    assert_eq!(ids(&page.threads[0].replies), vec![answer.id]);
    assert_eq!(ids(&page.threads[1].replies), vec![rude_answer.id]);
    let thread = site.store().thread(rude.id).await.unwrap().unwrap();
    assert!(
        thread.root.body_markdown.is_empty(),
        "the thread page hides it too"
    );
    assert_eq!(
        site.comment(rude.id).await.body_markdown,
        "Iets onbeleefds",
        "moderators still read what was removed"
    );

    site.store()
        .delete_comment(answer.id, piet.id, site.now())
        .await
        .unwrap();
    let page = site
        .store()
        .comments_page(topper, CommentSort::Oldest, None, 50, 3)
        .await
        .unwrap();
    assert_eq!(
        page.threads.iter().map(|t| t.root.id).collect::<Vec<_>>(),
        vec![rude.id],
        "a placeholder whose last public reply went leaves the page"
    );
    assert!(site.store().thread(regretted.id).await.unwrap().is_none());
    site.assert_consistent("the last reply deleted").await;
}

async fn authors_edit_within_the_window_and_old_texts_are_kept(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let jan = site.reader("Jan Peeters").await;
    let piet = site.reader("Piet Claes").await;
    let mod_an = site.account("An Moderator", Role::Moderator).await;
    let c = site.post(topper, &jan, "Vanakne was de beste").await;

    let not_his = site
        .store()
        .edit_comment(
            c.id,
            piet.id,
            &edit("Gekaapt", Verdict::Visible),
            site.now(),
        )
        .await;
    assert!(
        matches!(not_his, Err(StoreError::NotFound)),
        "someone else's comment cannot be edited, got {not_his:?}"
    );

    site.app.clock.advance(Duration::minutes(5));
    let fixed = site
        .store()
        .edit_comment(
            c.id,
            jan.id,
            &edit("Vanaken was de beste", Verdict::Visible),
            site.now(),
        )
        .await
        .unwrap();
    assert_eq!(fixed.body_markdown, "Vanaken was de beste");
    assert_eq!(fixed.edited_at, Some(site.now()));
    let revisions = site.store().comment_revisions(c.id).await.unwrap();
    assert_eq!(
        revisions,
        vec![("Vanakne was de beste".to_string(), site.now())]
    );

    // An edit the rules hold back takes the comment off the page until a moderator looks.
    let held = site
        .store()
        .edit_comment(
            c.id,
            jan.id,
            &edit("Koop nu via mijn link", Verdict::Pending),
            site.now(),
        )
        .await
        .unwrap();
    assert!(!held.public);
    assert_eq!(
        site.count(topper).await,
        0,
        "a held-back edit leaves the count"
    );
    site.assert_consistent("an edit held back").await;
    assert_eq!(site.store().comment_revisions(c.id).await.unwrap().len(), 2);

    site.app.clock.advance(Duration::minutes(6));
    let late = site
        .store()
        .edit_comment(c.id, jan.id, &edit("Te laat", Verdict::Visible), site.now())
        .await;
    assert!(
        matches!(late, Err(StoreError::Invalid(_))),
        "past the edit window an edit is refused, got {late:?}"
    );

    let other = site.post(topper, &jan, "Iets onbeleefds").await;
    site.moderate(other.id, &mod_an, CommentAction::Remove)
        .await;
    let sneaky = site
        .store()
        .edit_comment(
            other.id,
            jan.id,
            &edit("Iets vriendelijks", Verdict::Visible),
            site.now(),
        )
        .await;
    assert!(
        matches!(sneaky, Err(StoreError::Invalid(_))),
        "an edit does not undo a moderator's removal, got {sneaky:?}"
    );
    let gone = site.post(topper, &jan, "Weg ermee").await;
    site.store()
        .delete_comment(gone.id, jan.id, site.now())
        .await
        .unwrap();
    let deleted = site
        .store()
        .edit_comment(
            gone.id,
            jan.id,
            &edit("Toch niet", Verdict::Visible),
            site.now(),
        )
        .await;
    assert!(
        matches!(deleted, Err(StoreError::Invalid(_))),
        "a deleted comment cannot be edited, got {deleted:?}"
    );
    site.assert_consistent("edits").await;
}

async fn readers_vote_once_change_their_mind_and_never_on_their_own(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let jan = site.reader("Jan Peeters").await;
    let piet = site.reader("Piet Claes").await;
    let an = site.reader("An Janssens").await;
    let c = site.post(topper, &jan, "Vanaken was de beste").await;

    let own = site.store().vote_comment(c.id, jan.id, 1).await;
    assert!(
        matches!(own, Err(StoreError::Invalid(_))),
        "one's own comment cannot be voted on, got {own:?}"
    );
    let silly = site.store().vote_comment(c.id, piet.id, 2).await;
    assert!(
        matches!(silly, Err(StoreError::Invalid(_))),
        "a vote is -1, 0 or +1"
    );

    assert_eq!(
        site.store().vote_comment(c.id, piet.id, 1).await.unwrap(),
        (1, 0)
    );
    assert_eq!(
        site.store().vote_comment(c.id, piet.id, 1).await.unwrap(),
        (1, 0),
        "voting the same twice counts once"
    );
    assert_eq!(
        site.store().vote_comment(c.id, an.id, 1).await.unwrap(),
        (2, 0)
    );
    assert_eq!(
        site.store().vote_comment(c.id, piet.id, -1).await.unwrap(),
        (1, 1),
        "changing a vote moves it"
    );
    assert_eq!(
        site.store()
            .comment_votes_of(piet.id, &[c.id, 9999])
            .await
            .unwrap(),
        vec![(c.id, -1)]
    );
    assert_eq!(
        site.store().vote_comment(c.id, an.id, 0).await.unwrap(),
        (0, 1),
        "zero takes a vote back"
    );
    assert_eq!(site.comment(c.id).await.score(), -1);
    site.assert_consistent("votes").await;

    let pending = site
        .add(NewComment {
            verdict: Verdict::Pending,
            ..said(topper, &jan, "Nog niet zichtbaar")
        })
        .await;
    let hidden = site.store().vote_comment(pending.id, piet.id, 1).await;
    assert!(
        matches!(hidden, Err(StoreError::Invalid(_))),
        "no votes on a comment that is not public, got {hidden:?}"
    );
    let missing = site.store().vote_comment(9999, piet.id, 1).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound)),
        "got {missing:?}"
    );

    site.store()
        .delete_account(piet.id, site.now())
        .await
        .unwrap();
    let after = site.comment(c.id).await;
    assert_eq!(
        (after.up, after.down),
        (0, 0),
        "a deleted account's votes leave the score"
    );
    site.assert_consistent("deleting a voter").await;
}

async fn reports_keep_the_text_as_reported_and_come_once_per_reader(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let jan = site.reader("Jan Peeters").await;
    let piet = site.reader("Piet Claes").await;
    let an = site.reader("An Janssens").await;
    let mod_an = site.account("Mo Derator", Role::Moderator).await;
    let c = site
        .post(topper, &jan, "Iets lelijks over de scheidsrechter")
        .await;

    let report = site
        .store()
        .report_comment(
            c.id,
            piet.id,
            ReportReason::Abuse,
            "  Scheldt  ",
            site.now(),
        )
        .await
        .unwrap();
    assert_eq!(report.comment_text, "Iets lelijks over de scheidsrechter");
    assert_eq!(report.reporter_name, "Piet Claes");
    assert_eq!(report.reason, ReportReason::Abuse);
    assert!(!report.resolved);
    let again = site
        .store()
        .report_comment(c.id, piet.id, ReportReason::Threat, "", site.now())
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(_))),
        "a second open report by the same reader is refused, got {again:?}"
    );
    site.store()
        .edit_comment(
            c.id,
            jan.id,
            &edit("Iets vriendelijks", Verdict::Visible),
            site.now(),
        )
        .await
        .unwrap();
    site.store()
        .report_comment(c.id, an.id, ReportReason::Threat, "", site.now())
        .await
        .unwrap();

    let queue = site.store().queue(Queue::Reported, 10).await.unwrap();
    assert_eq!(queue.len(), 1);
    let item = &queue[0];
    assert_eq!(item.comment.id, c.id);
    assert_eq!(item.article_title, "Club Brugge wint de topper");
    assert_eq!(
        item.risk,
        ReportReason::Abuse.risk() + ReportReason::Threat.risk(),
        "the reports' weight adds up"
    );
    let texts: Vec<&str> = item
        .reports
        .iter()
        .map(|r| r.comment_text.as_str())
        .collect();
    assert_eq!(
        texts,
        vec!["Iets lelijks over de scheidsrechter", "Iets vriendelijks"],
        "each report keeps the text its reporter saw"
    );

    site.moderate(c.id, &mod_an, CommentAction::Dismiss).await;
    assert!(
        site.store()
            .queue(Queue::Reported, 10)
            .await
            .unwrap()
            .is_empty(),
        "a decision closes every open report"
    );
    let export = site.store().export_account(piet.id).await.unwrap();
    assert_eq!(export.reports.len(), 1);
    assert!(export.reports[0].resolved, "the report is closed, not gone");
    site.store()
        .report_comment(c.id, piet.id, ReportReason::Spam, "", site.now())
        .await
        .expect("once closed, the reader may report again");
}

async fn queues_put_the_riskiest_first(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let jan = site.reader("Jan Peeters").await;
    let piet = site.reader("Piet Claes").await;
    let mod_an = site.account("An Moderator", Role::Moderator).await;
    let judged = |body: &str, verdict: Verdict, risk: u32, reasons: &[&str]| NewComment {
        verdict,
        risk,
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        ..said(topper, &jan, body)
    };

    let mild = site
        .add(judged("Twijfelachtig", Verdict::Pending, 10, &["link"]))
        .await;
    let wild = site
        .add(judged(
            "Erg twijfelachtig",
            Verdict::Pending,
            70,
            &["word:abuse", "link"],
        ))
        .await;
    let new_reader = site
        .add(judged("Gewoon nieuw", Verdict::Pending, 0, &[]))
        .await;
    let flagged_visible = site
        .add(judged("Randgeval", Verdict::Visible, 30, &["caps"]))
        .await;
    let clean = site.post(topper, &jan, "Onschuldig").await;
    site.store()
        .report_comment(clean.id, piet.id, ReportReason::Racism, "", site.now())
        .await
        .unwrap();
    site.store()
        .report_comment(
            flagged_visible.id,
            piet.id,
            ReportReason::Spam,
            "",
            site.now(),
        )
        .await
        .unwrap();

    let pending = site.store().queue(Queue::Pending, 10).await.unwrap();
    assert_eq!(
        pending.iter().map(|i| i.comment.id).collect::<Vec<_>>(),
        vec![wild.id, mild.id, new_reader.id],
        "pending: riskiest first"
    );
    assert_eq!(pending[0].reasons, vec!["word:abuse", "link"]);
    assert_eq!(pending[0].risk, 70);
    let reported = site.store().queue(Queue::Reported, 10).await.unwrap();
    assert_eq!(
        reported
            .iter()
            .map(|i| (i.comment.id, i.risk))
            .collect::<Vec<_>>(),
        vec![
            (clean.id, ReportReason::Racism.risk()),
            (flagged_visible.id, 30 + ReportReason::Spam.risk())
        ],
        "reported: the rules' risk plus the reports', highest first"
    );
    let flagged = site.store().queue(Queue::Flagged, 10).await.unwrap();
    assert_eq!(
        flagged.iter().map(|i| i.comment.id).collect::<Vec<_>>(),
        vec![wild.id, flagged_visible.id, mild.id],
        "flagged: whatever the verdict, by the rules' risk"
    );
    assert_eq!(
        flagged[1].reports.len(),
        1,
        "a flagged comment shows its open reports too"
    );
    assert_eq!(
        site.store().queue(Queue::Pending, 1).await.unwrap().len(),
        1,
        "the limit holds"
    );
    assert_eq!(
        site.store().queue_sizes().await.unwrap(),
        vec![
            (Queue::Pending, 3),
            (Queue::Reported, 2),
            (Queue::Flagged, 3)
        ]
    );

    site.moderate(wild.id, &mod_an, CommentAction::Reject).await;
    site.moderate(mild.id, &mod_an, CommentAction::Approve)
        .await;
    let wrong = site
        .store()
        .moderate_comment(mild.id, mod_an.id, CommentAction::Approve, "", site.now())
        .await;
    assert!(
        matches!(wrong, Err(StoreError::Invalid(_))),
        "approving twice is a wrong transition, got {wrong:?}"
    );
    let pending = site.store().queue(Queue::Pending, 10).await.unwrap();
    assert_eq!(
        pending.iter().map(|i| i.comment.id).collect::<Vec<_>>(),
        vec![new_reader.id]
    );
    site.assert_consistent("moderating the queues").await;
}

async fn the_moderation_log_keeps_who_did_what_newest_first(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let jan = site.reader("Jan Peeters").await;
    let an = site.account("An Moderator", Role::Moderator).await;
    let c = site.post(topper, &jan, "Iets onbeleefds").await;

    site.moderate(c.id, &an, CommentAction::Remove).await;
    site.tick();
    site.store()
        .moderate_account(
            jan.id,
            an.id,
            AccountAction::Suspend {
                until: site.now() + Duration::days(1),
            },
            "drie keer gewaarschuwd",
            site.now(),
        )
        .await
        .unwrap();

    let log = site.store().moderation_log(10).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].action, "suspend", "newest first");
    assert_eq!(log[0].account_id, Some(jan.id));
    assert_eq!(log[0].comment_id, None);
    assert_eq!(log[0].reason, "drie keer gewaarschuwd");
    assert_eq!(log[0].at, site.now());
    assert_eq!(log[1].action, "remove");
    assert_eq!(log[1].comment_id, Some(c.id));
    assert_eq!(log[1].account_id, Some(jan.id), "the author of the comment");
    assert_eq!(log[1].moderator_name, "An Moderator");
    assert_eq!(site.store().moderation_log(1).await.unwrap().len(), 1);

    site.store()
        .delete_account(an.id, site.now())
        .await
        .unwrap();
    let log = site.store().moderation_log(10).await.unwrap();
    assert_eq!(log.len(), 2, "the log outlives the moderator's account");
    assert_eq!(log[1].moderator_id, None);
    assert_eq!(
        log[1].moderator_name, "An Moderator",
        "the name is kept as it was"
    );
}

async fn moderators_suspend_ban_shadow_ban_and_reinstate_accounts(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let jan = site.reader("Jan Peeters").await;
    let an = site.account("An Moderator", Role::Moderator).await;
    let act = |action: AccountAction| {
        let (store, now, jan, an) = (site.app.store.clone(), site.now(), jan.id, an.id);
        async move {
            store
                .moderate_account(jan, an, action, "huisregels", now)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", action.as_str()))
        }
    };
    let until = site.now() + Duration::days(3);
    let suspended = act(AccountAction::Suspend { until }).await;
    assert_eq!(suspended.suspended_until, Some(until));
    assert!(suspended.barred(site.now()).is_some());
    assert!(suspended.barred(until + Duration::seconds(1)).is_none());

    let session = Session {
        account_id: jan.id,
        csrf_token: "csrf".into(),
        expires_at: site.now() + Duration::days(30),
    };
    site.store()
        .create_session("sessie-van-jan", &session, site.now())
        .await
        .unwrap();
    let banned = act(AccountAction::Ban).await;
    assert!(banned.banned);
    assert!(
        site.store()
            .session("sessie-van-jan", site.now())
            .await
            .unwrap()
            .is_none(),
        "a ban ends the account's sessions"
    );

    let shadowed = act(AccountAction::ShadowBan).await;
    assert!(shadowed.shadow_banned);
    let unseen = site
        .add(NewComment {
            shadow: true,
            ..said(topper, &jan, "Niemand ziet dit")
        })
        .await;
    assert!(unseen.shadow && !unseen.public);
    let page = site
        .store()
        .comments_page(topper, CommentSort::Newest, None, 50, 3)
        .await
        .unwrap();
    assert!(
        page.threads.is_empty(),
        "others do not see a shadow comment"
    );
    assert_eq!(
        ids(&site
            .store()
            .own_unlisted_comments(topper, jan.id)
            .await
            .unwrap()),
        vec![unseen.id],
        "its author still does"
    );

    let back = act(AccountAction::Reinstate).await;
    assert_eq!(
        (back.suspended_until, back.banned, back.shadow_banned),
        (None, false, false),
        "reinstating lifts everything"
    );
    assert_eq!(site.store().account(jan.id).await.unwrap(), Some(back));
    let unknown = site
        .store()
        .moderate_account(9999, an.id, AccountAction::Ban, "", site.now())
        .await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound)),
        "got {unknown:?}"
    );
    assert_eq!(site.store().moderation_log(10).await.unwrap().len(), 4);
}

async fn accounts_sessions_and_one_time_links(backend: Backend) {
    let site = Site::open(backend).await;
    let jan = site.reader("Jan Peeters").await;
    assert_eq!(jan.email, "jan.peeters@voorbeeld.be");
    assert_eq!(jan.role, Role::Reader);
    let taken = site
        .store()
        .create_account(
            &NewAccount {
                email: "Jan.Peeters@Voorbeeld.be".into(),
                display_name: "Andere Jan".into(),
                password_hash: "x".into(),
                role: Role::Reader,
                verified: false,
            },
            site.now(),
        )
        .await;
    assert!(
        matches!(taken, Err(StoreError::Conflict(_))),
        "an address in another case is the same address, got {taken:?}"
    );
    let (found, hash) = site
        .store()
        .account_by_email("jan.peeters@voorbeeld.be")
        .await
        .unwrap()
        .expect("found by email");
    assert_eq!(found, jan);
    assert!(hash.starts_with("$argon2id$"));
    site.store().set_role(jan.id, Role::Editor).await.unwrap();
    assert_eq!(
        site.store().account(jan.id).await.unwrap().unwrap().role,
        Role::Editor
    );

    let session = Session {
        account_id: jan.id,
        csrf_token: "csrf-123".into(),
        expires_at: site.now() + Duration::hours(1),
    };
    site.store()
        .create_session("h1", &session, site.now())
        .await
        .unwrap();
    site.store()
        .create_session("h2", &session, site.now())
        .await
        .unwrap();
    let (s, a) = site
        .store()
        .session("h1", site.now())
        .await
        .unwrap()
        .expect("session");
    assert_eq!(s, session);
    assert_eq!(a.id, jan.id);
    assert!(
        site.store()
            .session("h1", site.now() + Duration::hours(2))
            .await
            .unwrap()
            .is_none(),
        "an expired session is no session"
    );
    site.store().delete_session("h1").await.unwrap();
    assert!(
        site.store()
            .session("h1", site.now())
            .await
            .unwrap()
            .is_none(),
        "logged out"
    );
    site.store()
        .set_password(jan.id, "$argon2id$nieuw")
        .await
        .unwrap();
    assert!(
        site.store()
            .session("h2", site.now())
            .await
            .unwrap()
            .is_none(),
        "a new password ends every session"
    );
    assert_eq!(
        site.store()
            .account_by_email("jan.peeters@voorbeeld.be")
            .await
            .unwrap()
            .unwrap()
            .1,
        "$argon2id$nieuw"
    );

    let day = site.now() + Duration::days(1);
    site.store()
        .create_token("activeer", jan.id, TokenPurpose::Activate, day)
        .await
        .unwrap();
    assert_eq!(
        site.store()
            .take_token("activeer", TokenPurpose::ResetPassword, site.now())
            .await
            .unwrap(),
        None,
        "a link is only good for its purpose"
    );
    assert_eq!(
        site.store()
            .take_token("activeer", TokenPurpose::Activate, site.now())
            .await
            .unwrap(),
        Some(jan.id)
    );
    assert_eq!(
        site.store()
            .take_token("activeer", TokenPurpose::Activate, site.now())
            .await
            .unwrap(),
        None,
        "a link works once"
    );
    site.store()
        .create_token("reset", jan.id, TokenPurpose::ResetPassword, day)
        .await
        .unwrap();
    assert_eq!(
        site.store()
            .take_token(
                "reset",
                TokenPurpose::ResetPassword,
                day + Duration::seconds(1)
            )
            .await
            .unwrap(),
        None,
        "an expired link does nothing"
    );
    assert_eq!(
        site.store()
            .take_token("onbekend", TokenPurpose::Activate, site.now())
            .await
            .unwrap(),
        None
    );
    let fresh = site
        .store()
        .create_account(
            &NewAccount {
                email: "nieuw@voorbeeld.be".into(),
                display_name: "Nieuwe Lezer".into(),
                password_hash: "x".into(),
                role: Role::Reader,
                verified: false,
            },
            site.now(),
        )
        .await
        .unwrap();
    assert!(!fresh.verified);
    site.store().set_verified(fresh.id).await.unwrap();
    assert!(
        site.store()
            .account(fresh.id)
            .await
            .unwrap()
            .unwrap()
            .verified
    );
}

async fn a_deleted_account_leaves_placeholders_and_nameless_poll_votes(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let jan = site.reader("Jan Peeters").await;
    let piet = site.reader("Piet Claes").await;
    let root = site.post(topper, &jan, "Wat een match!").await;
    let answer = site.reply(topper, &piet, root.id, "Zeker").await;
    let deeper = site.reply(topper, &jan, answer.id, "Inderdaad").await;
    site.store()
        .vote_comment(answer.id, jan.id, 1)
        .await
        .unwrap();
    site.store()
        .report_comment(answer.id, jan.id, ReportReason::Other, "", site.now())
        .await
        .unwrap();
    let poll = site
        .store()
        .create_poll(
            &NewPoll {
                article_id: topper,
                question: "Wie wordt kampioen?".into(),
                options: vec!["Club".into(), "Anderlecht".into()],
                closes_at: None,
            },
            site.now(),
        )
        .await
        .unwrap();
    site.store()
        .vote_poll(poll.id, poll.options[0].id, jan.id, site.now())
        .await
        .unwrap();
    let session = Session {
        account_id: jan.id,
        csrf_token: "c".into(),
        expires_at: site.now() + Duration::days(1),
    };
    site.store()
        .create_session("jan", &session, site.now())
        .await
        .unwrap();

    let export = site.store().export_account(jan.id).await.unwrap();
    assert_eq!(
        Some(export.account),
        site.store().account(jan.id).await.unwrap(),
        "the export holds the account as it is now"
    );
    assert_eq!(
        ids(&export.comments),
        vec![root.id, deeper.id],
        "oldest first"
    );
    assert_eq!(export.comment_votes, vec![(answer.id, 1)]);
    assert_eq!(
        export.poll_votes,
        vec![(
            poll.id,
            "Wie wordt kampioen?".to_string(),
            "Club".to_string()
        )]
    );
    assert_eq!(export.reports.len(), 1);

    site.store()
        .delete_account(jan.id, site.now())
        .await
        .unwrap();
    assert!(site.store().account(jan.id).await.unwrap().is_none());
    assert!(
        site.store()
            .session("jan", site.now())
            .await
            .unwrap()
            .is_none()
    );
    let export = site.store().export_account(jan.id).await;
    assert!(
        matches!(export, Err(StoreError::NotFound)),
        "got {export:?}"
    );
    let gone = site.comment(root.id).await;
    assert!(gone.deleted && gone.body_markdown.is_empty());
    assert_eq!(gone.author_id, None);
    assert_eq!(gone.author_name, "verwijderd account");
    let page = site
        .store()
        .comments_page(topper, CommentSort::Newest, None, 50, 3)
        .await
        .unwrap();
    assert_eq!(
        page.threads.len(),
        1,
        "piet's reply keeps the thread as a placeholder"
    );
    assert_eq!(ids(&page.threads[0].replies), vec![answer.id]);
    assert_eq!(
        (
            page.threads[0].replies[0].up,
            page.threads[0].replies[0].down
        ),
        (0, 0)
    );
    assert_eq!(site.count(topper).await, 1);
    let poll = site.store().poll(poll.id).await.unwrap().unwrap();
    assert_eq!(poll.total_votes, 1, "poll votes stay counted");
    assert_eq!(poll.options[0].votes, 1);
    let unknown = site.store().delete_account(jan.id, site.now()).await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound)),
        "got {unknown:?}"
    );
    site.assert_consistent("deleting an account").await;
}

async fn polls_take_one_vote_per_reader_until_they_close(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let other = site.article("Genk wint de derby").await;
    let jan = site.reader("Jan Peeters").await;
    let piet = site.reader("Piet Claes").await;
    let question =
        |article: ArticleId, options: &[&str], closes_at: Option<DateTime<Utc>>| NewPoll {
            article_id: article,
            question: "Wie was de man van de match?".into(),
            options: options.iter().map(|o| o.to_string()).collect(),
            closes_at,
        };
    let bad = site
        .store()
        .create_poll(&question(topper, &["Vanaken"], None), site.now())
        .await;
    assert!(
        matches!(bad, Err(StoreError::Invalid(_))),
        "one option is no poll: {bad:?}"
    );
    let nowhere = site
        .store()
        .create_poll(&question(9999, &["Ja", "Nee"], None), site.now())
        .await;
    assert!(
        matches!(nowhere, Err(StoreError::NotFound)),
        "got {nowhere:?}"
    );

    let closes = site.now() + Duration::hours(1);
    let poll = site
        .store()
        .create_poll(
            &question(topper, &["Vanaken", "Nusa", "Mignolet"], Some(closes)),
            site.now(),
        )
        .await
        .unwrap();
    assert_eq!(
        poll.options
            .iter()
            .map(|o| o.label.as_str())
            .collect::<Vec<_>>(),
        vec!["Vanaken", "Nusa", "Mignolet"],
        "options keep the editor's order"
    );
    let second = site
        .store()
        .create_poll(&question(topper, &["Ja", "Nee"], None), site.now())
        .await;
    assert!(
        matches!(second, Err(StoreError::Conflict(_))),
        "one poll per article, got {second:?}"
    );
    assert_eq!(
        site.store()
            .poll_of_article(topper)
            .await
            .unwrap()
            .map(|p| p.id),
        Some(poll.id)
    );
    assert_eq!(site.store().poll_of_article(other).await.unwrap(), None);
    let elsewhere = site
        .store()
        .create_poll(&question(other, &["Ja", "Nee"], None), site.now())
        .await
        .unwrap();

    let vanaken = poll.options[0].id;
    let after = site
        .store()
        .vote_poll(poll.id, vanaken, jan.id, site.now())
        .await
        .unwrap();
    assert_eq!(after.total_votes, 1);
    assert_eq!(after.options[0].votes, 1);
    let twice = site
        .store()
        .vote_poll(poll.id, poll.options[1].id, jan.id, site.now())
        .await;
    assert!(
        matches!(twice, Err(StoreError::Conflict(_))),
        "one vote per reader, got {twice:?}"
    );
    let foreign = site
        .store()
        .vote_poll(poll.id, elsewhere.options[0].id, piet.id, site.now())
        .await;
    assert!(
        matches!(foreign, Err(StoreError::Invalid(_))),
        "an option of another poll is refused, got {foreign:?}"
    );
    let after = site
        .store()
        .vote_poll(poll.id, poll.options[1].id, piet.id, site.now())
        .await
        .unwrap();
    assert_eq!(
        after.options.iter().map(|o| o.votes).collect::<Vec<_>>(),
        vec![1, 1, 0]
    );
    assert_eq!(after.total_votes, 2);
    assert_eq!(
        site.store().poll_vote_of(poll.id, jan.id).await.unwrap(),
        Some(vanaken)
    );
    let late_reader = site.reader("Laat Komer").await;
    assert_eq!(
        site.store()
            .poll_vote_of(poll.id, late_reader.id)
            .await
            .unwrap(),
        None
    );
    let closed = site
        .store()
        .vote_poll(poll.id, vanaken, late_reader.id, closes)
        .await;
    assert!(
        matches!(closed, Err(StoreError::Invalid(_))),
        "a closed poll takes no votes, got {closed:?}"
    );
    assert_eq!(
        site.store()
            .poll(poll.id)
            .await
            .unwrap()
            .unwrap()
            .total_votes,
        2
    );
    site.assert_consistent("poll votes").await;
}

async fn two_hundred_comments_at_once_are_all_stored_and_counted(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let derby = site.article("Genk wint de derby").await;
    let mut readers = Vec::new();
    for i in 0..20 {
        readers.push(site.reader(&format!("Lezer {i:02}")).await);
    }
    let root = site.post(topper, &readers[0], "Wat een match!").await;
    let store: Arc<dyn Store> = site.app.store.clone();
    let now = site.now();
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let store = store.clone();
            let author = &readers[i % readers.len()];
            let mut new = said(
                if i % 4 == 0 { derby } else { topper },
                author,
                &format!("Reactie {i}"),
            );
            if i % 4 == 1 {
                new.reply_to = Some(root.id);
            }
            if i % 10 == 3 {
                new.verdict = Verdict::Pending;
            }
            tokio::spawn(async move { store.add_comment(&new, now).await })
        })
        .collect();
    let mut stored = Vec::new();
    for t in tasks {
        stored.push(t.await.unwrap().expect("every comment is stored"));
    }
    eprintln!("200 concurrent comments stored in {:?}", started.elapsed());
    let unique: HashSet<CommentId> = stored.iter().map(|c| c.id).collect();
    assert_eq!(unique.len(), 200, "every comment got its own id");
    let public = |article: ArticleId| {
        stored
            .iter()
            .filter(|c| c.article_id == article && c.public)
            .count() as i64
    };
    assert_eq!(
        site.count(topper).await,
        public(topper) + 1,
        "the root counts too"
    );
    assert_eq!(site.count(derby).await, public(derby));
    let replies = stored
        .iter()
        .filter(|c| c.root_id == Some(root.id) && c.public)
        .count() as i64;
    assert_eq!(site.comment(root.id).await.reply_count, replies);
    site.assert_consistent("200 comments at once").await;
}

async fn a_bad_comment_in_a_busy_moment_fails_alone(backend: Backend) {
    let site = Site::open(backend).await;
    let topper = site.article("Club Brugge wint de topper").await;
    let derby = site.article("Genk wint de derby").await;
    let jan = site.reader("Jan Peeters").await;
    let elsewhere = site.post(derby, &jan, "Op een ander artikel").await;
    let store: Arc<dyn Store> = site.app.store.clone();
    let now = site.now();
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let store = store.clone();
            let mut new = said(topper, &jan, &format!("Reactie {i}"));
            if i % 10 == 5 {
                // Answers a comment on another article: refused.
                new.reply_to = Some(elsewhere.id);
            }
            tokio::spawn(async move { (i, store.add_comment(&new, now).await) })
        })
        .collect();
    for t in tasks {
        let (i, outcome) = t.await.unwrap();
        if i % 10 == 5 {
            assert!(
                matches!(outcome, Err(StoreError::Invalid(_))),
                "comment {i} should be refused on its own, got {outcome:?}"
            );
        } else {
            assert!(
                outcome.is_ok(),
                "comment {i} should be stored, got {outcome:?}"
            );
        }
    }
    assert_eq!(site.count(topper).await, 90, "the 90 good ones are stored");
    site.assert_consistent("a batch with bad comments").await;
}

on_both_backends!(
    counts_follow_every_change_of_what_the_public_sees,
    threads_are_two_levels_deep_and_say_whom_a_reply_answers,
    pages_through_120_comments_in_every_order_without_gaps_or_duplicates,
    a_page_shows_the_first_replies_of_each_thread_oldest_first,
    removed_and_deleted_comments_with_replies_stay_as_placeholders,
    authors_edit_within_the_window_and_old_texts_are_kept,
    readers_vote_once_change_their_mind_and_never_on_their_own,
    reports_keep_the_text_as_reported_and_come_once_per_reader,
    queues_put_the_riskiest_first,
    the_moderation_log_keeps_who_did_what_newest_first,
    moderators_suspend_ban_shadow_ban_and_reinstate_accounts,
    accounts_sessions_and_one_time_links,
    a_deleted_account_leaves_placeholders_and_nameless_poll_votes,
    polls_take_one_vote_per_reader_until_they_close,
    two_hundred_comments_at_once_are_all_stored_and_counted,
    a_bad_comment_in_a_busy_moment_fails_alone,
);
