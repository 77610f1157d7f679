//! The demo's matchday: a round of the Jupiler Pro League around the moment the demo is
//! loaded, with yesterday's results, tomorrow's fixtures and one match being played now
//! (a goal, a card, and a goal that VAR took back). The clubs are the demo's club topics.

use chrono::{DateTime, Duration, Utc};
use tribune_core::Store;
use tribune_core::football::{
    EventKind, ImportedGoal, ImportedMatch, ImportedTeam, MatchStatus, Minute, NewLiveEntry,
    NewMatchEvent, Score, Side,
};
use tribune_core::time::{from_input, input_date};

const COMPETITION: &str = "Jupiler Pro League";
const ROUND: &str = "Speeldag 17";

/// (home, away, days from today and the Brussels kick-off time (`None`: live now), the
/// scorers of a match that was played)
type Fixture = (
    &'static str,
    &'static str,
    Option<(i64, &'static str)>,
    Option<&'static [(Side, i32, &'static str)]>,
);

const FIXTURES: &[Fixture] = &[
    (
        "Club Brugge",
        "RSC Anderlecht",
        Some((-1, "18:15")),
        Some(&[
            (Side::Home, 17, "Tibo Verstraete"),
            (Side::Away, 58, "Mateo Ordóñez"),
            (Side::Home, 84, "Jonas Lambrecht"),
        ]),
    ),
    ("KAA Gent", "Standard Luik", Some((-1, "20:45")), Some(&[])),
    ("KRC Genk", "Royal Antwerp FC", None, None),
    (
        "Union Saint-Gilloise",
        "Cercle Brugge",
        Some((1, "18:15")),
        None,
    ),
    ("KV Mechelen", "OH Leuven", Some((1, "20:45")), None),
];

/// A liveblog entry of the live match: (minute, text, the event it is about, key moment,
/// pinned).
type DemoEntry = (Option<i32>, &'static str, Option<i64>, bool, bool);

/// The match the demo plays live: kicked off half an hour before the demo was loaded.
pub const LIVE_HOME: &str = "KRC Genk";

fn team(name: &str) -> ImportedTeam {
    ImportedTeam {
        name: name.to_string(),
        short_name: None,
        topic_id: None,
        topic_name: None,
        topic_name_fr: None,
    }
}

/// Loads the round (again: the same matches move to the new `now`), then plays the live
/// match's first half hour unless it was played before.
pub async fn load(store: &dyn Store, now: DateTime<Utc>) -> Result<usize, String> {
    let mut matches: Vec<ImportedMatch> = FIXTURES
        .iter()
        .map(|(home, away, when, played)| {
            let kickoff_at = when
                .and_then(|(days, time)| {
                    let day = input_date(now + Duration::days(days));
                    from_input(&day, time)
                })
                .unwrap_or(now - Duration::minutes(30));
            let goals: Vec<ImportedGoal> = played
                .unwrap_or_default()
                .iter()
                .map(|(side, minute, player)| ImportedGoal {
                    for_side: *side,
                    minute: Minute::new(*minute, None),
                    player: player.to_string(),
                    penalty: false,
                    own_goal: false,
                })
                .collect();
            let score = played.map(|_| {
                let home_goals = goals.iter().filter(|g| g.for_side == Side::Home).count();
                Score::new(home_goals as i32, (goals.len() - home_goals) as i32)
            });
            ImportedMatch {
                key: format!(
                    "demo:{}-{}",
                    tribune_core::slugify(home),
                    tribune_core::slugify(away)
                ),
                round: ROUND.to_string(),
                home: team(home),
                away: team(away),
                kickoff_at,
                time_known: true,
                status: if played.is_some() {
                    MatchStatus::Finished
                } else {
                    MatchStatus::Scheduled
                },
                score,
                half_time: None,
                penalties: None,
                goals,
            }
        })
        .collect();
    crate::fixtures::link_topics(store, &mut matches)
        .await
        .map_err(|e| e.to_string())?;
    // A reload leaves the live match as it was, once it has been played: importing it
    // again would set it back to "not started" under its events.
    let earlier = store
        .matches_between(now - Duration::days(365), now + Duration::days(2), 10_000)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|m| {
            m.competition.name == COMPETITION && m.round == ROUND && m.home.name == LIVE_HOME
        });
    let played_before = match earlier {
        Some(m) => !store
            .match_events(m.id)
            .await
            .map_err(|e| e.to_string())?
            .is_empty(),
        None => false,
    };
    if played_before {
        matches.retain(|m| m.home.name != LIVE_HOME);
    }
    let report = store
        .import_fixtures(COMPETITION, &matches, now)
        .await
        .map_err(|e| e.to_string())?;
    if played_before {
        return Ok(report.created + report.updated);
    }
    let day = store
        .matches_between(now - Duration::hours(1), now, 10)
        .await
        .map_err(|e| e.to_string())?;
    let Some(live) = day.into_iter().find(|m| m.home.name == LIVE_HOME) else {
        return Err("the demo's live match was not written".into());
    };
    store
        .set_match_status(
            live.id,
            MatchStatus::FirstHalf,
            Some(Minute::new(30, None)),
            now,
        )
        .await
        .map_err(|e| e.to_string())?;
    let event = |kind, side, minute, player: &str, reverses| NewMatchEvent {
        kind,
        side,
        minute: Minute::new(minute, None),
        player: player.to_string(),
        other_player: String::new(),
        reverses,
    };
    let live_id = live.id;
    let add = |e: NewMatchEvent| async move {
        store
            .add_match_event(live_id, &e, now)
            .await
            .map(|(_, e)| e.id)
            .map_err(|e| e.to_string())
    };
    let opener = add(event(
        EventKind::Goal,
        Side::Home,
        12,
        "Nordin Azzouzi",
        None,
    ))
    .await?;
    add(event(
        EventKind::Yellow,
        Side::Away,
        20,
        "Rik Vandamme",
        None,
    ))
    .await?;
    let disallowed = add(event(
        EventKind::Goal,
        Side::Away,
        24,
        "Sven Willaert",
        None,
    ))
    .await?;
    add(event(EventKind::VarCheck, Side::Away, 25, "", None)).await?;
    add(event(
        EventKind::VarDecision,
        Side::Away,
        26,
        "",
        Some(disallowed),
    ))
    .await?;
    let entries: [DemoEntry; 5] = [
        (
            None,
            "Welkom in ons liveblog. Onze reporter zit in de perstribune en volgt elke fase.",
            None,
            false,
            true,
        ),
        (
            Some(1),
            "De bal rolt. Genk speelt in het blauw, Antwerp in het rood.",
            None,
            false,
            false,
        ),
        (
            Some(12),
            "**GOAL!** Nordin Azzouzi kopt een hoekschop binnen aan de tweede paal: 1-0.",
            Some(opener),
            true,
            false,
        ),
        (
            Some(24),
            "Antwerp lijkt gelijk te maken via Sven Willaert, maar de VAR kijkt mee.",
            Some(disallowed),
            true,
            false,
        ),
        (
            Some(26),
            "Afgekeurd: Willaert stond buitenspel bij de voorzet. Het blijft 1-0.",
            None,
            false,
            false,
        ),
    ];
    for (minute, text, event_id, key_event, pinned) in entries {
        store
            .add_live_entry(
                live_id,
                &NewLiveEntry {
                    event_id,
                    minute: minute.map(|m| Minute::new(m, None)),
                    body_markdown: text.to_string(),
                    key_event,
                    pinned,
                },
                None,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(report.created + report.updated)
}
