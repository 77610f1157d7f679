//! `tribune moderation ...`: the site's moderation model (status, retrain, rollback) and
//! `evaluate`, which measures the whole pipeline (rules and the site's model) on a labelled
//! file of comments, as bench/moderation does.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use tribune_core::Store;
use tribune_core::moderation::{Author, Rules, Submission, Verdict};
use tribune_web::learning::Learning;

/// One labelled comment, as in bench/moderation/eval.jsonl.
#[derive(Debug, Deserialize)]
pub struct Labelled {
    pub text: String,
    pub lang: String,
    /// "abusive" or "ok".
    pub label: String,
    pub category: String,
}

/// Reads a labelled file, refusing it whole (with the line) when a line is broken.
pub fn read_labelled(path: &Path) -> Result<Vec<Labelled>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let item: Labelled =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        if item.label != "abusive" && item.label != "ok" {
            return Err(format!(
                "{}:{}: label must be \"abusive\" or \"ok\", not {:?}",
                path.display(),
                i + 1,
                item.label
            ));
        }
        out.push(item);
    }
    if out.is_empty() {
        return Err(format!("{}: no comments", path.display()));
    }
    Ok(out)
}

/// Comments judged and how many of them were stopped (held or rejected).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub judged: usize,
    pub stopped: usize,
}

impl Tally {
    fn add(&mut self, stopped: bool) {
        self.judged += 1;
        self.stopped += usize::from(stopped);
    }

    pub fn share(&self) -> f64 {
        if self.judged == 0 {
            0.0
        } else {
            self.stopped as f64 / self.judged as f64
        }
    }
}

/// The outcome of [`evaluate`].
#[derive(Debug, Default)]
pub struct Evaluation {
    pub abusive: Tally,
    pub ok: Tally,
    /// (language, label) and (category) tallies.
    pub by_language: BTreeMap<(String, String), Tally>,
    pub by_category: BTreeMap<String, Tally>,
    /// Verdict times in microseconds, sorted.
    pub micros: Vec<u64>,
    /// The comments judged wrongly: (label, category, text, the reasons given).
    pub wrong: Vec<(String, String, String, String)>,
}

impl Evaluation {
    /// Of all stopped comments, the share that was abusive.
    pub fn precision(&self) -> f64 {
        let stopped = self.abusive.stopped + self.ok.stopped;
        if stopped == 0 {
            0.0
        } else {
            self.abusive.stopped as f64 / stopped as f64
        }
    }

    pub fn percentile(&self, p: f64) -> u64 {
        if self.micros.is_empty() {
            return 0;
        }
        let i = ((self.micros.len() as f64 - 1.0) * p).round() as usize;
        self.micros[i.min(self.micros.len() - 1)]
    }

    /// The report printed by `tribune moderation evaluate`.
    pub fn report(&self) -> String {
        let pct = |t: &Tally| format!("{}/{} ({:.1}%)", t.stopped, t.judged, 100.0 * t.share());
        let mut out = String::new();
        out.push_str(&format!(
            "abusive stopped (recall): {}\nlegitimate stopped (false positives): {}\nprecision: {:.1}%\n",
            pct(&self.abusive),
            pct(&self.ok),
            100.0 * self.precision()
        ));
        out.push_str(&format!(
            "verdict time: p50 {} µs, p99 {} µs, max {} µs\n\nby language:\n",
            self.percentile(0.5),
            self.percentile(0.99),
            self.micros.last().copied().unwrap_or(0)
        ));
        for ((lang, label), t) in &self.by_language {
            out.push_str(&format!("  {lang} {label:<8} stopped {}\n", pct(t)));
        }
        out.push_str("\nby category:\n");
        for (category, t) in &self.by_category {
            out.push_str(&format!("  {category:<14} stopped {}\n", pct(t)));
        }
        out
    }
}

/// Judges every comment as a new top-level comment by a trusted reader (one whose comments
/// show at once: the pre-moderation of new accounts would stop everything) on a quiet
/// article, with the site's model; `evening` judges as in match-evening mode.
pub async fn evaluate(
    store: &dyn Store,
    rules: &Rules,
    items: &[Labelled],
    evening: bool,
    now: DateTime<Utc>,
) -> Result<Evaluation, String> {
    let learning = Learning::new();
    learning
        .refresh(store)
        .await
        .map_err(|e| format!("cannot read the site's moderation model: {e}"))?;
    let classifier = learning.classifier();
    let mut eval = Evaluation::default();
    for item in items {
        let submission = Submission {
            body: &item.text,
            article_id: 1,
            author: Author {
                staff: false,
                approved_comments: rules.premoderate_until.max(1) * 10,
            },
            recent: &[],
            article_rate: 0,
            now,
            classifier: Some(&classifier),
            tightened: evening,
            same_text_elsewhere: 0,
        };
        let started = Instant::now();
        let judged = rules.judge(&submission);
        eval.micros
            .push(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
        let (stopped, why) = match judged {
            Ok(j) => (
                j.verdict != Verdict::Visible,
                j.reasons
                    .iter()
                    .map(|r| r.code())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            // A refusal stores nothing: stopped too (there is none for a lone comment).
            Err(r) => (true, r.message()),
        };
        let abusive = item.label == "abusive";
        if abusive {
            &mut eval.abusive
        } else {
            &mut eval.ok
        }
        .add(stopped);
        eval.by_language
            .entry((item.lang.clone(), item.label.clone()))
            .or_default()
            .add(stopped);
        eval.by_category
            .entry(item.category.clone())
            .or_default()
            .add(stopped);
        if stopped != abusive {
            eval.wrong.push((
                item.label.clone(),
                item.category.clone(),
                item.text.clone(),
                why,
            ));
        }
    }
    eval.micros.sort_unstable();
    Ok(eval)
}
