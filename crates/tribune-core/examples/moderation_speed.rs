//! Verdict cost over the training texts, rules and builtin classifier together:
//! `cargo run --release -p tribune-core --example moderation_speed`.

use std::time::Instant;

use chrono::Utc;
use tribune_core::moderation::{Author, Classifier, Rules, Submission};

fn main() {
    let rules = Rules::default();
    let model = Classifier::builtin();
    let texts: Vec<String> = Classifier::builtin_examples()
        .into_iter()
        .map(|e| e.text)
        .collect();
    let mut judge_ns = Vec::with_capacity(texts.len() * 3);
    let mut score_ns = Vec::with_capacity(texts.len() * 3);
    for _round in 0..3 {
        for text in &texts {
            let s = Submission {
                body: text,
                article_id: 1,
                author: Author {
                    staff: false,
                    approved_comments: 10,
                },
                recent: &[],
                article_rate: 0,
                now: Utc::now(),
                classifier: Some(model),
                tightened: false,
                same_text_elsewhere: 0,
            };
            let t = Instant::now();
            let j = rules.judge(&s);
            judge_ns.push(t.elapsed().as_nanos());
            std::hint::black_box(j.is_ok());
            let t = Instant::now();
            let score = model.score(text);
            score_ns.push(t.elapsed().as_nanos());
            std::hint::black_box(score.risk);
        }
    }
    for (what, mut v) in [
        ("judge (rules + model)", judge_ns),
        ("model score", score_ns),
    ] {
        v.sort_unstable();
        let at = |q: f64| v[((v.len() as f64 - 1.0) * q) as usize] as f64 / 1000.0;
        println!(
            "{what:<22} n={} p50 {:.1} µs  p99 {:.1} µs  max {:.1} µs",
            v.len(),
            at(0.5),
            at(0.99),
            at(1.0)
        );
    }
}
