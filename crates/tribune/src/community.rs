//! The demo's readers: accounts (with a moderator and an editor to log in as), comments and
//! replies under the articles (real rows, so every count matches), votes, an open poll, and a
//! moderation queue with work in it. All of it written for Tribune, in Dutch.

use chrono::{DateTime, Duration, Utc};
use tribune_core::account::{NewAccount, Role};
use tribune_core::comment::{NewComment, ReportReason, render};
use tribune_core::moderation::{self, Author, Rules, Submission, Verdict};
use tribune_core::poll::NewPoll;
use tribune_core::{ArticleId, Store, StoreError};

/// The password of every demo account; the demo is for trying, never for production.
pub const PASSWORD: &str = "tribune-demo-2026";
pub const MODERATOR: &str = "moderator@demo.tribune.invalid";
pub const EDITOR: &str = "redactie@demo.tribune.invalid";
pub const JOURNALIST: &str = "journalist@demo.tribune.invalid";
pub const ADMIN: &str = "beheer@demo.tribune.invalid";

const READERS: &[&str] = &[
    "Blauwzwart Bart",
    "Kempense Kim",
    "Sinjoor1880",
    "PaarsWit Peter",
    "Buffalo Bram",
    "Carolo Chloé",
    "Kanarie Koen",
    "Mauves Manu",
    "Zebra Zoë",
    "Pajot Pieter",
];

/// What readers say under almost any article; the demo picks in turn.
const SAYINGS: &[&str] = &[
    "Eindelijk eens goed nieuws. Nu nog volhouden tot de winterstop.",
    "Ik zat in de tribune en de sfeer was **fantastisch**. Zo hoort het.",
    "Wie had dit in augustus durven voorspellen?",
    "De trainer verdient krediet, maar de middenlinie blijft een werf.",
    "Mooi verhaal, maar ik wacht op de feiten voor ik juich.",
    "Dit is net wat de ploeg nodig had. *Eindelijk* durf op het veld.",
    "Weer die VAR. Niemand begrijpt nog wanneer er ingegrepen wordt.",
    "Met deze spits speel je mee voor de titel, zonder hem niet.",
    "Jammer voor de jonge gasten, die kregen amper speelminuten.",
    "Ik hoop dat het bestuur nu eindelijk investeert in de jeugd.",
    "Dat doelpunt in de tweede helft, wat een *actie* van de linksachter.",
    "Zonder publiek is voetbal niks. Respect voor de supporters die meereisden.",
    "Zes punten achter na de kerst is nog niets verloren.",
    "De scheidsrechter floot een degelijke match, dat mag ook eens gezegd.",
    "Wie speelt er volgende week in doel? Dat is de echte vraag.",
    "> De ploeg moet leren winnen als het niet gaat\nPrecies dat.",
    "Ik geef het tot maart. Dan weten we of dit project iets wordt.",
    "Goede analyse. Vooral het stuk over de omschakeling klopt.",
    "Na tien jaar abonnement ben ik nog altijd even zenuwachtig voor elke derby.",
    "Laat die jongen gewoon spelen, hij heeft het al drie keer getoond.",
    "De transfermarkt in januari wordt cruciaal, zeker achterin.",
    "Dit soort avonden vergeet je nooit. Kippenvel.",
    "Ik snap de wissel in de 70ste minuut echt niet.",
    "Sterke reactie na de rust, daar kan je op bouwen.",
    "Meer van dit graag: hoog druk zetten en snel omschakelen.",
    "Het middenveld was vandaag de motor. Chapeau.",
    "Geduld, supporters. Een nieuw systeem vraagt tijd.",
    "Bekijk de samenvatting maar eens opnieuw: die penalty was terecht.",
];

const REPLIES: &[&str] = &[
    "Helemaal mee eens.",
    "Daar ben ik het niet mee eens: de eerste helft was zwak.",
    "Goed punt, daar had ik nog niet aan gedacht.",
    "Wacht eerst de volgende drie matchen af.",
    "Ik zat er ook, de sfeer was inderdaad top!",
    "Klopt, maar de cijfers vertellen een ander verhaal.",
];

/// Comments the rules will hold back, so the moderation desk has work: a new account, an
/// insult, and a link-heavy post.
const QUEUE_WORK: &[(&str, &str)] = &[
    (
        "Nieuwkomer Niels",
        "Mijn eerste reactie hier: wat een seizoen wordt dit!",
    ),
    (
        "Kempense Kim",
        "Die scheidsrechter is een idioot, dat was nooit een penalty.",
    ),
    (
        "Nieuwkomer Niels",
        "Goedkope tickets via https://voorbeeld.invalid/a en https://voorbeeld.invalid/b",
    ),
];

#[derive(Debug, Default)]
pub struct Loaded {
    pub accounts: usize,
    pub comments: usize,
    pub queued: usize,
}

async fn account(
    store: &dyn Store,
    email: &str,
    name: &str,
    role: Role,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<tribune_core::account::Account, String> {
    let new = NewAccount {
        email: email.to_string(),
        display_name: name.to_string(),
        password_hash: password_hash.to_string(),
        role,
        verified: true,
    };
    match store.create_account(&new, now).await {
        Ok(a) => Ok(a),
        Err(StoreError::Conflict(_)) => store
            .account_by_email(email)
            .await
            .map_err(|e| e.to_string())?
            .map(|(a, _)| a)
            .ok_or_else(|| format!("demo account {email} vanished")),
        Err(e) => Err(format!("demo account {email}: {e}")),
    }
}

/// The back office is not empty: the journalist has a draft in progress and a piece handed
/// in, waiting for the editor (written last, so they top the desk's list).
async fn desk_work(
    store: &dyn Store,
    journalist: tribune_core::account::AccountId,
    now: DateTime<Utc>,
) -> Result<(), String> {
    use tribune_core::ArticleKind;
    use tribune_core::desk::{ArticleDraft, DeskAction};
    let draft = |title: &str, lead: &str, body: &str| ArticleDraft {
        title: title.to_string(),
        kind: ArticleKind::News,
        source: None,
        byline: "Journalist Jonas".to_string(),
        lead: lead.to_string(),
        body_markdown: body.to_string(),
        photo: None,
        topics: Vec::new(),
        related: Vec::new(),
        publish_at: None,
    };
    let e = |e: StoreError| format!("demo desk: {e}");
    store
        .write_article(
            None,
            &draft(
                "Jeugdopleiding van blauw-zwart krijgt nieuw trainingscentrum",
                "",
                "Nog aan te vullen: reactie van de jeugdcoördinator en de bouwplanning.",
            ),
            journalist,
            "opgeslagen",
            now,
        )
        .await
        .map_err(e)?;
    let handed_in = store
        .write_article(
            None,
            &draft(
                "Paars-Wit twijfelt over nieuwe doelman",
                "De sportieve staf van Anderlecht is nog niet overtuigd van de doelman die in de zomer kwam.",
                "De keeper maakte in de laatste drie wedstrijden twee dure fouten.\n\n## Alternatieven\n\nDe club kijkt intern en naar vrije spelers.",
            ),
            journalist,
            "opgeslagen",
            now,
        )
        .await
        .map_err(e)?;
    store
        .set_desk_status(handed_in.id, DeskAction::Submit, now)
        .await
        .map_err(e)?;
    Ok(())
}

fn email_of(name: &str) -> String {
    format!("{}@demo.tribune.invalid", tribune_core::slugify(name))
}

/// Fills the demo's comment sections once (a second load finds the moderator and stops).
/// `articles` are (id, published at, wanted number of comments), newest first.
pub async fn load(
    store: &dyn Store,
    articles: &[(ArticleId, DateTime<Utc>, i64)],
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<Loaded, String> {
    let mut loaded = Loaded::default();
    if store
        .account_by_email(MODERATOR)
        .await
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Ok(loaded);
    }
    let joined = now - Duration::days(400);
    let mira = account(
        store,
        MODERATOR,
        "Moderator Mira",
        Role::Moderator,
        password_hash,
        joined,
    )
    .await?;
    account(
        store,
        EDITOR,
        "Eindredactie Eva",
        Role::Editor,
        password_hash,
        joined,
    )
    .await?;
    let journalist = account(
        store,
        JOURNALIST,
        "Journalist Jonas",
        Role::Journalist,
        password_hash,
        joined,
    )
    .await?;
    account(
        store,
        ADMIN,
        "Beheerder Bea",
        Role::Admin,
        password_hash,
        joined,
    )
    .await?;
    desk_work(store, journalist.id, now).await?;
    let mut readers = Vec::new();
    for name in READERS {
        readers.push(
            account(
                store,
                &email_of(name),
                name,
                Role::Reader,
                password_hash,
                joined,
            )
            .await?,
        );
    }
    loaded.accounts = readers.len() + 4;

    let mut said = 0usize;
    for (n, (article_id, published_at, wanted)) in articles.iter().enumerate() {
        let age = (now - *published_at).num_minutes().max(1);
        // Busy articles get more, but the demo stays quick to load.
        let count = (*wanted).min(8 + *wanted / 10).clamp(0, 30) as usize;
        let mut ids: Vec<i64> = Vec::new();
        for i in 0..count {
            // Spread over the article's life so far, oldest first.
            let at = *published_at + Duration::minutes(age * (i as i64 + 1) / (count as i64 + 2));
            let author = &readers[(n * 3 + i) % readers.len()];
            let reply_to = (i % 4 == 3 && !ids.is_empty()).then(|| ids[(i * 7) % ids.len()]);
            let body = match reply_to {
                Some(_) => REPLIES[(n + i) % REPLIES.len()],
                None => SAYINGS[(n * 5 + i) % SAYINGS.len()],
            };
            let c = store
                .add_comment(
                    &NewComment {
                        article_id: *article_id,
                        author_id: author.id,
                        reply_to,
                        body_markdown: body.to_string(),
                        body_html: render(body),
                        fingerprint: moderation::fingerprint(body),
                        verdict: Verdict::Visible,
                        reasons: vec![],
                        risk: 0,
                        shadow: false,
                    },
                    at,
                )
                .await
                .map_err(|e| format!("demo comment: {e}"))?;
            ids.push(c.id);
            said += 1;
            // A few readers agree or not.
            for (k, voter) in readers.iter().enumerate().take(i % 4) {
                if voter.id != author.id {
                    let value = if (i + k) % 4 == 0 { -1 } else { 1 };
                    store
                        .vote_comment(c.id, voter.id, value)
                        .await
                        .map_err(|e| format!("demo vote: {e}"))?;
                }
            }
        }
    }
    loaded.comments = said;

    // The open poll sits on the newest article, where every visitor lands first.
    if let Some((article_id, ..)) = articles.first() {
        let poll = store
            .create_poll(
                &NewPoll {
                    article_id: *article_id,
                    question: "Wie wordt dit seizoen landskampioen?".to_string(),
                    options: vec![
                        "Club Brugge".to_string(),
                        "Union Saint-Gilloise".to_string(),
                        "RSC Anderlecht".to_string(),
                        "Een verrassing".to_string(),
                    ],
                    closes_at: Some(now + Duration::days(14)),
                },
                now,
            )
            .await
            .map_err(|e| format!("demo poll: {e}"))?;
        for (i, reader) in readers.iter().enumerate() {
            let option = poll.options[(i * 3 + 1) % poll.options.len()].id;
            store
                .vote_poll(poll.id, option, reader.id, now)
                .await
                .map_err(|e| format!("demo poll vote: {e}"))?;
        }
    }

    // Work for the moderators: judged by the real rules, as a live post would be.
    let rules = Rules::default();
    let newcomer = account(
        store,
        &email_of("Nieuwkomer Niels"),
        "Nieuwkomer Niels",
        Role::Reader,
        password_hash,
        now - Duration::hours(2),
    )
    .await?;
    loaded.accounts += 1;
    // The queue's comments sit on the newest article that is at least an hour old.
    let queue_article = articles
        .iter()
        .find(|(_, published, _)| *published <= now - Duration::hours(1));
    if let Some((article_id, ..)) = queue_article {
        for (i, (name, body)) in QUEUE_WORK.iter().enumerate() {
            let known = readers
                .iter()
                .find(|r| r.display_name == *name)
                .map_or(newcomer.id, |r| r.id);
            // Read again: the comments above changed the author's trust.
            let author = store
                .account(known)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("demo account {name} vanished"))?;
            let at = now - Duration::minutes(30 - i as i64 * 5);
            let judged = rules
                .judge(&Submission {
                    body,
                    article_id: *article_id,
                    author: Author {
                        staff: false,
                        approved_comments: author.approved_comments.max(0) as u32,
                    },
                    recent: &[],
                    article_rate: 0,
                    now: at,
                    classifier: None,
                    tightened: false,
                    same_text_elsewhere: 0,
                })
                .map_err(|r| format!("demo queue: {}", r.message()))?;
            let queued = store
                .add_comment(
                    &NewComment {
                        article_id: *article_id,
                        author_id: author.id,
                        reply_to: None,
                        body_markdown: body.to_string(),
                        body_html: render(body),
                        fingerprint: moderation::fingerprint(body),
                        verdict: judged.verdict,
                        reasons: judged.reasons.iter().map(|r| r.code()).collect(),
                        risk: judged.risk,
                        shadow: false,
                    },
                    at,
                )
                .await
                .map_err(|e| format!("demo queue comment: {e}"))?;
            loaded.queued += 1;
            // The insult is turned down by Mira, and its author contests that (DSA Art. 20).
            if judged.verdict == Verdict::Pending && body.contains("idioot") {
                store
                    .moderate_comment(
                        queued.id,
                        mira.id,
                        tribune_core::comment::CommentAction::Reject,
                        "Een scheidsrechter uitschelden mag niet.",
                        at,
                    )
                    .await
                    .map_err(|e| format!("demo rejection: {e}"))?;
                store
                    .contest(
                        queued.id,
                        author.id,
                        "Ik schold niemand uit, ik zei wat iedereen zag.",
                        at + Duration::minutes(2),
                    )
                    .await
                    .map_err(|e| format!("demo contest: {e}"))?;
            }
        }
        // Two readers complain about a visible comment.
        let page = store
            .comments_page(*article_id, Default::default(), None, 5, 0)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(target) = page.threads.iter().map(|t| &t.root).find(|c| c.public) {
            for (reader, reason) in readers
                .iter()
                .filter(|r| Some(r.id) != target.author_id)
                .take(2)
                .zip([ReportReason::Abuse, ReportReason::Other])
            {
                store
                    .report_comment(target.id, reader.id, reason, "Dit kan echt niet.", now)
                    .await
                    .map_err(|e| format!("demo report: {e}"))?;
            }
            // Someone without an account says it breaks the law (a DSA notice).
            store
                .add_notice(
                    &tribune_core::law::NewNotice {
                        comment_id: target.id,
                        category: tribune_core::law::NoticeCategory::Privacy,
                        explanation: "Deze reactie verwijst naar de woonplaats van een speler."
                            .to_string(),
                        email: None,
                        reporter_id: None,
                    },
                    now,
                )
                .await
                .map_err(|e| format!("demo notice: {e}"))?;
        }
    }
    Ok(loaded)
}
