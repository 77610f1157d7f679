//! Our own abuse classifier: logistic regression over hashed binary features of the
//! normalised text (character 3- to 5-grams inside words, words, word pairs), trained
//! in-process by gradient descent. A moderator's decision is a few weighted gradient steps
//! on that text, effective at once, and the model explains a score by the words whose
//! features pushed it up.

use std::fmt;
use std::sync::OnceLock;

use super::normalise::analyse_text;

/// The weight of one moderator decision (a rejection learned as abusive, a restore as
/// legitimate): as much as this many training examples, so three decisions teach the
/// model a new insult, or stop it holding an ordinary word.
pub const MODERATOR_WEIGHT: f32 = 8.0;

/// Hash buckets for features.
const BUCKETS: usize = 1 << 18;
/// The serialisation header and version.
const MAGIC: &[u8; 8] = b"TRIBLR\0\0";
/// 3: words and pairs also per language, numbers left out, features scaled by their ratio (a version 2 model is replaced
/// by the built-in one and the lessons learned again, see tribune-web's learning.rs).
const VERSION: u16 = 3;

const TRAIN_DATA: &str = include_str!("../../data/moderation/train.jsonl");
/// The second part, written by hand line by line (see data/moderation/README.md).
const TRAIN_HAND: &str = include_str!("../../data/moderation/train-hand.jsonl");
/// The third, by hand as well: English and French abuse and hard legitimate lines.
const TRAIN_HAND_2: &str = include_str!("../../data/moderation/train-hand-2.jsonl");

/// One labelled text.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub text: String,
    pub abusive: bool,
    pub weight: f32,
}

/// A classifier's opinion of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelScore {
    /// Chance, in per mille, that the text is abusive.
    pub risk: u32,
    /// The words (or word pairs) that pushed the score up most, most first.
    pub words: Vec<String>,
}

/// Why bytes are not a classifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelError {
    /// Not our header.
    NotAModel,
    /// Written by a version we cannot read.
    Version(u16),
    /// Cut short, too long, or holding impossible numbers.
    Corrupt(&'static str),
}

impl ModelError {
    /// Saved by an earlier release, in a format this one no longer reads.
    pub fn is_outdated(&self) -> bool {
        matches!(self, ModelError::Version(v) if *v < VERSION)
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::NotAModel => write!(f, "not a moderation model (wrong header)"),
            ModelError::Version(v) => write!(f, "moderation model version {v} is not supported"),
            ModelError::Corrupt(what) => write!(f, "corrupt moderation model: {what}"),
        }
    }
}

impl std::error::Error for ModelError {}

/// Logistic regression over hashed features, trained by stochastic gradient descent.
#[derive(Clone)]
pub struct Classifier {
    /// One weight per hash bucket.
    weights: Vec<f32>,
    bias: f32,
    /// Weighted number of examples per class (legitimate, abusive).
    docs: [f64; 2],
    /// What moderators taught word by word: lessons (decisions) per word as (fine, abuse).
    /// Gradient steps alone saturate on the decided text and barely move a new word seen in
    /// another sentence, so a word moderators keep rejecting is held by name, and a word
    /// they keep approving stops counting against a comment. Only words the training set
    /// never had can be taught as abuse: a rejected comment's ordinary words are not.
    taught: std::collections::BTreeMap<String, [f32; 2]>,
    /// The words of the training set, as a bit per hashed word ([`VOCABULARY_BITS`]): what
    /// "a word the training set never had" means for [`Classifier::learn`].
    vocabulary: Vec<u64>,
    /// Per bucket, how strongly its gram tells the two classes apart in the training set (the
    /// absolute log-count ratio, as in NBSVM); a feature counts as this much, not as 1. On
    /// cross-validation it cut false positives by a third at the same recall
    /// (bench/moderation/README.md). 1 for grams the training set never had, so lessons
    /// about new words learn at the full rate.
    ratio: Vec<f32>,
}

/// Bits of the training vocabulary's set: a few percent of new words look known.
const VOCABULARY_BITS: usize = 1 << 20;

fn vocabulary_bit(word: &str) -> usize {
    // Its own hash kind and a wider mask than the feature buckets.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ 0x5a;
    for &b in word.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    ((h ^ (h >> 29)) as usize) & (VOCABULARY_BITS - 1)
}

/// Net lessons after which a taught word decides: three rejections more than approvals
/// hold it, three approvals more than rejections take its weight away.
const LESSONS_DECIDE: f32 = 3.0;
/// The risk a word taught as abuse gives a comment: above the default hold threshold.
const TAUGHT_RISK: u32 = 900;
/// Words shorter than this are never taught (articles, "ik", "de", "le").
const TAUGHT_MIN_LEN: usize = 4;

impl fmt::Debug for Classifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Classifier")
            .field("docs", &self.docs)
            .field("bias", &self.bias)
            .finish_non_exhaustive()
    }
}

/// One feature of a text: its bucket and, for explanations, the word it belongs to.
struct Feature {
    bucket: usize,
    /// Index into the text's words (a pair belongs to its first word, flagged).
    word: usize,
    pair: bool,
}

fn hash(kind: u8, bytes: &[u8]) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(kind);
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    // Fold the high bits in: FNV's low bits alone are weak.
    ((h ^ (h >> 29)) as usize) & (BUCKETS - 1)
}

/// The words of a text as the classifier sees them.
fn words_of(text: &str) -> Vec<String> {
    analyse_text(text).words
}

/// Which of the three languages a comment is in, guessed from its function words (0 Dutch,
/// 1 French, 2 English, 3 unknown or a tie). Words and pairs are weighed per language as
/// well as across them: Dutch "die" (that) is not English "die", French "con" is not Dutch
/// "con". A guess from a handful of words is enough here: the letter grams stay shared.
fn language(words: &[String]) -> u8 {
    let mut hits = [0u32; 3];
    for w in words {
        let w = w.as_str();
        if matches!(
            w,
            "de" | "het"
                | "een"
                | "en"
                | "is"
                | "niet"
                | "van"
                | "die"
                | "dat"
                | "ik"
                | "je"
                | "jij"
                | "hij"
                | "we"
                | "wij"
                | "zijn"
                | "met"
                | "voor"
                | "op"
                | "er"
                | "maar"
                | "nog"
                | "wat"
                | "ook"
                | "kan"
                | "naar"
                | "te"
                | "als"
                | "om"
                | "dan"
                | "geen"
                | "bij"
                | "zo"
                | "heeft"
                | "deze"
                | "wel"
                | "moet"
                | "al"
                | "echt"
                | "nu"
                | "hem"
                | "ze"
                | "hun"
                | "mijn"
                | "was"
                | "wordt"
                | "zou"
                | "hebben"
                | "gaat"
                | "zal"
        ) {
            hits[0] += 1;
        }
        if matches!(
            w,
            "le" | "la"
                | "les"
                | "un"
                | "une"
                | "est"
                | "et"
                | "pas"
                | "de"
                | "du"
                | "des"
                | "que"
                | "qui"
                | "il"
                | "je"
                | "tu"
                | "ce"
                | "sur"
                | "pour"
                | "avec"
                | "dans"
                | "au"
                | "aux"
                | "ne"
                | "se"
                | "sont"
                | "mais"
                | "on"
                | "vous"
                | "nous"
                | "elle"
                | "son"
                | "sa"
                | "ses"
                | "plus"
                | "tout"
                | "cest"
                | "qu"
                | "fait"
                | "etait"
                | "ton"
                | "ta"
                | "tes"
                | "lui"
                | "leur"
                | "y"
                | "a"
                | "en"
        ) {
            hits[1] += 1;
        }
        if matches!(
            w,
            "the"
                | "a"
                | "is"
                | "and"
                | "not"
                | "of"
                | "to"
                | "you"
                | "he"
                | "that"
                | "it"
                | "in"
                | "on"
                | "for"
                | "with"
                | "be"
                | "this"
                | "what"
                | "are"
                | "was"
                | "his"
                | "they"
                | "have"
                | "just"
                | "can"
                | "should"
                | "who"
                | "your"
                | "i"
                | "my"
                | "so"
                | "at"
                | "get"
                | "him"
                | "will"
                | "from"
                | "like"
                | "dont"
                | "its"
                | "their"
                | "if"
                | "we"
                | "an"
                | "hope"
                | "go"
        ) {
            hits[2] += 1;
        }
    }
    let best = hits.iter().copied().max().unwrap_or(0);
    match hits.iter().position(|&h| h == best) {
        Some(i) if best > 0 && hits.iter().filter(|&&h| h == best).count() == 1 => i as u8,
        _ => 3,
    }
}

/// Numbers say nothing to the model: which digits a comment has is chance, but the training
/// set's random phone and house numbers made some weigh, so "Bericht 047" could be held.
/// Phone numbers, addresses and prices are the spam and doxxing rules' job.
fn is_number(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit())
}

fn features(words: &[String]) -> Vec<Feature> {
    let mut out = Vec::with_capacity(words.len() * 14);
    let mut padded = Vec::with_capacity(40);
    let lang = language(words);
    for (i, w) in words.iter().enumerate() {
        if is_number(w) {
            continue;
        }
        out.push(Feature {
            bucket: hash(1, w.as_bytes()),
            word: i,
            pair: false,
        });
        out.push(Feature {
            bucket: hash(8 + lang, w.as_bytes()),
            word: i,
            pair: false,
        });
        if let Some(next) = words.get(i + 1).filter(|n| !is_number(n)) {
            let mut pair = Vec::with_capacity(w.len() + next.len() + 1);
            pair.extend_from_slice(w.as_bytes());
            pair.push(b' ');
            pair.extend_from_slice(next.as_bytes());
            out.push(Feature {
                bucket: hash(12 + lang, &pair),
                word: i,
                pair: true,
            });
        }
        padded.clear();
        padded.push(b'<');
        // Long words (spam, keyboard mashing) are cut: their grams say nothing new.
        padded.extend(w.bytes().take(24));
        padded.push(b'>');
        for n in 3..=5 {
            if padded.len() < n {
                break;
            }
            for gram in padded.windows(n) {
                out.push(Feature {
                    bucket: hash(2 + n as u8, gram),
                    word: i,
                    pair: false,
                });
            }
        }
    }
    out
}

impl Classifier {
    fn empty() -> Classifier {
        Classifier {
            weights: vec![0.0; BUCKETS],
            bias: 0.0,
            docs: [0.0; 2],
            taught: std::collections::BTreeMap::new(),
            vocabulary: vec![0; VOCABULARY_BITS / 64],
            ratio: vec![1.0; BUCKETS],
        }
    }

    /// A classifier trained on these examples only: a few passes of gradient descent in
    /// a fixed shuffled order, so training is deterministic.
    pub fn train(examples: &[Example]) -> Classifier {
        let mut c = Classifier::empty();
        let prepared: Vec<(Vec<usize>, f32, f32)> = examples
            .iter()
            .filter(|e| e.weight.is_finite() && e.weight > 0.0)
            .map(|e| (buckets(&e.text), f32::from(u8::from(e.abusive)), e.weight))
            .collect();
        for e in examples
            .iter()
            .filter(|e| e.weight.is_finite() && e.weight > 0.0)
        {
            c.docs[usize::from(e.abusive)] += f64::from(e.weight);
            for word in words_of(&e.text) {
                let bit = vocabulary_bit(&word);
                if let Some(slot) = c.vocabulary.get_mut(bit / 64) {
                    *slot |= 1 << (bit % 64);
                }
            }
        }
        c.ratio = ratios(&prepared);
        let mut order: Vec<usize> = (0..prepared.len()).collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for epoch in 0..EPOCHS {
            // Fisher-Yates with a small LCG: no dependency, same order every time.
            for i in (1..order.len()).rev() {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                order.swap(i, (seed >> 33) as usize % (i + 1));
            }
            let rate = LEARNING_RATE / (1.0 + epoch as f32 * 0.5);
            for &i in &order {
                let (feats, y, w) = &prepared[i];
                c.step(feats, *y, rate * w.min(4.0), true);
            }
        }
        c
    }

    fn ratio(&self, bucket: usize) -> f32 {
        self.ratio.get(bucket).copied().unwrap_or(1.0)
    }

    /// What a feature adds to a text's score.
    fn weight(&self, bucket: usize) -> f32 {
        self.weights.get(bucket).copied().unwrap_or(0.0) * self.ratio(bucket)
    }

    /// One gradient step of the log loss on one example.
    fn step(&mut self, feats: &[usize], y: f32, rate: f32, move_bias: bool) {
        if feats.is_empty() {
            return;
        }
        let x = 1.0 / (feats.len() as f32).sqrt();
        let p = sigmoid(self.z(feats, x));
        let g = rate * (y - p);
        for &f in feats {
            let r = self.ratio(f);
            if let Some(w) = self.weights.get_mut(f) {
                *w = (*w + g * x * r) * (1.0 - L2 * rate);
            }
        }
        if move_bias {
            self.bias += g * 0.1;
        }
    }

    fn z(&self, feats: &[usize], x: f32) -> f32 {
        let sum: f32 = feats.iter().map(|&f| self.weight(f)).sum();
        self.bias + sum * x
    }

    /// The embedded training set (data/moderation/train*.jsonl), each with weight 1.
    pub fn builtin_examples() -> Vec<Example> {
        Self::builtin_training_set()
            .into_iter()
            .map(|l| Example {
                text: l.text,
                abusive: l.abusive,
                weight: 1.0,
            })
            .collect()
    }

    /// The embedded training set with languages and categories.
    pub fn builtin_training_set() -> Vec<LabelledText> {
        [TRAIN_DATA, TRAIN_HAND, TRAIN_HAND_2]
            .into_iter()
            .flat_map(parse_training_set)
            .collect()
    }

    /// Trained once from [`Classifier::builtin_examples`].
    pub fn builtin() -> &'static Classifier {
        static MODEL: OnceLock<Classifier> = OnceLock::new();
        MODEL.get_or_init(|| Classifier::train(&Classifier::builtin_examples()))
    }

    /// Adds one example with a weight (a moderator decision weighs [`MODERATOR_WEIGHT`]),
    /// effective at once: gradient steps on this text, one per unit of weight. A weight
    /// that is not a positive finite number changes nothing.
    pub fn learn(&mut self, text: &str, abusive: bool, weight: f32) {
        if !(weight.is_finite() && weight > 0.0) {
            return;
        }
        let lessons = weight / MODERATOR_WEIGHT;
        let mut words = words_of(text);
        words.sort_unstable();
        words.dedup();
        for word in words.into_iter().filter(|w| w.len() >= TAUGHT_MIN_LEN) {
            let bit = vocabulary_bit(&word);
            let known = self
                .vocabulary
                .get(bit / 64)
                .is_some_and(|slot| slot & (1 << (bit % 64)) != 0);
            match self.taught.get_mut(&word) {
                Some(counts) => counts[usize::from(abusive)] += lessons,
                // A new word enters as abuse only if the training set never had it.
                None if !abusive || !known => {
                    let mut counts = [0.0; 2];
                    counts[usize::from(abusive)] = lessons;
                    self.taught.insert(word, counts);
                }
                None => {}
            }
        }
        let feats = buckets(text);
        let y = f32::from(u8::from(abusive));
        // One gentle step per lesson: the decided text's words also stand in ordinary
        // comments, and a busy night of rejections must not make those suspect (the taught
        // words above carry what is new). The bias stays for the same reason.
        let mut left = lessons.min(100.0);
        while left > 0.0 {
            self.step(&feats, y, LESSON_RATE * left.min(1.0), false);
            left -= 1.0;
        }
        self.docs[usize::from(abusive)] += f64::from(weight);
    }

    /// The risk that `text` is abusive, and the words behind it.
    pub fn score(&self, text: &str) -> ModelScore {
        self.score_words(&words_of(text))
    }

    /// [`Classifier::score`] of a text's words ([`super::normalise::analyse_text`]).
    pub(crate) fn score_words(&self, words: &[String]) -> ModelScore {
        let feats = features(words);
        if feats.is_empty() {
            return ModelScore {
                risk: 0,
                words: Vec::new(),
            };
        }
        let mut seen =
            rustc_hash::FxHashSet::with_capacity_and_hasher(feats.len(), Default::default());
        let mut per_word = vec![0.0f32; words.len()];
        let mut per_pair = vec![0.0f32; words.len()];
        let mut sum = 0.0;
        for f in &feats {
            // Binary features: a gram counts once per text.
            if !seen.insert(f.bucket) {
                continue;
            }
            let w = self.weight(f.bucket);
            sum += w;
            if f.pair {
                per_pair[f.word] += w;
            } else {
                per_word[f.word] += w;
            }
        }
        // Taught words: approved ones stop counting against the comment, rejected ones
        // hold it by name.
        let mut held_by: Option<String> = None;
        for (i, w) in words.iter().enumerate() {
            let Some([fine, abuse]) = self.taught.get(w).copied() else {
                continue;
            };
            if fine - abuse >= LESSONS_DECIDE && per_word[i] > 0.0 {
                sum -= per_word[i];
                per_word[i] = 0.0;
            } else if abuse - fine >= LESSONS_DECIDE && held_by.is_none() {
                held_by = Some(w.clone());
            }
        }
        let x = 1.0 / (seen.len() as f32).sqrt();
        let p = sigmoid(self.bias + sum * x);
        let mut risk = (p * 1000.0).round().clamp(0.0, 1000.0) as u32;
        if held_by.is_some() {
            risk = risk.max(TAUGHT_RISK);
        }

        let mut ranked: Vec<(f32, String)> = Vec::new();
        for (i, w) in words.iter().enumerate() {
            if per_word[i] > 0.0 {
                ranked.push((per_word[i], w.clone()));
            }
            if let Some(next) = words.get(i + 1)
                && per_pair[i] > 0.0
                && per_pair[i] > per_word[i]
            {
                ranked.push((per_pair[i], format!("{w} {next}")));
            }
        }
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut top: Vec<String> = held_by.into_iter().collect();
        for (_, w) in ranked {
            if !top.contains(&w) {
                top.push(w);
            }
            if top.len() == 3 {
                break;
            }
        }
        ModelScore { risk, words: top }
    }

    /// How many examples (weighted) it learned from.
    pub fn examples(&self) -> u64 {
        (self.docs[0] + self.docs[1]).round() as u64
    }

    /// The model as bytes: header, version, bucket count, bias, example counts, then the
    /// non-zero weights as (bucket, weight).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 << 20);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(BUCKETS as u32).to_le_bytes());
        out.extend_from_slice(&self.bias.to_le_bytes());
        for v in &self.docs {
            out.extend_from_slice(&v.to_le_bytes());
        }
        write_sparse(&mut out, &self.weights, 0.0);
        // Then the ratios that are not 1, the same way.
        write_sparse(&mut out, &self.ratio, 1.0);
        // Then the training vocabulary's bits, and the taught words: count, and per word its
        // length, bytes and two counts.
        for slot in &self.vocabulary {
            out.extend_from_slice(&slot.to_le_bytes());
        }
        out.extend_from_slice(&(self.taught.len() as u32).to_le_bytes());
        for (word, counts) in &self.taught {
            let bytes = &word.as_bytes()[..word.len().min(usize::from(u16::MAX))];
            out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
            out.extend_from_slice(bytes);
            for c in counts {
                out.extend_from_slice(&c.to_le_bytes());
            }
        }
        out
    }

    /// Reads [`Classifier::to_bytes`] output back; anything else is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier, ModelError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len()).ok() != Some(&MAGIC[..]) {
            return Err(ModelError::NotAModel);
        }
        let version = u16::from_le_bytes(r.array()?);
        if version != VERSION {
            return Err(ModelError::Version(version));
        }
        if u32::from_le_bytes(r.array()?) as usize != BUCKETS {
            return Err(ModelError::Corrupt("bucket count"));
        }
        let mut c = Classifier::empty();
        c.bias = f32::from_le_bytes(r.array()?);
        if !c.bias.is_finite() {
            return Err(ModelError::Corrupt("bias"));
        }
        for d in &mut c.docs {
            *d = f64::from_le_bytes(r.array()?);
            if !(d.is_finite() && *d >= 0.0) {
                return Err(ModelError::Corrupt("example counts"));
            }
        }
        // The ratios' count and the vocabulary follow the weights.
        read_sparse(&mut r, &mut c.weights, 4, "weight", f32::is_finite)?;
        read_sparse(&mut r, &mut c.ratio, 0, "ratio", |v| {
            v.is_finite() && v > 0.0
        })?;
        for slot in &mut c.vocabulary {
            *slot = u64::from_le_bytes(r.array()?);
        }
        let taught = u32::from_le_bytes(r.array()?) as usize;
        // Each taught word takes at least 10 bytes: a count that promises more is a lie.
        if taught > r.remaining() / 10 {
            return Err(ModelError::Corrupt("taught words"));
        }
        for _ in 0..taught {
            let len = usize::from(u16::from_le_bytes(r.array()?));
            let word = std::str::from_utf8(r.take(len)?)
                .map_err(|_| ModelError::Corrupt("taught word"))?
                .to_string();
            let mut counts = [0.0f32; 2];
            for c in &mut counts {
                *c = f32::from_le_bytes(r.array()?);
                if !(c.is_finite() && *c >= 0.0) {
                    return Err(ModelError::Corrupt("taught counts"));
                }
            }
            c.taught.insert(word, counts);
        }
        if r.remaining() != 0 {
            return Err(ModelError::Corrupt("length"));
        }
        Ok(c)
    }
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// The distinct feature buckets of a text.
/// Smoothing of the log-count ratios (tried on cross-validation: 0.25 to 2 within a point,
/// 0.5 among the best).
const RATIO_SMOOTHING: f32 = 0.5;
/// A gram seen about as often on both sides still counts a little.
const RATIO_FLOOR: f32 = 0.05;

/// [`Classifier::ratio`] from prepared examples (their buckets and labels).
fn ratios(prepared: &[(Vec<usize>, f32, f32)]) -> Vec<f32> {
    let mut count = vec![[0f32; 2]; BUCKETS];
    let mut total = [0f32; 2];
    for (feats, y, _) in prepared {
        let class = usize::from(*y > 0.5);
        for &f in feats {
            if let Some(c) = count.get_mut(f) {
                c[class] += 1.0;
            }
            total[class] += 1.0;
        }
    }
    let a = RATIO_SMOOTHING;
    count
        .iter()
        .map(|&[fine, abuse]| {
            if fine == 0.0 && abuse == 0.0 {
                return 1.0;
            }
            let r = ((abuse + a) / (total[1] + a)).ln() - ((fine + a) / (total[0] + a)).ln();
            r.abs().max(RATIO_FLOOR)
        })
        .collect()
}

fn buckets(text: &str) -> Vec<usize> {
    let mut b: Vec<usize> = features(&words_of(text)).iter().map(|f| f.bucket).collect();
    b.sort_unstable();
    b.dedup();
    b
}

/// Training passes over the examples.
const EPOCHS: usize = 30;
/// Step size of gradient descent.
const LEARNING_RATE: f32 = 4.0;
/// Step size of one moderator lesson: a fraction of training's, see [`Classifier::learn`].
const LESSON_RATE: f32 = 0.5;
/// Weight decay per step.
const L2: f32 = 1e-5;

/// Writes the values of `values` that are not `default` as a count, then (bucket, value)
/// pairs: most buckets are never used.
fn write_sparse(out: &mut Vec<u8>, values: &[f32], default: f32) {
    let used: Vec<(u32, f32)> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != default)
        .map(|(i, v)| (i as u32, *v))
        .collect();
    out.extend_from_slice(&(used.len() as u32).to_le_bytes());
    for (i, v) in used {
        out.extend_from_slice(&i.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Reads [`write_sparse`] output into `values`; `after` is how many bytes of counts must
/// still follow before the vocabulary, so a count that promises more than is there fails
/// before anything is read.
fn read_sparse(
    r: &mut Reader<'_>,
    values: &mut [f32],
    after: usize,
    what: &'static str,
    valid: impl Fn(f32) -> bool,
) -> Result<(), ModelError> {
    let n = u32::from_le_bytes(r.array()?) as usize;
    if n > BUCKETS || r.remaining() < n * 8 + after + VOCABULARY_BITS / 8 + 4 {
        return Err(ModelError::Corrupt("length"));
    }
    for _ in 0..n {
        let i = u32::from_le_bytes(r.array()?) as usize;
        let v = f32::from_le_bytes(r.array()?);
        let slot = values
            .get_mut(i)
            .ok_or(ModelError::Corrupt("bucket index"))?;
        if !valid(v) {
            return Err(ModelError::Corrupt(what));
        }
        *slot = v;
    }
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self
            .at
            .checked_add(n)
            .ok_or(ModelError::Corrupt("length"))?;
        let s = self
            .bytes
            .get(self.at..end)
            .ok_or(ModelError::Corrupt("truncated"))?;
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.at)
    }
}

/// One line of the training set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledText {
    pub text: String,
    pub lang: String,
    pub abusive: bool,
    /// A [`super::Category`] code for abusive lines, an "ok-..." kind for legitimate ones.
    pub category: String,
}

#[derive(serde::Deserialize)]
struct Line {
    text: String,
    lang: String,
    label: String,
    category: String,
}

/// Parses a JSON-lines training set; blank and malformed lines are skipped.
pub fn parse_training_set(data: &str) -> Vec<LabelledText> {
    data.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str::<Line>(l).ok())
        .filter(|l| l.label == "abusive" || l.label == "ok")
        .map(|l| LabelledText {
            abusive: l.label == "abusive",
            text: l.text,
            lang: l.lang,
            category: l.category,
        })
        .collect()
}
