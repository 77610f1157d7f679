//! Our own abuse classifier: multinomial naive Bayes over hashed features of the
//! normalised text (character 3- to 5-grams inside words, words, word pairs). Counts are
//! kept per class, so a moderator's decision is one weighted update, effective at once,
//! and the model explains a score by the words whose features pushed it up.

use std::fmt;
use std::sync::OnceLock;

use super::normalise::analyse_text;

/// The weight of one moderator decision (a rejection learned as abusive, a restore as
/// legitimate): as much as this many training examples, so three decisions teach the
/// model a new insult, or stop it holding an ordinary word.
pub const MODERATOR_WEIGHT: f32 = 8.0;

/// Hash buckets for features.
const BUCKETS: usize = 1 << 18;
/// Laplace smoothing per feature.
const ALPHA: f32 = 0.2;
/// The serialisation header and version.
const MAGIC: &[u8; 8] = b"TRIBNB\0\0";
const VERSION: u16 = 1;

const TRAIN_DATA: &str = include_str!("../../data/moderation/train.jsonl");

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

/// The naive Bayes classifier. Index 0 is legitimate, 1 abusive.
#[derive(Clone)]
pub struct Classifier {
    /// Per bucket, weighted feature counts per class.
    counts: Vec<[f32; 2]>,
    /// Sum of all feature counts per class.
    totals: [f64; 2],
    /// Weighted number of documents per class.
    docs: [f64; 2],
}

impl fmt::Debug for Classifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Classifier")
            .field("docs", &self.docs)
            .field("totals", &self.totals)
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

fn features(words: &[String]) -> Vec<Feature> {
    let mut out = Vec::with_capacity(words.len() * 12);
    let mut padded = Vec::with_capacity(40);
    for (i, w) in words.iter().enumerate() {
        out.push(Feature {
            bucket: hash(1, w.as_bytes()),
            word: i,
            pair: false,
        });
        if let Some(next) = words.get(i + 1) {
            let mut pair = Vec::with_capacity(w.len() + next.len() + 1);
            pair.extend_from_slice(w.as_bytes());
            pair.push(b' ');
            pair.extend_from_slice(next.as_bytes());
            out.push(Feature {
                bucket: hash(2, &pair),
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
            counts: vec![[0.0; 2]; BUCKETS],
            totals: [0.0; 2],
            docs: [0.0; 2],
        }
    }

    /// A classifier trained on these examples only.
    pub fn train(examples: &[Example]) -> Classifier {
        let mut c = Classifier::empty();
        for e in examples {
            c.learn(&e.text, e.abusive, e.weight);
        }
        c
    }

    /// The embedded training set (data/moderation/train.jsonl), each with weight 1.
    pub fn builtin_examples() -> Vec<Example> {
        parse_training_set(TRAIN_DATA)
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
        parse_training_set(TRAIN_DATA)
    }

    /// Trained once from [`Classifier::builtin_examples`].
    pub fn builtin() -> &'static Classifier {
        static MODEL: OnceLock<Classifier> = OnceLock::new();
        MODEL.get_or_init(|| Classifier::train(&Classifier::builtin_examples()))
    }

    /// Adds one example with a weight (a moderator decision weighs [`MODERATOR_WEIGHT`]).
    /// A weight that is not a positive finite number changes nothing.
    pub fn learn(&mut self, text: &str, abusive: bool, weight: f32) {
        if !(weight.is_finite() && weight > 0.0) {
            return;
        }
        let class = usize::from(abusive);
        let words = words_of(text);
        let feats = features(&words);
        for f in &feats {
            if let Some(slot) = self.counts.get_mut(f.bucket) {
                slot[class] += weight;
            }
        }
        self.totals[class] += f64::from(weight) * feats.len() as f64;
        self.docs[class] += f64::from(weight);
    }

    /// Log-likelihood ratio (abusive over legitimate) of one bucket.
    fn ratio(&self, bucket: usize) -> f64 {
        let [ok, bad] = self.counts.get(bucket).copied().unwrap_or([0.0; 2]);
        let v = f64::from(ALPHA) * BUCKETS as f64;
        let p_bad = (f64::from(bad) + f64::from(ALPHA)) / (self.totals[1] + v);
        let p_ok = (f64::from(ok) + f64::from(ALPHA)) / (self.totals[0] + v);
        (p_bad / p_ok).ln()
    }

    /// The risk that `text` is abusive, and the words behind it.
    pub fn score(&self, text: &str) -> ModelScore {
        let words = words_of(text);
        let feats = features(&words);
        if feats.is_empty() || self.docs[0] <= 0.0 || self.docs[1] <= 0.0 {
            return ModelScore {
                risk: 0,
                words: Vec::new(),
            };
        }
        let mut per_word = vec![0.0f64; words.len()];
        let mut per_pair = vec![0.0f64; words.len()];
        let mut sum = 0.0;
        for f in &feats {
            let r = self.ratio(f.bucket);
            sum += r;
            if f.pair {
                per_pair[f.word] += r;
            } else {
                per_word[f.word] += r;
            }
        }
        // Naive Bayes adds up evidence as if the overlapping grams were independent,
        // which makes it wildly overconfident; scaling by the square root of the feature
        // count keeps long texts from drowning short ones.
        let prior = (self.docs[1] / self.docs[0]).ln();
        let z = prior + SCALE * sum / (feats.len() as f64).sqrt() + BIAS;
        let p = 1.0 / (1.0 + (-z).exp());
        let risk = (p * 1000.0).round().clamp(0.0, 1000.0) as u32;

        let mut ranked: Vec<(f64, String)> = Vec::new();
        for (i, w) in words.iter().enumerate() {
            if per_word[i] > 0.0 {
                ranked.push((per_word[i], w.clone()));
            }
            if let Some(next) = words.get(i + 1)
                && per_pair[i] > 1.0
                && per_pair[i] > per_word[i]
            {
                ranked.push((per_pair[i], format!("{w} {next}")));
            }
        }
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut top: Vec<String> = Vec::new();
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

    /// The model as bytes: header, version, totals, then the non-empty buckets.
    pub fn to_bytes(&self) -> Vec<u8> {
        let used: Vec<(u32, [f32; 2])> = self
            .counts
            .iter()
            .enumerate()
            .filter(|(_, c)| c[0] != 0.0 || c[1] != 0.0)
            .map(|(i, c)| (i as u32, *c))
            .collect();
        let mut out = Vec::with_capacity(8 + 2 + 4 + 32 + 4 + used.len() * 12);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(BUCKETS as u32).to_le_bytes());
        for v in self.totals.iter().chain(&self.docs) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(used.len() as u32).to_le_bytes());
        for (i, [a, b]) in used {
            out.extend_from_slice(&i.to_le_bytes());
            out.extend_from_slice(&a.to_le_bytes());
            out.extend_from_slice(&b.to_le_bytes());
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
        for i in 0..4 {
            let v = f64::from_le_bytes(r.array()?);
            if !(v.is_finite() && v >= 0.0) {
                return Err(ModelError::Corrupt("totals"));
            }
            if i < 2 {
                c.totals[i] = v;
            } else {
                c.docs[i - 2] = v;
            }
        }
        let n = u32::from_le_bytes(r.array()?) as usize;
        if n > BUCKETS || r.remaining() != n * 12 {
            return Err(ModelError::Corrupt("length"));
        }
        for _ in 0..n {
            let i = u32::from_le_bytes(r.array()?) as usize;
            let a = f32::from_le_bytes(r.array()?);
            let b = f32::from_le_bytes(r.array()?);
            let slot = c
                .counts
                .get_mut(i)
                .ok_or(ModelError::Corrupt("bucket index"))?;
            if !(a.is_finite() && b.is_finite() && a >= 0.0 && b >= 0.0) {
                return Err(ModelError::Corrupt("counts"));
            }
            *slot = [a, b];
        }
        Ok(c)
    }
}

/// Scale and offset of the summed log ratios, chosen by cross-validation on the training
/// set (see examples/moderation_cv.rs).
const SCALE: f64 = 1.0;
const BIAS: f64 = 0.0;

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
