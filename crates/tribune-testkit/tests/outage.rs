//! PostgreSQL goes away under load and comes back: readers get 503 (never 500) while it is
//! gone, the node recovers by itself, and every write that was acknowledged is there.
//!
//! It stops the machine's PostgreSQL, so it must not share the server with other tests:
//! it is ignored in the normal run and `.ci/run` runs it on its own:
//! `cargo test -p tribune-testkit --test outage -- --ignored`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tribune_testkit::{Backend, TestApp, article};

fn cluster(action: &str) {
    let version = std::fs::read_dir("/etc/postgresql")
        .expect("/etc/postgresql: this test drives the local PostgreSQL cluster")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .next()
        .expect("a PostgreSQL version under /etc/postgresql");
    let mut cmd = Command::new("pg_ctlcluster");
    cmd.args(["--skip-systemctl-redirect", &version, "main", action]);
    if action == "stop" {
        cmd.args(["-m", "fast"]);
    }
    let status = cmd.status().expect("pg_ctlcluster runs");
    assert!(status.success(), "pg_ctlcluster {action} failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "stops the local PostgreSQL; run alone with --ignored"]
async fn readers_get_503_while_postgres_is_down_and_no_acknowledged_write_is_lost() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let mut app = TestApp::start(backend).await;
    app.follow_changes();
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(
            app.save(&article(&format!("Voor de storing {i}"), 60 + i))
                .await
                .id,
        );
    }
    let app = Arc::new(app);
    app.page("/").await;

    let statuses: Arc<Mutex<BTreeMap<u16, usize>>> = Arc::default();
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let refused = Arc::new(Mutex::new(0usize));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));

    let mut load = Vec::new();
    for reader in 0..4 {
        let (app, statuses, stop, ids) = (app.clone(), statuses.clone(), stop.clone(), ids.clone());
        load.push(tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Home and articles (cached once seen), and API pages at positions never asked
                // before, which only the database can answer.
                let path = match n % 3 {
                    0 => "/".to_string(),
                    1 => format!("/nieuws/{}", ids[(n + reader) % ids.len()]),
                    _ => format!(
                        "/api/v1/articles?limit=5&cursor={}.{}",
                        1_900_000_000_000u64 + n as u64,
                        reader + 1
                    ),
                };
                if let Ok(r) = app
                    .http
                    .get(app.url(&path))
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await
                {
                    *statuses
                        .lock()
                        .unwrap()
                        .entry(r.status().as_u16())
                        .or_default() += 1;
                    if r.status() == 503 {
                        assert!(
                            r.headers().contains_key("retry-after"),
                            "503 without Retry-After"
                        );
                    }
                }
                n += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    {
        let (app, acknowledged, refused, stop) = (
            app.clone(),
            acknowledged.clone(),
            refused.clone(),
            stop.clone(),
        );
        load.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let title = format!("Tijdens de storing {n}");
                match app.store.save_article(&article(&title, 1), app.now()).await {
                    Ok(_) => acknowledged.lock().unwrap().push(title),
                    Err(tribune_core::StoreError::Unavailable(_)) => *refused.lock().unwrap() += 1,
                    Err(e) => {
                        panic!("a write failed with something other than 'unavailable': {e:?}")
                    }
                }
                n += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }

    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster("stop");
    tokio::time::sleep(Duration::from_secs(6)).await;
    cluster("start");

    // The node recovers by itself: ready again, and pages render again.
    let back = Instant::now();
    loop {
        let ready = app.get("/readyz").await.status() == 200;
        let api = app
            .get(&format!("/api/v1/articles/{}", ids[0]))
            .await
            .status()
            == 200;
        if ready && api {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(60),
            "the node did not recover within 60 s of PostgreSQL's return"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }

    let statuses = statuses.lock().unwrap().clone();
    eprintln!(
        "answers during the run: {statuses:?}; writes acknowledged: {}, refused as unavailable: {}",
        acknowledged.lock().unwrap().len(),
        refused.lock().unwrap()
    );
    assert!(
        !statuses.contains_key(&500),
        "a reader got a 500: {statuses:?}"
    );
    assert!(
        statuses.get(&503).is_some_and(|n| *n > 0),
        "the outage was never seen as a 503: {statuses:?}"
    );
    assert!(*refused.lock().unwrap() > 0, "no write noticed the outage");
    let keys = acknowledged.lock().unwrap().clone();
    assert!(keys.len() > 10);
    for title in &keys {
        let found = app
            .store
            .article_by_key(&format!("test:{title}"))
            .await
            .unwrap();
        assert!(
            found.is_some(),
            "acknowledged write {title:?} is missing after the outage"
        );
    }
    // And the site shows the newest of them again.
    app.sync().await;
    assert!(app.page("/").await.contains(keys.last().unwrap()));
}
