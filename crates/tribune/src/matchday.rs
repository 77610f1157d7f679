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

/// The short names score chips use.
const SHORT: &[(&str, &str)] = &[
    ("Club Brugge", "Brugge"),
    ("RSC Anderlecht", "Anderlecht"),
    ("KAA Gent", "Gent"),
    ("Standard Luik", "Standard"),
    ("KRC Genk", "Genk"),
    ("Royal Antwerp FC", "Antwerp"),
    ("Union Saint-Gilloise", "Union"),
    ("Cercle Brugge", "Cercle"),
    ("KV Mechelen", "Mechelen"),
    ("OH Leuven", "OHL"),
];

fn team(name: &str) -> ImportedTeam {
    ImportedTeam {
        name: name.to_string(),
        short_name: SHORT
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.to_string()),
        topic_id: None,
        topic_name: None,
        topic_name_fr: None,
    }
}

/// Loads the round (again: the same matches move to the new `now`), then plays the live
/// match's first half hour unless it was played before.
pub async fn load(
    store: &dyn Store,
    live_article: Option<tribune_core::article::ArticleId>,
    now: DateTime<Utc>,
) -> Result<usize, String> {
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
    // Readers comment under the match on its live article.
    store
        .set_match_article(live.id, live_article, now)
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

/// The pairs the demo plays, one after the other, once the first live match is over.
const NEXT_PAIRS: &[(&str, &str)] = &[
    ("Club Brugge", "KAA Gent"),
    ("RSC Anderlecht", "KRC Genk"),
    ("Royal Antwerp FC", "Standard Luik"),
    ("Union Saint-Gilloise", "KV Mechelen"),
    ("Cercle Brugge", "OH Leuven"),
];

/// Players the simulation lets score, get booked and come on (made up, per side).
const PLAYERS: [&[&str]; 2] = [
    &[
        "Nordin Azzouzi",
        "Lars Vermeiren",
        "Tom Claeys",
        "Bram De Wilde",
        "Yannick Mbuyi",
        "Joris Peeters",
    ],
    &[
        "Sven Willaert",
        "Rik Vandamme",
        "Karim Benali",
        "Dieter Wouters",
        "Arne Goossens",
        "Milan Hendrickx",
    ],
];

/// Where a simulated match stands `elapsed` minutes after kick-off: 45 minutes and two
/// added, a quarter-hour break, 45 minutes and three added.
fn phase(elapsed: i64) -> (MatchStatus, Option<Minute>) {
    let e = elapsed.max(0) as i32;
    match e {
        0..=46 => (MatchStatus::FirstHalf, Some(clock_minute(e + 1, 45))),
        47..=61 => (MatchStatus::HalfTime, Some(Minute::new(45, None))),
        62..=109 => (MatchStatus::SecondHalf, Some(clock_minute(e - 61 + 45, 90))),
        _ => (MatchStatus::Finished, None),
    }
}

fn clock_minute(minute: i32, end: i32) -> Minute {
    if minute > end {
        Minute::new(end, Some(minute - end))
    } else {
        Minute::new(minute, None)
    }
}

/// A small generator for the simulation's dice (xorshift): no need for a real one.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Keeps a demo match live for as long as the demo runs: the clock moves the match on,
/// and every few minutes something happens (a goal, a card, a change, a goal VAR takes
/// back) with a liveblog entry about it. When a match ends, the next one kicks off.
pub async fn play(
    store: std::sync::Arc<dyn Store>,
    clock: std::sync::Arc<dyn tribune_core::Clock>,
) {
    let mut dice = Dice(clock.now().timestamp_millis() as u64 | 1);
    let mut next_event: Option<(i64, i32)> = None;
    let mut pair = 0usize;
    loop {
        if let Err(e) = step(
            store.as_ref(),
            clock.now(),
            &mut dice,
            &mut next_event,
            &mut pair,
        )
        .await
        {
            tracing::warn!(error = %e, "the demo match skipped a beat");
        }
        tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    }
}

async fn step(
    store: &dyn Store,
    now: DateTime<Utc>,
    dice: &mut Dice,
    next_event: &mut Option<(i64, i32)>,
    pair: &mut usize,
) -> Result<(), String> {
    let e = |e: tribune_core::store::StoreError| e.to_string();
    let live = store.live_matches().await.map_err(e)?;
    let Some(m) = live.into_iter().find(|m| m.competition.name == COMPETITION) else {
        // Nothing on: the next pair kicks off now.
        let (home, away) = NEXT_PAIRS[*pair % NEXT_PAIRS.len()];
        *pair += 1;
        let mut fixture = vec![ImportedMatch {
            key: format!("demo:live:{}", now.timestamp()),
            round: ROUND.to_string(),
            home: team(home),
            away: team(away),
            kickoff_at: now,
            time_known: true,
            status: MatchStatus::Scheduled,
            score: None,
            half_time: None,
            penalties: None,
            goals: Vec::new(),
        }];
        crate::fixtures::link_topics(store, &mut fixture)
            .await
            .map_err(e)?;
        store
            .import_fixtures(COMPETITION, &fixture, now)
            .await
            .map_err(e)?;
        let started = store
            .matches_between(now - Duration::seconds(1), now + Duration::seconds(1), 10)
            .await
            .map_err(e)?
            .into_iter()
            .find(|m| m.home.name == home)
            .ok_or("the new demo match was not written")?;
        store
            .set_match_status(
                started.id,
                MatchStatus::FirstHalf,
                Some(Minute::new(1, None)),
                now,
            )
            .await
            .map_err(e)?;
        write(
            store,
            started.id,
            Some(1),
            None,
            "De bal rolt. Welkom bij ons liveblog!",
            false,
            now,
        )
        .await?;
        return Ok(());
    };
    let (status, minute) = phase((now - m.kickoff_at).num_minutes());
    if status != m.status || minute != m.minute {
        store
            .set_match_status(m.id, status, minute, now)
            .await
            .map_err(e)?;
        let score = m.score.unwrap_or(Score::new(0, 0));
        let note = match status {
            MatchStatus::HalfTime if m.status != MatchStatus::HalfTime => {
                Some(format!("Rust. Het staat {score}."))
            }
            MatchStatus::SecondHalf if m.status == MatchStatus::HalfTime => {
                Some("De tweede helft is begonnen.".to_string())
            }
            MatchStatus::Finished => Some(format!(
                "Einde wedstrijd: {} {score} {}.",
                m.home.name, m.away.name
            )),
            _ => None,
        };
        if let Some(text) = note {
            write(
                store,
                m.id,
                minute.map(|mi| mi.minute),
                None,
                &text,
                false,
                now,
            )
            .await?;
        }
    }
    let Some(minute) = minute.filter(|_| status != MatchStatus::HalfTime && status.is_live())
    else {
        return Ok(());
    };
    let due = match *next_event {
        Some((id, at)) if id == m.id => at,
        _ => {
            let at = minute.minute + 2 + dice.roll(3) as i32;
            *next_event = Some((m.id, at));
            at
        }
    };
    if minute.minute < due {
        return Ok(());
    }
    *next_event = Some((m.id, minute.minute + 3 + dice.roll(4) as i32));
    let side = if dice.roll(2) == 0 {
        Side::Home
    } else {
        Side::Away
    };
    let (team_name, players) = match side {
        Side::Home => (&m.home.name, PLAYERS[0]),
        Side::Away => (&m.away.name, PLAYERS[1]),
    };
    let player = players[dice.roll(players.len() as u64) as usize];
    let events = store.match_events(m.id).await.map_err(e)?;
    let last_goal = events
        .iter()
        .rev()
        .find(|ev| !ev.cancelled && ev.reverses.is_none() && ev.kind.scores_for(ev.side).is_some())
        .filter(|ev| minute.minute - ev.minute.minute <= 3);
    let new = |kind, other: &str, reverses| NewMatchEvent {
        kind,
        side,
        minute,
        player: player.to_string(),
        other_player: other.to_string(),
        reverses,
    };
    let (event, text, key) = match (dice.roll(10), last_goal) {
        // A goal just scored that VAR takes back.
        (0, Some(goal)) => (
            NewMatchEvent {
                side: goal.side,
                player: String::new(),
                ..new(EventKind::VarDecision, "", Some(goal.id))
            },
            format!(
                "De VAR grijpt in: het doelpunt van {} telt niet.",
                goal.player
            ),
            true,
        ),
        (0..=2, _) => (
            new(EventKind::Goal, "", None),
            format!("**GOAL!** {player} scoort voor {team_name}."),
            true,
        ),
        (3..=5, _) => (
            new(EventKind::Yellow, "", None),
            format!("Geel voor {player} ({team_name}) na een late tackle."),
            false,
        ),
        (6..=7, _) if minute.minute > 55 => {
            let other = players[dice.roll(players.len() as u64) as usize];
            (
                new(EventKind::Substitution, other, None),
                format!("Wissel bij {team_name}: {player} komt in de plaats van {other}."),
                false,
            )
        }
        _ => {
            write(
                store,
                m.id,
                Some(minute.minute),
                None,
                &format!("Kans voor {team_name}: {player} mikt net naast."),
                false,
                now,
            )
            .await?;
            return Ok(());
        }
    };
    let (_, added) = store.add_match_event(m.id, &event, now).await.map_err(e)?;
    write(
        store,
        m.id,
        Some(minute.minute),
        Some(added.id),
        &text,
        key,
        now,
    )
    .await
}

async fn write(
    store: &dyn Store,
    id: tribune_core::football::MatchId,
    minute: Option<i32>,
    event_id: Option<i64>,
    text: &str,
    key_event: bool,
    now: DateTime<Utc>,
) -> Result<(), String> {
    store
        .add_live_entry(
            id,
            &NewLiveEntry {
                event_id,
                minute: minute.map(|m| Minute::new(m, None)),
                body_markdown: text.to_string(),
                key_event,
                pinned: false,
            },
            None,
            now,
        )
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_simulated_match_runs_through_its_halves() {
        assert_eq!(
            phase(0),
            (MatchStatus::FirstHalf, Some(Minute::new(1, None)))
        );
        assert_eq!(
            phase(46),
            (MatchStatus::FirstHalf, Some(Minute::new(45, Some(2))))
        );
        assert_eq!(phase(50).0, MatchStatus::HalfTime);
        assert_eq!(
            phase(62),
            (MatchStatus::SecondHalf, Some(Minute::new(46, None)))
        );
        assert_eq!(
            phase(106),
            (MatchStatus::SecondHalf, Some(Minute::new(90, None)))
        );
        assert_eq!(
            phase(109),
            (MatchStatus::SecondHalf, Some(Minute::new(90, Some(3))))
        );
        assert_eq!(phase(110), (MatchStatus::Finished, None));
    }
}
