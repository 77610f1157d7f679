//! A second process writing beside a running site: `tribune serve --demo` (the real binary)
//! while `tribune user add`, `tribune user token` and `tribune import articles` (thousands of
//! articles) run as processes of their own, during the demo load and under comment load
//! through HTTP. No request answers 5xx, the server stays up, every acknowledged comment is
//! in the database. Bounded by counts (lines imported, comments posted), never by sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tribune_core::Store;
use tribune_store::{PgStore, SqliteStore};

const PASSWORD: &str = "Twee processen schrijven samen";
const READERS: usize = 12;
const IMPORTED: usize = 3000;
/// Most comment attempts per reader: the test ends by count even if the import were fast.
const ATTEMPTS_PER_READER: usize = 400;

enum Db {
    Sqlite,
    Postgres { url: String, schema: String },
}

struct Site {
    dir: tempfile::TempDir,
    db: Db,
}

impl Site {
    fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// `tribune` with this site's data directory and database.
    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tribune"));
        c.arg("--data-dir").arg(self.data_dir());
        if let Db::Postgres { url, schema } = &self.db {
            let sep = if url.contains('?') { '&' } else { '?' };
            c.arg("--database")
                .arg(format!("{url}{sep}options=-c%20search_path%3D{schema}"));
        }
        c.env("RUST_LOG", "warn").env("TRIBUNE_PASSWORD", PASSWORD);
        c
    }

    /// Runs a command to its end; it must succeed.
    fn run(&self, args: &[&str]) -> Output {
        let out = self.command().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "tribune {args:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    async fn store(&self) -> Arc<dyn Store> {
        match &self.db {
            Db::Sqlite => Arc::new(SqliteStore::open(self.data_dir()).await.unwrap()),
            Db::Postgres { url, schema } => {
                Arc::new(PgStore::connect_in_schema(url, schema).await.unwrap())
            }
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn server_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Waits until the server answers /readyz; fails at once if it ended.
async fn wait_ready(server: &mut Child, base: &str, log: &Path) {
    let http = reqwest::Client::new();
    // Bounded: 3,000 looks, 100 ms apart (the demo load on a slow machine takes a while).
    for _ in 0..3000 {
        if let Some(status) = server.try_wait().unwrap() {
            panic!("the server ended ({status}):\n{}", server_log(log));
        }
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the server never became ready:\n{}", server_log(log));
}

fn import_file(dir: &Path) -> PathBuf {
    let path = dir.join("import.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..IMPORTED {
        let line = serde_json::json!({
            "key": format!("tweede-proces-{i}"),
            "title": format!("Ingevoerd bericht nummer {i}"),
            "kind": "news",
            "author": "Invoer Redactie",
            "published_at": "2026-11-20T16:30:00+01:00",
            "lead": format!("De inleiding van ingevoerd bericht {i}."),
            "body": format!("De tekst van bericht {i}.\n\nEen tweede alinea."),
        });
        writeln!(f, "{line}").unwrap();
    }
    f.flush().unwrap();
    path
}

/// A logged-in reader: the session cookie the login form set.
async fn log_in(http: &reqwest::Client, base: &str, email: &str) -> String {
    let body = format!(
        "email={}&password={}",
        email.replace('@', "%40"),
        PASSWORD.replace(' ', "+")
    );
    let r = http
        .post(format!("{base}/inloggen"))
        .header("origin", base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{email} logs in");
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .find(|c| !c.ends_with('='))
        .expect("a session cookie")
}

async fn a_second_process_writing_never_fails_the_site(db: Db) {
    let site = Site {
        dir: tempfile::tempdir().unwrap(),
        db,
    };
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let log = site.data_dir().join("server.log");
    let mut server = site
        .command()
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();

    // While the demo loads: accounts and a token from other processes.
    let readers: Vec<String> = (0..READERS)
        .map(|i| format!("lezer{i}@twee.invalid"))
        .collect();
    for email in &readers {
        site.run(&["user", "add", "--role", "reader", email]);
    }
    site.run(&[
        "user",
        "add",
        "--role",
        "journalist",
        "schrijver@twee.invalid",
    ]);
    let token = site.run(&["user", "token", "schrijver@twee.invalid", "uitslagen"]);
    assert!(String::from_utf8_lossy(&token.stdout).contains("trb_"));

    wait_ready(&mut server, &base, &log).await;

    // The articles readers comment on: one each, so no article goes into slow mode.
    let list: serde_json::Value = reqwest::get(format!("{base}/api/v1/articles?limit=50"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let articles: Vec<i64> = list["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert!(articles.len() >= READERS, "the demo has articles: {list}");

    // The import and more account commands run as their own processes meanwhile.
    let file = import_file(site.data_dir());
    let import = site
        .command()
        .args(["import", "articles"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let import_done = Arc::new(AtomicBool::new(false));
    let importer = {
        let done = import_done.clone();
        tokio::task::spawn_blocking(move || {
            let out = import.wait_with_output().unwrap();
            done.store(true, Ordering::SeqCst);
            out
        })
    };
    let site = Arc::new(site);
    let accounts = {
        let site = site.clone();
        tokio::task::spawn_blocking(move || {
            for i in 0..3 {
                let email = format!("redacteur{i}@twee.invalid");
                site.run(&["user", "add", "--role", "editor", &email]);
                site.run(&["user", "token", &email, "livescore"]);
            }
        })
    };

    let mut posters = Vec::new();
    for (r, email) in readers.iter().enumerate() {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let cookie = log_in(&http, &base, email).await;
        let (base, article, done) = (base.clone(), articles[r], import_done.clone());
        posters.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut refused = 0;
            for i in 0..ATTEMPTS_PER_READER {
                if done.load(Ordering::SeqCst) && !acknowledged.is_empty() {
                    break;
                }
                let resp = http
                    .post(format!("{base}/api/v1/articles/{article}/comments"))
                    .header("origin", &base)
                    .header("cookie", &cookie)
                    .json(&serde_json::json!({
                        "body": format!("Lezer {r} zegt voor de {i}e keer: sterke ploeg vandaag.")
                    }))
                    .send()
                    .await
                    .unwrap();
                let status = resp.status();
                let text = resp.text().await.unwrap();
                assert!(
                    !status.is_server_error(),
                    "comment {i} of reader {r}: {status} {text}"
                );
                if status == 201 {
                    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                    acknowledged.push(v["comment"]["id"].as_i64().unwrap());
                } else {
                    // The rate limit (5 a minute) refuses with 4xx: still never a 5xx.
                    assert!(status.is_client_error(), "{status} {text}");
                    refused += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
            (acknowledged, refused)
        }));
    }
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    for p in posters {
        let (ids, no) = p.await.unwrap();
        acknowledged.extend(ids);
        refused += no;
    }
    accounts.await.unwrap();
    let out = importer.await.unwrap();
    eprintln!(
        "{} comments acknowledged, {refused} refused by the rate limit; import: {}",
        acknowledged.len(),
        String::from_utf8_lossy(&out.stdout).trim()
    );
    assert!(
        out.status.success(),
        "the import failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    assert!(
        server.try_wait().unwrap().is_none(),
        "the server is still up:\n{}",
        server_log(&log)
    );
    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    assert!(
        acknowledged.len() >= READERS,
        "every reader got comments in"
    );

    let store = site.store().await;
    for id in &acknowledged {
        let c = store.comment(*id).await.unwrap();
        assert!(c.is_some(), "acknowledged comment {id} is stored");
    }
    for i in [0, IMPORTED / 2, IMPORTED - 1] {
        assert!(
            store
                .article_by_key(&format!("tweede-proces-{i}"))
                .await
                .unwrap()
                .is_some(),
            "imported article {i} is there"
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();
    drop(store);
    if let Db::Postgres { url, schema } = &site.db {
        PgStore::drop_schema_at(url, schema).await.unwrap();
    }
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_process_writing_never_fails_the_site() {
        super::a_second_process_writing_never_fails_the_site(super::Db::Sqlite).await;
    }
}

mod postgres {
    use tribune_store::PgStore;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_process_writing_never_fails_the_site() {
        let url = match std::env::var("TRIBUNE_TEST_PG_URL") {
            Ok(url) if !url.is_empty() => url,
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("CI=true but TRIBUNE_TEST_PG_URL is not set")
            }
            _ => {
                eprintln!("skipped on PostgreSQL: set TRIBUNE_TEST_PG_URL to run it");
                return;
            }
        };
        let schema = format!("t_two_processes_{}", std::process::id());
        // The schema exists (and is migrated) before the processes point at it.
        drop(PgStore::connect_in_schema(&url, &schema).await.unwrap());
        super::a_second_process_writing_never_fails_the_site(super::Db::Postgres { url, schema })
            .await;
    }
}
