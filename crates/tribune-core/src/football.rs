//! Competitions, teams and matches: the fixtures an import brings in, a match's status and
//! score, and its events (goals, cards, substitutions, VAR) with the rule that a VAR
//! reversal cancels what it reverses and the score follows.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::topic::TopicId;

pub type CompetitionId = i64;
pub type TeamId = i64;
pub type MatchId = i64;
pub type MatchEventId = i64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Competition {
    pub id: CompetitionId,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    pub id: TeamId,
    pub slug: String,
    /// The Dutch name, as the site writes it ("Club Brugge").
    pub name: String,
    /// The French name ("Standard de Liège"), when it differs.
    pub name_fr: Option<String>,
    /// For score chips and narrow tables ("Club", "Anderlecht").
    pub short_name: String,
    /// Every name an import may use for this team ("Club Brugge KV"): found case and
    /// accents folded.
    pub aliases: Vec<String>,
    /// The club's topic, whose headlines carry this team's live score.
    pub topic_id: Option<TopicId>,
}

/// What the back office sets of a team; its address (slug) stays as the import made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamEdit {
    pub name: String,
    pub name_fr: Option<String>,
    pub short_name: String,
    /// Other names imports use; the names above are always found too.
    pub aliases: Vec<String>,
    pub topic_id: Option<TopicId>,
}

/// Longest team name or alias, and most aliases per team.
const TEAM_NAME_MAX: usize = 100;
const SHORT_NAME_MAX: usize = 30;
const ALIASES_MAX: usize = 50;

impl TeamEdit {
    /// Trimmed, with empty and repeated aliases (case and accents folded) left out.
    pub fn tidy(mut self) -> Self {
        self.name = self.name.trim().to_string();
        self.short_name = self.short_name.trim().to_string();
        self.name_fr = self
            .name_fr
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        let mut seen = std::collections::HashSet::new();
        self.aliases = self
            .aliases
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty() && seen.insert(crate::topic::fold_name(a)))
            .collect();
        self
    }

    /// A name and a short name, nothing oversized.
    pub fn check(&self) -> Result<(), String> {
        if self.name.is_empty() || self.short_name.is_empty() {
            return Err("Een ploeg heeft een naam en een korte naam.".into());
        }
        let long = [self.name.as_str()]
            .into_iter()
            .chain(self.name_fr.as_deref())
            .chain(self.aliases.iter().map(String::as_str))
            .find(|n| n.chars().count() > TEAM_NAME_MAX);
        if let Some(n) = long {
            return Err(format!("{n:?} is langer dan {TEAM_NAME_MAX} tekens."));
        }
        if self.short_name.chars().count() > SHORT_NAME_MAX {
            return Err(format!(
                "De korte naam is langer dan {SHORT_NAME_MAX} tekens."
            ));
        }
        if self.aliases.len() > ALIASES_MAX {
            return Err(format!("Meer dan {ALIASES_MAX} andere namen."));
        }
        Ok(())
    }

    /// Every name the team is found by: its names and its aliases.
    pub fn all_names(&self) -> Vec<&str> {
        [self.name.as_str(), self.short_name.as_str()]
            .into_iter()
            .chain(self.name_fr.as_deref())
            .chain(self.aliases.iter().map(String::as_str))
            .collect()
    }
}

/// Where a match stands. The order is the order of play; the last five end or interrupt it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    Scheduled,
    FirstHalf,
    HalfTime,
    SecondHalf,
    ExtraTime,
    Penalties,
    Finished,
    Postponed,
    Suspended,
    Cancelled,
    Awarded,
}

impl MatchStatus {
    pub const ALL: [MatchStatus; 11] = [
        Self::Scheduled,
        Self::FirstHalf,
        Self::HalfTime,
        Self::SecondHalf,
        Self::ExtraTime,
        Self::Penalties,
        Self::Finished,
        Self::Postponed,
        Self::Suspended,
        Self::Cancelled,
        Self::Awarded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::FirstHalf => "first_half",
            Self::HalfTime => "half_time",
            Self::SecondHalf => "second_half",
            Self::ExtraTime => "extra_time",
            Self::Penalties => "penalties",
            Self::Finished => "finished",
            Self::Postponed => "postponed",
            Self::Suspended => "suspended",
            Self::Cancelled => "cancelled",
            Self::Awarded => "awarded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What the match page and the score chip say.
    pub fn label(self) -> &'static str {
        match self {
            Self::Scheduled => "Nog te spelen",
            Self::FirstHalf => "Eerste helft",
            Self::HalfTime => "Rust",
            Self::SecondHalf => "Tweede helft",
            Self::ExtraTime => "Verlengingen",
            Self::Penalties => "Strafschoppen",
            Self::Finished => "Einde",
            Self::Postponed => "Uitgesteld",
            Self::Suspended => "Stilgelegd",
            Self::Cancelled => "Afgelast",
            Self::Awarded => "Reglementaire uitslag",
        }
    }

    /// Being played right now (a break included): readers follow it live.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            Self::FirstHalf | Self::HalfTime | Self::SecondHalf | Self::ExtraTime | Self::Penalties
        )
    }

    /// Whether a score belongs with this status: not before kick-off, not for a match that
    /// was never played.
    pub fn has_score(self) -> bool {
        !matches!(self, Self::Scheduled | Self::Postponed | Self::Cancelled)
    }
}

/// Home or away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Home,
    Away,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Home => "home",
            Self::Away => "away",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "home" => Some(Self::Home),
            "away" => Some(Self::Away),
            _ => None,
        }
    }
    pub fn other(self) -> Self {
        match self {
            Self::Home => Self::Away,
            Self::Away => Self::Home,
        }
    }
}

/// Goals for home and away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Score {
    pub home: i32,
    pub away: i32,
}

impl Score {
    pub fn new(home: i32, away: i32) -> Self {
        Self { home, away }
    }
    fn add(&mut self, side: Side) {
        match side {
            Side::Home => self.home += 1,
            Side::Away => self.away += 1,
        }
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.home, self.away)
    }
}

/// The minute as the match page writes it: 45+2' for added time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Minute {
    pub minute: i32,
    /// Minutes of added time, after the half's last regular minute.
    pub added: Option<i32>,
}

impl Minute {
    pub fn new(minute: i32, added: Option<i32>) -> Self {
        Self {
            minute,
            added: added.filter(|a| *a > 0),
        }
    }

    /// A minute a match can have: 1 to 130 (extra time included), added time up to 30.
    pub fn is_plausible(&self) -> bool {
        (0..=130).contains(&self.minute) && self.added.is_none_or(|a| (1..=30).contains(&a))
    }
}

impl std::fmt::Display for Minute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.added {
            Some(a) => write!(f, "{}+{a}'", self.minute),
            None => write!(f, "{}'", self.minute),
        }
    }
}

/// A team as a match shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchTeam {
    pub id: TeamId,
    pub slug: String,
    pub name: String,
    pub short_name: String,
    pub topic_id: Option<TopicId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    pub id: MatchId,
    pub competition: Competition,
    /// "Speeldag 3", or the import's own name for the round.
    pub round: String,
    pub home: MatchTeam,
    pub away: MatchTeam,
    pub kickoff_at: DateTime<Utc>,
    /// False when the source gave only the date: the page says the day, not 00:00.
    pub time_known: bool,
    pub status: MatchStatus,
    /// The minute being played, while the match is live.
    pub minute: Option<Minute>,
    /// The score after regular and extra time; none before kick-off.
    pub score: Option<Score>,
    pub half_time: Option<Score>,
    /// The shoot-out, when there was one.
    pub penalties: Option<Score>,
    pub updated_at: DateTime<Utc>,
    /// The article that carries the match's comments (its live article), once linked.
    pub article_id: Option<crate::article::ArticleId>,
    /// A derby or high-risk match, marked by the desk: its clubs' articles are moderated
    /// more strictly all day.
    pub high_risk: bool,
}

impl Match {
    /// "Club Brugge - Anderlecht".
    pub fn title(&self) -> String {
        format!("{} - {}", self.home.name, self.away.name)
    }

    /// Address of the match page: id first, the slug only for the reader.
    pub fn path(&self) -> String {
        format!(
            "/wedstrijden/{}-{}-{}",
            self.id, self.home.slug, self.away.slug
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Goal,
    OwnGoal,
    PenaltyScored,
    PenaltyMissed,
    Yellow,
    SecondYellow,
    Red,
    Substitution,
    /// The referee looks at the screen: nothing changes yet.
    VarCheck,
    /// The outcome of a check; with `reverses` it cancels that goal or card.
    VarDecision,
}

impl EventKind {
    pub const ALL: [EventKind; 10] = [
        Self::Goal,
        Self::OwnGoal,
        Self::PenaltyScored,
        Self::PenaltyMissed,
        Self::Yellow,
        Self::SecondYellow,
        Self::Red,
        Self::Substitution,
        Self::VarCheck,
        Self::VarDecision,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Goal => "goal",
            Self::OwnGoal => "own_goal",
            Self::PenaltyScored => "penalty_scored",
            Self::PenaltyMissed => "penalty_missed",
            Self::Yellow => "yellow",
            Self::SecondYellow => "second_yellow",
            Self::Red => "red",
            Self::Substitution => "substitution",
            Self::VarCheck => "var_check",
            Self::VarDecision => "var_decision",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Goal => "Doelpunt",
            Self::OwnGoal => "Eigen doelpunt",
            Self::PenaltyScored => "Strafschop benut",
            Self::PenaltyMissed => "Strafschop gemist",
            Self::Yellow => "Gele kaart",
            Self::SecondYellow => "Tweede gele kaart",
            Self::Red => "Rode kaart",
            Self::Substitution => "Wissel",
            Self::VarCheck => "VAR-check",
            Self::VarDecision => "VAR-beslissing",
        }
    }

    /// The side this event scores for, if it is a goal: an own goal counts for the other
    /// team than the player's.
    pub fn scores_for(self, side: Side) -> Option<Side> {
        match self {
            Self::Goal | Self::PenaltyScored => Some(side),
            Self::OwnGoal => Some(side.other()),
            _ => None,
        }
    }

    /// What a VAR decision may take back.
    pub fn can_be_reversed(self) -> bool {
        matches!(
            self,
            Self::Goal
                | Self::OwnGoal
                | Self::PenaltyScored
                | Self::Yellow
                | Self::SecondYellow
                | Self::Red
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchEvent {
    pub id: MatchEventId,
    pub match_id: MatchId,
    pub kind: EventKind,
    /// The player's team (for an own goal: the team of the player who put it in).
    pub side: Side,
    pub minute: Minute,
    pub player: String,
    /// The assist, or for a substitution the player who comes off.
    pub other_player: String,
    /// For a VAR decision: the event it cancels.
    pub reverses: Option<MatchEventId>,
    /// Cancelled by a VAR decision.
    pub cancelled: bool,
    pub created_at: DateTime<Utc>,
}

/// A new event as the live console or an import gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMatchEvent {
    pub kind: EventKind,
    pub side: Side,
    pub minute: Minute,
    pub player: String,
    pub other_player: String,
    pub reverses: Option<MatchEventId>,
}

impl NewMatchEvent {
    /// Refuses what cannot be: a minute outside a match, a name of more than 80
    /// characters, a reversal without its target, or a target on a non-decision.
    pub fn check(&self) -> Result<(), String> {
        if !self.minute.is_plausible() {
            return Err(format!("{} is not a minute of a match", self.minute));
        }
        for name in [&self.player, &self.other_player] {
            if name.chars().count() > 80 {
                return Err("a player's name has at most 80 characters".into());
            }
            if name.chars().any(char::is_control) {
                return Err("a player's name is one line of text".into());
            }
        }
        match (self.kind, self.reverses) {
            (EventKind::VarDecision, _) | (_, None) => Ok(()),
            (_, Some(_)) => Err("only a VAR decision can reverse an event".into()),
        }
    }
}

/// The score the events add up to: goals that were not cancelled.
pub fn score_of(events: &[MatchEvent]) -> Score {
    let mut score = Score::default();
    for e in events.iter().filter(|e| !e.cancelled) {
        if let Some(side) = e.kind.scores_for(e.side) {
            score.add(side);
        }
    }
    score
}

/// Checks that `target` may be reversed by a VAR decision: a goal or card that is not
/// cancelled already. The store calls this inside the transaction that cancels it.
pub fn check_reversal(target: &MatchEvent) -> Result<(), String> {
    if !target.kind.can_be_reversed() {
        return Err(format!(
            "a VAR decision cannot take back a {}",
            target.kind.label().to_lowercase()
        ));
    }
    if target.cancelled {
        return Err("that event was already cancelled".into());
    }
    Ok(())
}

pub type LiveEntryId = i64;

/// Longest liveblog entry, in characters of Markdown.
pub const ENTRY_MAX: usize = 5_000;

/// A liveblog entry as the match page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveEntry {
    pub id: LiveEntryId,
    pub match_id: MatchId,
    /// The event it is about: a reversal of that event marks the entry.
    pub event_id: Option<MatchEventId>,
    pub minute: Option<Minute>,
    pub body_markdown: String,
    /// Rendered and cleaned when written.
    pub body_html: String,
    /// A moment that matters (a goal, a red card): highlighted.
    pub key_event: bool,
    /// Kept on top of the liveblog.
    pub pinned: bool,
    pub author_id: Option<crate::account::AccountId>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
}

/// One line of the match log: the match's board changed (status, minute, score, events),
/// or one of its liveblog entries did (written, edited, deleted, or marked by a reversal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchChange {
    pub seq: i64,
    pub match_id: MatchId,
    /// `None`: the board.
    pub entry: Option<LiveEntryId>,
}

/// A liveblog entry as the console writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLiveEntry {
    pub event_id: Option<MatchEventId>,
    pub minute: Option<Minute>,
    pub body_markdown: String,
    pub key_event: bool,
    pub pinned: bool,
}

impl NewLiveEntry {
    pub fn check(&self) -> Result<(), String> {
        let body = self.body_markdown.trim();
        if body.is_empty() {
            return Err("an entry needs text".into());
        }
        if body.chars().count() > ENTRY_MAX {
            return Err(format!("an entry has at most {ENTRY_MAX} characters"));
        }
        if body.contains('\0') {
            return Err("an entry cannot hold a NUL character".into());
        }
        if let Some(m) = self.minute
            && !m.is_plausible()
        {
            return Err(format!("{m} is not a minute of a match"));
        }
        Ok(())
    }
}

/// The entry a console offers after an event: "GOAL! Nordin Azzouzi (KRC Genk)".
pub fn suggested_entry(event: &MatchEvent, team: &str) -> String {
    let who = if event.player.is_empty() {
        team.to_string()
    } else {
        format!("{} ({team})", event.player)
    };
    match event.kind {
        EventKind::Goal | EventKind::PenaltyScored => format!("GOAL! {who} scoort."),
        EventKind::OwnGoal => format!("Eigen doelpunt van {who}."),
        EventKind::PenaltyMissed => format!("Strafschop gemist door {who}."),
        EventKind::Yellow => format!("Geel voor {who}."),
        EventKind::SecondYellow => format!("Tweede gele kaart en dus rood voor {who}."),
        EventKind::Red => format!("Rood voor {who}."),
        EventKind::Substitution if !event.other_player.is_empty() => {
            format!(
                "Wissel bij {team}: {} komt in de plaats van {}.",
                event.player, event.other_player
            )
        }
        EventKind::Substitution => format!("Wissel bij {team}."),
        EventKind::VarCheck => "De VAR kijkt mee.".to_string(),
        EventKind::VarDecision => "Na tussenkomst van de VAR wordt de fase afgekeurd.".to_string(),
    }
}

/// A team as an import names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedTeam {
    pub name: String,
    pub short_name: Option<String>,
    /// The club topic the importer found for this name, used when the team is new.
    pub topic_id: Option<TopicId>,
    /// The topic's Dutch and French names, which a new team takes as its own.
    pub topic_name: Option<String>,
    pub topic_name_fr: Option<String>,
}

/// A goal as an import gives it (openfootball's goals1/goals2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedGoal {
    /// The team it counts for.
    pub for_side: Side,
    pub minute: Minute,
    pub player: String,
    pub penalty: bool,
    pub own_goal: bool,
}

impl ImportedGoal {
    /// As a match event: an own goal is the other team's player's.
    pub fn as_event(&self) -> NewMatchEvent {
        let (kind, side) = match (self.own_goal, self.penalty) {
            (true, _) => (EventKind::OwnGoal, self.for_side.other()),
            (false, true) => (EventKind::PenaltyScored, self.for_side),
            (false, false) => (EventKind::Goal, self.for_side),
        };
        NewMatchEvent {
            kind,
            side,
            minute: self.minute,
            player: self.player.clone(),
            other_player: String::new(),
            reverses: None,
        }
    }
}

/// A match as an import gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedMatch {
    /// Identity at the source, so that importing again updates this match.
    pub key: String,
    pub round: String,
    pub home: ImportedTeam,
    pub away: ImportedTeam,
    pub kickoff_at: DateTime<Utc>,
    pub time_known: bool,
    pub status: MatchStatus,
    pub score: Option<Score>,
    pub half_time: Option<Score>,
    pub penalties: Option<Score>,
    /// Empty when the source gives none; given, they replace the imported ones.
    pub goals: Vec<ImportedGoal>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FixturesReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub teams_created: usize,
}

impl std::fmt::Display for FixturesReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} new, {} updated, {} unchanged matches; {} new teams",
            self.created, self.updated, self.unchanged, self.teams_created
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, kind: EventKind, side: Side) -> MatchEvent {
        MatchEvent {
            id,
            match_id: 1,
            kind,
            side,
            minute: Minute::new(10, None),
            player: String::new(),
            other_player: String::new(),
            reverses: None,
            cancelled: false,
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn goals_add_up_own_goals_count_for_the_other_side_and_cancelled_ones_do_not() {
        let mut events = vec![
            event(1, EventKind::Goal, Side::Home),
            event(2, EventKind::OwnGoal, Side::Home),
            event(3, EventKind::PenaltyScored, Side::Away),
            event(4, EventKind::PenaltyMissed, Side::Home),
            event(5, EventKind::Yellow, Side::Away),
        ];
        assert_eq!(score_of(&events), Score::new(1, 2));
        events[0].cancelled = true;
        assert_eq!(score_of(&events), Score::new(0, 2));
    }

    #[test]
    fn only_goals_and_cards_not_yet_cancelled_can_be_reversed() {
        let mut goal = event(1, EventKind::Goal, Side::Home);
        assert!(check_reversal(&goal).is_ok());
        goal.cancelled = true;
        assert!(check_reversal(&goal).is_err());
        assert!(check_reversal(&event(2, EventKind::Substitution, Side::Home)).is_err());
        assert!(check_reversal(&event(3, EventKind::Red, Side::Away)).is_ok());
    }

    #[test]
    fn minutes_read_as_the_page_writes_them() {
        assert_eq!(Minute::new(45, Some(2)).to_string(), "45+2'");
        assert_eq!(Minute::new(12, Some(0)).to_string(), "12'");
        assert!(!Minute::new(200, None).is_plausible());
        assert!(!Minute::new(90, Some(45)).is_plausible());
    }

    #[test]
    fn a_new_event_is_checked() {
        let mut e = NewMatchEvent {
            kind: EventKind::Goal,
            side: Side::Home,
            minute: Minute::new(33, None),
            player: "Speler".into(),
            other_player: String::new(),
            reverses: Some(4),
        };
        assert!(e.check().is_err(), "a goal cannot reverse anything");
        e.kind = EventKind::VarDecision;
        assert!(e.check().is_ok());
        e.minute = Minute::new(-1, None);
        assert!(e.check().is_err());
    }

    #[test]
    fn an_imported_own_goal_is_the_other_teams_player() {
        let g = ImportedGoal {
            for_side: Side::Home,
            minute: Minute::new(60, None),
            player: "Verdediger".into(),
            penalty: false,
            own_goal: true,
        };
        let e = g.as_event();
        assert_eq!((e.kind, e.side), (EventKind::OwnGoal, Side::Away));
        assert_eq!(
            EventKind::OwnGoal.scores_for(e.side),
            Some(Side::Home),
            "it still counts for the home side"
        );
    }

    #[test]
    fn statuses_round_trip_and_know_when_a_match_is_live() {
        for s in MatchStatus::ALL {
            assert_eq!(MatchStatus::parse(s.as_str()), Some(s));
        }
        assert!(MatchStatus::HalfTime.is_live());
        assert!(!MatchStatus::Finished.is_live());
        assert!(!MatchStatus::Postponed.has_score());
    }
}

/// Why a match puts its clubs' articles in match-evening mode (stricter moderation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EveningCause {
    /// Being played.
    Live,
    /// Kick-off is near ([`EVENING_BEFORE`]).
    Before,
    /// Played, and the window after it ([`EVENING_AFTER`]) is not over.
    After,
    /// The desk marked it as a derby or high-risk: the whole (Brussels) match day.
    HighRisk,
}

impl EveningCause {
    /// For the moderation desk.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Live => "wedstrijd bezig",
            Self::Before => "aftrap nadert",
            Self::After => "net gespeeld",
            Self::HighRisk => "derby of risicowedstrijd: de hele dag",
        }
    }
}

/// Match-evening mode starts this long before kick-off...
pub const EVENING_BEFORE: Duration = Duration::hours(2);
/// ...and ends this long after kick-off (a match with its aftermath on the site).
pub const EVENING_AFTER: Duration = Duration::hours(5);

/// Whether, and why, `m` puts its clubs' articles in match-evening mode at `now`. A match
/// called off (postponed, cancelled) does not, unless the desk marked the day as high-risk.
pub fn evening_cause(m: &Match, now: DateTime<Utc>) -> Option<EveningCause> {
    use chrono_tz::Europe::Brussels;
    if m.status.is_live() {
        return Some(EveningCause::Live);
    }
    if m.high_risk
        && m.kickoff_at.with_timezone(&Brussels).date_naive()
            == now.with_timezone(&Brussels).date_naive()
    {
        return Some(EveningCause::HighRisk);
    }
    if matches!(m.status, MatchStatus::Postponed | MatchStatus::Cancelled) {
        return None;
    }
    if now >= m.kickoff_at - EVENING_BEFORE && now < m.kickoff_at {
        Some(EveningCause::Before)
    } else if now >= m.kickoff_at && now < m.kickoff_at + EVENING_AFTER {
        Some(EveningCause::After)
    } else {
        None
    }
}
