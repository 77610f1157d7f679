//! The site's moderation model on this node: the newest stored version (or the built-in one
//! before a site ever retrained) plus every lesson moderators taught since, learned in id
//! order. A decision on this node is learned before the moderator's answer goes out; other
//! nodes' and processes' decisions within [`REFRESH_EVERY`]. Every node learns the same
//! lessons in the same order, so all nodes judge alike.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::Mutex;
use tribune_core::Store;
use tribune_core::learning::{ModelVersion, NewModel};
use tribune_core::moderation::{Classifier, Example, MODERATOR_WEIGHT};
use tribune_core::store::{StoreError, StoreResult};

/// How often a node looks for lessons and versions it did not write itself.
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// Lessons read per round trip.
const BATCH: u32 = 500;

pub struct Learning {
    model: RwLock<Arc<Classifier>>,
    position: Mutex<Position>,
}

struct Position {
    /// The stored version the model started from; 0 is the built-in model.
    version: i64,
    /// The last lesson learned.
    lessons_through: i64,
    /// When the database was last asked.
    looked: Option<Instant>,
}

impl Default for Learning {
    fn default() -> Self {
        Self::new()
    }
}

impl Learning {
    /// The built-in model, until [`Learning::refresh`] reads the site's.
    pub fn new() -> Self {
        Self {
            model: RwLock::new(Arc::new(Classifier::builtin().clone())),
            position: Mutex::new(Position {
                version: 0,
                lessons_through: 0,
                looked: None,
            }),
        }
    }

    /// The model as it stands, for judging one comment.
    pub fn classifier(&self) -> Arc<Classifier> {
        match self.model.read() {
            Ok(model) => model.clone(),
            // A panic while swapping left the old model in place: still a whole model.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Which stored version this node started from (0: built-in) and its last lesson.
    pub async fn position(&self) -> (i64, i64) {
        let pos = self.position.lock().await;
        (pos.version, pos.lessons_through)
    }

    /// Refreshes when the last look is older than [`REFRESH_EVERY`]; called on the way to
    /// judging a comment. When another task is refreshing already, the model as it stands
    /// judges this one.
    pub async fn refresh_if_due(&self, store: &dyn Store) -> StoreResult<()> {
        let due = match self.position.try_lock() {
            Ok(pos) => pos.looked.is_none_or(|at| at.elapsed() >= REFRESH_EVERY),
            Err(_) => false,
        };
        if due {
            self.refresh(store).await
        } else {
            Ok(())
        }
    }

    /// Takes a newer stored version if there is one, then learns the lessons not learned
    /// yet. The model is swapped whole, so a comment is judged by one model or the next.
    pub async fn refresh(&self, store: &dyn Store) -> StoreResult<()> {
        let mut pos = self.position.lock().await;
        pos.looked = Some(Instant::now());
        let newest = store.model_versions().await?.into_iter().next();
        let newest_id = newest.as_ref().map_or(0, |v| v.id);
        let mut model: Option<Classifier> = None;
        if newest_id != pos.version {
            let stored = match &newest {
                Some(v) => load(store, v).await?.map(|m| (m, v.lessons_through)),
                None => None,
            };
            // No version, or one an earlier release saved in a format this one does not
            // read: the built-in model, with every lesson learned again.
            let (base, through) = stored.unwrap_or_else(|| (Classifier::builtin().clone(), 0));
            pos.version = newest_id;
            pos.lessons_through = through;
            model = Some(base);
        }
        loop {
            let lessons = store.lessons_since(pos.lessons_through, BATCH).await?;
            let Some(last) = lessons.last() else { break };
            pos.lessons_through = last.id;
            let model = model.get_or_insert_with(|| (*self.classifier()).clone());
            for lesson in &lessons {
                model.learn(&lesson.body, lesson.abusive, MODERATOR_WEIGHT);
            }
        }
        if let Some(model) = model {
            let model = Arc::new(model);
            match self.model.write() {
                Ok(mut slot) => *slot = model,
                Err(poisoned) => *poisoned.into_inner() = model,
            }
        }
        Ok(())
    }
}

/// A stored version, or `None` when an earlier release saved it in a format this one does
/// not read.
async fn load(store: &dyn Store, version: &ModelVersion) -> StoreResult<Option<Classifier>> {
    let bytes = store
        .model_bytes(version.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    match Classifier::from_bytes(&bytes) {
        Ok(model) => Ok(Some(model)),
        Err(e) if e.is_outdated() => Ok(None),
        Err(e) => Err(StoreError::Invalid(format!(
            "moderation model version {} cannot be read: {e}",
            version.id
        ))),
    }
}

/// Every lesson so far, oldest first, as training examples.
async fn all_lessons(store: &dyn Store) -> StoreResult<(Vec<Example>, i64)> {
    let mut examples = Vec::new();
    let mut through = 0;
    loop {
        let lessons = store.lessons_since(through, BATCH).await?;
        let Some(last) = lessons.last() else { break };
        through = last.id;
        examples.extend(lessons.into_iter().map(|l| Example {
            text: l.body,
            abusive: l.abusive,
            weight: MODERATOR_WEIGHT,
        }));
    }
    Ok((examples, through))
}

/// Trains a new version from the built-in set and every lesson, and puts it in use.
pub async fn retrain(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<ModelVersion> {
    let (lessons, through) = all_lessons(store).await?;
    let mut examples = Classifier::builtin_examples();
    let taught = lessons.len();
    examples.extend(lessons);
    // Training is CPU work of a second or so: off the async workers.
    let model = tokio::task::spawn_blocking(move || Classifier::train(&examples))
        .await
        .map_err(|e| StoreError::Backend(Box::new(e)))?;
    store
        .save_model(
            &NewModel {
                bytes: model.to_bytes(),
                lessons_through: through,
                examples: i64::try_from(model.examples()).unwrap_or(i64::MAX),
                note: format!("opnieuw getraind: ingebouwde set en {taught} lessen"),
            },
            now,
        )
        .await
}

/// Stores the built-in model as the site's first version when the site has none yet, so
/// that the model in use is stored with the site (a copy or a backup carries it) from its
/// first start; the lessons so far are learned on top of it by the nodes. The same when the
/// newest version was saved by an earlier release in a format this one does not read.
pub async fn store_builtin_if_needed(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<()> {
    if let Some(newest) = store.model_versions().await?.first()
        && load(store, newest).await?.is_some()
    {
        return Ok(());
    }
    let model = Classifier::builtin();
    store
        .save_model(
            &NewModel {
                bytes: model.to_bytes(),
                lessons_through: 0,
                examples: i64::try_from(model.examples()).unwrap_or(i64::MAX),
                note: "het ingebouwde model".to_string(),
            },
            now,
        )
        .await?;
    Ok(())
}

/// Puts an earlier version back in use (`to`, or the one before the newest; with a single
/// stored version, the built-in model). Saved as the newest version, so the history stays
/// in order; lessons taught until now are left out of it (a later retrain takes them in).
pub async fn rollback(
    store: &dyn Store,
    to: Option<i64>,
    now: DateTime<Utc>,
) -> StoreResult<ModelVersion> {
    let versions = store.model_versions().await?;
    if versions.is_empty() {
        return Err(StoreError::Invalid(
            "er is geen getraind model om terug te zetten: de site gebruikt het ingebouwde"
                .to_string(),
        ));
    }
    let (bytes, examples, note) = match to.or_else(|| versions.get(1).map(|v| v.id)) {
        Some(id) => {
            let target = versions
                .iter()
                .find(|v| v.id == id)
                .ok_or(StoreError::NotFound)?;
            let model = load(store, target).await?.ok_or_else(|| {
                StoreError::Invalid(format!(
                    "versie {id} is bewaard door een eerdere release en kan niet meer gebruikt worden"
                ))
            })?;
            (
                model.to_bytes(),
                target.examples,
                format!("teruggezet naar versie {id}"),
            )
        }
        None => {
            let model = Classifier::builtin();
            (
                model.to_bytes(),
                i64::try_from(model.examples()).unwrap_or(i64::MAX),
                "teruggezet naar het ingebouwde model".to_string(),
            )
        }
    };
    let through = store.last_lesson().await?;
    store
        .save_model(
            &NewModel {
                bytes,
                lessons_through: through,
                examples,
                note,
            },
            now,
        )
        .await
}
