//! 5-fold cross-validation of automatic moderation on the embedded training set:
//! `cargo run --release -p tribune-core --example moderation_cv`.
//! A comment counts as stopped when its verdict is not Visible, judged as from a trusted
//! (not new, not staff) reader, so only the abuse rules and the model decide.

use std::collections::BTreeMap;

use chrono::Utc;
use tribune_core::moderation::{
    Author, Classifier, Example, LabelledText, Reason, Rules, Submission, Verdict,
};

#[derive(Default, Clone, Copy)]
struct Tally {
    n: u32,
    stopped: u32,
}

fn main() {
    // `--dev FILE`: no cross-validation; the built-in model and the rules judge FILE, as a
    // quick check while working (the figures we report come from `tribune moderation
    // evaluate`). `--tight` judges as on a match evening.
    let args: Vec<String> = std::env::args().collect();
    // `--explain TEXT...`: the verdict, the model's risk and its heaviest words per text.
    if let Some(at) = args.iter().position(|a| a == "--explain") {
        let rules = Rules::default();
        for text in args.iter().skip(at + 1) {
            let score = Classifier::builtin().score(text);
            let verdict = rules
                .judge(&trusted(text, Some(Classifier::builtin()), false))
                .map(|j| format!("{:?} {:?}", j.verdict, rules_reasons(&rules, text)));
            println!(
                "{text}\n  risk {} {:?}  {verdict:?}",
                score.risk, score.words
            );
        }
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--dev") {
        let Ok(text) = std::fs::read_to_string(args.get(at + 1).map_or("", String::as_str)) else {
            eprintln!("usage: moderation_cv [--dev FILE [--tight]]");
            std::process::exit(2);
        };
        let data = tribune_core::moderation::parse_training_set(&text);
        let tight = args.iter().any(|a| a == "--tight");
        let rules = Rules::default();
        let stopped: Vec<bool> = data
            .iter()
            .map(|l| {
                let s = trusted(&l.text, Some(Classifier::builtin()), tight);
                rules
                    .judge(&s)
                    .map(|j| j.verdict != Verdict::Visible)
                    .unwrap_or(true)
            })
            .collect();
        report("built-in model + rules", &data, |i| stopped[i]);
        return;
    }
    let data = Classifier::builtin_training_set();
    let folds = 5;
    let rules = Rules::default();
    let mut risks: Vec<(u32, bool)> = Vec::new();
    // Per line: (stopped by everything, stopped by rules only).
    let mut outcome: Vec<(bool, bool)> = vec![(false, false); data.len()];
    for fold in 0..folds {
        let train: Vec<Example> = data
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != fold)
            .map(|(_, l)| Example {
                text: l.text.clone(),
                abusive: l.abusive,
                weight: 1.0,
            })
            .collect();
        let model = Classifier::train(&train);
        for (i, line) in data.iter().enumerate().filter(|(i, _)| i % folds == fold) {
            let mut s = trusted(&line.text, Some(&model), false);
            let all = rules.judge(&s).map(|j| j.verdict != Verdict::Visible);
            s.classifier = None;
            let plain = rules.judge(&s).map(|j| j.verdict != Verdict::Visible);
            outcome[i] = (all.unwrap_or(true), plain.unwrap_or(true));
            risks.push((model.score(&line.text).risk, line.abusive));
        }
    }

    println!(
        "5-fold cross-validation on {} training comments",
        data.len()
    );
    println!(
        "thresholds: model_hold {} model_reject {}\n",
        rules.model_hold, rules.model_reject
    );
    report("rules + model", &data, |i| outcome[i].0);
    report("rules only (no model)", &data, |i| outcome[i].1);

    println!("model alone, by hold threshold (risk per mille):");
    println!("  threshold  recall   false-pos");
    for t in [200, 300, 400, 500, 600, 700, 800, 900] {
        let (mut tp, mut p, mut fp, mut n) = (0, 0, 0, 0);
        for &(r, abusive) in &risks {
            if abusive {
                p += 1;
                tp += u32::from(r >= t);
            } else {
                n += 1;
                fp += u32::from(r >= t);
            }
        }
        println!("  {t:>9}  {:>5.1}%  {:>5.1}%", pct(tp, p), pct(fp, n));
    }
    if std::env::args().any(|a| a == "--misses") {
        for (i, line) in data.iter().enumerate() {
            if outcome[i].0 != line.abusive {
                let reasons = rules_reasons(&rules, &line.text);
                println!(
                    "{} [{}] {}  {:?}",
                    if line.abusive { "MISS" } else { "FP  " },
                    line.category,
                    line.text,
                    reasons
                );
            }
        }
    }
}

/// What a trusted reader (not new, not staff) submits: only the abuse rules and the model
/// decide.
fn trusted<'a>(body: &'a str, classifier: Option<&'a Classifier>, tight: bool) -> Submission<'a> {
    Submission {
        body,
        article_id: 1,
        author: Author {
            staff: false,
            approved_comments: 10,
        },
        recent: &[],
        article_rate: 0,
        now: Utc::now(),
        classifier,
        tightened: tight,
        same_text_elsewhere: 0,
    }
}

fn rules_reasons(rules: &Rules, text: &str) -> Vec<String> {
    rules
        .judge(&trusted(text, Some(Classifier::builtin()), false))
        .map(|j| j.reasons.iter().map(Reason::code).collect())
        .unwrap_or_default()
}

fn pct(a: u32, b: u32) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * f64::from(a) / f64::from(b)
    }
}

fn report(title: &str, data: &[LabelledText], stopped: impl Fn(usize) -> bool) {
    let mut by_lang: BTreeMap<&str, (Tally, Tally)> = BTreeMap::new();
    let mut by_cat: BTreeMap<&str, Tally> = BTreeMap::new();
    let (mut ab, mut ok) = (Tally::default(), Tally::default());
    for (i, l) in data.iter().enumerate() {
        let s = u32::from(stopped(i));
        let e = by_lang.entry(l.lang.as_str()).or_default();
        let t = if l.abusive { &mut e.0 } else { &mut e.1 };
        t.n += 1;
        t.stopped += s;
        let c = by_cat.entry(l.category.as_str()).or_default();
        c.n += 1;
        c.stopped += s;
        let all = if l.abusive { &mut ab } else { &mut ok };
        all.n += 1;
        all.stopped += s;
    }
    println!("== {title} ==");
    let line = |name: &str, a: Tally, o: Tally| {
        let precision = pct(a.stopped, a.stopped + o.stopped);
        println!(
            "  {name:<6} recall {:>5.1}% ({}/{})  false-pos {:>4.1}% ({}/{})  precision {:>5.1}%",
            pct(a.stopped, a.n),
            a.stopped,
            a.n,
            pct(o.stopped, o.n),
            o.stopped,
            o.n,
            precision
        );
    };
    line("all", ab, ok);
    for (lang, (a, o)) in &by_lang {
        line(lang, *a, *o);
    }
    println!("  per category (abusive: share stopped; ok-kinds: share wrongly stopped):");
    for (cat, t) in &by_cat {
        println!(
            "    {cat:<16} {:>5.1}% ({}/{})",
            pct(t.stopped, t.n),
            t.stopped,
            t.n
        );
    }
    println!();
}
