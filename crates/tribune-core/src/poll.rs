//! Reader polls attached to an article: one question, a few options, one vote per account.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::article::ArticleId;

pub type PollId = i64;
pub type OptionId = i64;

pub const MAX_OPTIONS: usize = 10;
pub const MAX_QUESTION_CHARS: usize = 200;
pub const MAX_OPTION_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollOption {
    pub id: OptionId,
    pub label: String,
    pub votes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Poll {
    pub id: PollId,
    pub article_id: ArticleId,
    pub question: String,
    pub closes_at: Option<DateTime<Utc>>,
    /// In the order the editor gave them.
    pub options: Vec<PollOption>,
    /// Kept with the votes, in the vote's transaction.
    pub total_votes: i64,
}

impl Poll {
    pub fn closed(&self, now: DateTime<Utc>) -> bool {
        self.closes_at.is_some_and(|t| t <= now)
    }

    /// Each option's share in whole percentages, in option order. Largest remainders get the
    /// leftover points, so the shares always add up to 100 once anyone has voted.
    pub fn percentages(&self) -> Vec<u32> {
        let total = self.total_votes.max(0) as u64;
        if total == 0 {
            return vec![0; self.options.len()];
        }
        let mut shares: Vec<(usize, u32, u64)> = self
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let scaled = o.votes.max(0) as u64 * 100;
                (i, (scaled / total) as u32, scaled % total)
            })
            .collect();
        let given: u32 = shares.iter().map(|s| s.1).sum();
        let mut by_remainder: Vec<usize> = (0..shares.len()).collect();
        by_remainder.sort_by(|&a, &b| shares[b].2.cmp(&shares[a].2).then(a.cmp(&b)));
        for &i in by_remainder
            .iter()
            .take(100u32.saturating_sub(given) as usize)
        {
            shares[i].1 += 1;
        }
        shares.into_iter().map(|s| s.1).collect()
    }
}

/// A poll as an editor (or the demo) hands it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPoll {
    pub article_id: ArticleId,
    pub question: String,
    pub options: Vec<String>,
    pub closes_at: Option<DateTime<Utc>>,
}

impl NewPoll {
    /// The rules a poll must meet; the error says which one it breaks, in Dutch.
    pub fn check(&self) -> Result<(), String> {
        let hidden = crate::text::has_hidden_characters;
        if hidden(&self.question) || self.options.iter().any(|o| hidden(o)) {
            return Err("De peiling bevat tekens die we niet toelaten.".to_string());
        }
        let q = self.question.trim();
        if q.is_empty() || q.chars().count() > MAX_QUESTION_CHARS {
            return Err(format!(
                "De vraag moet 1 tot {MAX_QUESTION_CHARS} tekens lang zijn."
            ));
        }
        if !(2..=MAX_OPTIONS).contains(&self.options.len()) {
            return Err(format!("Een peiling heeft 2 tot {MAX_OPTIONS} antwoorden."));
        }
        let mut seen = std::collections::HashSet::new();
        for o in &self.options {
            let o = o.trim();
            if o.is_empty() || o.chars().count() > MAX_OPTION_CHARS {
                return Err(format!(
                    "Elk antwoord moet 1 tot {MAX_OPTION_CHARS} tekens lang zijn."
                ));
            }
            if !seen.insert(o.to_lowercase()) {
                return Err(format!("Het antwoord \"{o}\" staat er twee keer in."));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll(votes: &[i64]) -> Poll {
        Poll {
            id: 1,
            article_id: 1,
            question: "?".into(),
            closes_at: None,
            options: votes
                .iter()
                .enumerate()
                .map(|(i, v)| PollOption {
                    id: i as i64 + 1,
                    label: format!("{i}"),
                    votes: *v,
                })
                .collect(),
            total_votes: votes.iter().sum(),
        }
    }

    #[test]
    fn percentages_add_up_to_a_hundred() {
        assert_eq!(poll(&[1, 1, 1]).percentages(), vec![34, 33, 33]);
        assert_eq!(poll(&[2, 1]).percentages(), vec![67, 33]);
        assert_eq!(poll(&[0, 0]).percentages(), vec![0, 0]);
        assert_eq!(poll(&[5, 0]).percentages(), vec![100, 0]);
    }

    #[test]
    fn polls_are_checked() {
        let ok = NewPoll {
            article_id: 1,
            question: "Blijft Leko?".into(),
            options: vec!["Ja".into(), "Nee".into()],
            closes_at: None,
        };
        assert!(ok.check().is_ok());
        let mut one = ok.clone();
        one.options.truncate(1);
        assert!(one.check().is_err());
        let mut twice = ok.clone();
        twice.options = vec!["Ja".into(), "ja ".into()];
        assert!(twice.check().is_err());
        let mut sneaky = ok.clone();
        sneaky.options = vec!["Ja\u{202E}".into(), "Nee".into()];
        assert!(sneaky.check().is_err());
        let mut empty = ok;
        empty.question = " ".into();
        assert!(empty.check().is_err());
    }
}
