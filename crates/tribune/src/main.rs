use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use tribune::{Database, Paths, chain, copy, demo, import, open_store, user, web_config, wxr};
use tribune_core::account::Role;
use tribune_core::{Clock, SystemClock};

#[derive(Parser)]
#[command(name = "tribune", version, about = "A football newsroom in one binary")]
struct Cli {
    /// Directory for the database and media.
    #[arg(
        long,
        global = true,
        env = "TRIBUNE_DATA_DIR",
        default_value = "./tribune-data"
    )]
    data_dir: PathBuf,
    /// Directory for photos (default: DATA_DIR/media); several nodes may share one.
    #[arg(long, global = true, env = "TRIBUNE_MEDIA_DIR")]
    media_dir: Option<PathBuf>,
    /// Database: postgres://USER@HOST/DB for several nodes, or sqlite:PATH
    /// (default: SQLite in DATA_DIR/tribune.db).
    #[arg(long, global = true, env = "TRIBUNE_DATABASE", hide_env_values = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "TRIBUNE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Load the demo newsroom first (into an empty database, or refresh an earlier demo).
        #[arg(long, env = "TRIBUNE_DEMO")]
        demo: bool,
        /// With --demo: leave the demo's live match as it is, instead of playing it on (and
        /// the next ones) with an event every few minutes. For tests that play it themselves.
        #[arg(long, env = "TRIBUNE_DEMO_STILL")]
        demo_still: bool,
        /// Render every page on every request (benchmarks of rendering only).
        #[arg(long, env = "TRIBUNE_NO_PAGE_CACHE")]
        no_page_cache: bool,
        /// How late, in milliseconds, a cached page may show a change such as a new comment
        /// (a busy page is rendered at most this often); 0 shows every change at once.
        #[arg(long, env = "TRIBUNE_PAGE_REFRESH_MS", default_value_t = 250)]
        page_refresh_ms: u64,
        /// Comments of an account wait for a moderator until this many were approved.
        #[arg(long, env = "TRIBUNE_PREMODERATE_FIRST", default_value_t = 1)]
        premoderate_first: u32,
        /// Close comments every night between these Brussels times, e.g. 23:00-07:00
        /// (readers; staff may still comment).
        #[arg(long, env = "TRIBUNE_COMMENTS_NIGHT", value_parser = tribune_core::comment::NightClosing::parse)]
        comments_night: Option<tribune_core::comment::NightClosing>,
        #[command(flatten)]
        web: WebFlags,
    },
    /// Manage accounts: add staff (or the first admin), change roles.
    User {
        #[command(subcommand)]
        what: UserWhat,
    },
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Import content from files.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Load the demo newsroom, optionally with many generated articles (benchmarks).
    Demo {
        /// Also add this many generated articles.
        #[arg(long, default_value_t = 0)]
        articles: usize,
    },
    /// Rebuild this node's search index (DATA_DIR/search) from the database. Run it with the
    /// node stopped: a running node keeps its index up to date itself (and rebuilds a missing
    /// or unreadable one at start).
    Reindex,
    /// The moderation model: what is in use, retrain it, roll it back, measure it.
    Moderation {
        #[command(subcommand)]
        what: ModerationWhat,
    },
    /// Copy a whole site (articles, accounts, comments, polls and the rest, ids kept) to
    /// another database, e.g. from SQLite to PostgreSQL. Sessions and one-time links are not
    /// copied (readers log in again). Photo files are not moved: their paths stay the same.
    Copy {
        /// The database to copy from: sqlite:PATH or postgres://USER@HOST/DB.
        #[arg(long)]
        from: String,
        /// The database to copy into: postgres://USER@HOST/DB or sqlite:PATH.
        #[arg(long)]
        to: String,
        /// Copy even into a database that holds a site: rows with the same ids are
        /// overwritten.
        #[arg(long)]
        force: bool,
    },
}

/// How the site is reached and how it sends mail.
#[derive(clap::Args)]
struct WebFlags {
    /// The site is served over TLS (directly or behind a TLS proxy): the session cookie
    /// becomes `__Host-` and Secure.
    #[arg(long, env = "TRIBUNE_SECURE_COOKIES")]
    secure_cookies: bool,
    /// A reverse proxy in front sets X-Forwarded-For and X-Forwarded-Proto; believe them
    /// (rate limits per client address, our own origin's scheme). Never set this when
    /// clients can reach Tribune directly.
    #[arg(long, env = "TRIBUNE_TRUSTED_PROXY")]
    trusted_proxy: bool,
    /// Where readers reach the site, e.g. https://www.tribune.be; links in mails point here
    /// (default: http(s)://the listen address).
    #[arg(long, env = "TRIBUNE_PUBLIC_URL")]
    public_url: Option<String>,
    /// SMTP relay for account mail (plain SMTP, e.g. a local Postfix). Without it mail is
    /// written to the log and to DATA_DIR/outbox.
    #[arg(long, env = "TRIBUNE_SMTP_HOST")]
    smtp_host: Option<String>,
    #[arg(long, env = "TRIBUNE_SMTP_PORT", default_value_t = 25)]
    smtp_port: u16,
    /// The sender of account mail.
    #[arg(
        long,
        env = "TRIBUNE_MAIL_FROM",
        default_value = "Tribune <noreply@localhost>"
    )]
    mail_from: String,
    /// Feeds (/feed.xml, /atom.xml, ...) carry whole articles instead of their teasers.
    #[arg(long, env = "TRIBUNE_FEED_FULL_TEXT")]
    feed_full_text: bool,
    /// Most addresses in one sitemap file; more are split over several.
    #[arg(long, env = "TRIBUNE_SITEMAP_SIZE", default_value_t = tribune_web::routes::feeds::SITEMAP_MAX,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(tribune_web::routes::feeds::SITEMAP_MAX)))]
    sitemap_size: u32,
}

#[derive(Subcommand)]
enum UserWhat {
    /// Add a confirmed account. The password comes from TRIBUNE_PASSWORD, or is asked for
    /// (or read as one line from standard input when that is not a terminal).
    Add {
        /// admin, editor, journalist, moderator or reader.
        #[arg(long, value_parser = user::parse_role)]
        role: Role,
        /// The name shown (default: the part of the address before the @).
        #[arg(long)]
        name: Option<String>,
        email: String,
    },
    /// Give an account another role.
    SetRole {
        email: String,
        #[arg(value_parser = user::parse_role)]
        role: Role,
    },
    /// Make a personal API token for a journalist, editor or admin (scripts, benchmarks)
    /// and print it; it is shown only this once, and revoked on the account page.
    Token {
        email: String,
        /// What it is for, as the account page lists it.
        name: String,
    },
}

#[derive(Subcommand)]
enum ModerationWhat {
    /// The stored versions of the model, newest (in use) first, and the lessons since.
    Status,
    /// Train a new version from the built-in set and every moderator decision so far, and
    /// put it in use (running nodes take it within seconds).
    Retrain,
    /// Put an earlier version back in use: the one before the newest, or --to ID (with no
    /// earlier version, the built-in model).
    Rollback {
        #[arg(long)]
        to: Option<i64>,
    },
    /// Measure the rules and the site's model on a labelled JSON Lines file
    /// ({"text", "lang", "label": "abusive"|"ok", "category"} per line).
    Evaluate {
        file: PathBuf,
        /// Judge as in match-evening mode (stricter).
        #[arg(long)]
        evening: bool,
        /// Also print the comments judged wrongly.
        #[arg(long)]
        wrong: bool,
    },
}

#[derive(Subcommand)]
enum ImportWhat {
    /// Articles from a JSON Lines file, one article per line.
    Articles { file: PathBuf },
    /// A WordPress export (WXR): posts, categories and tags, authors, approved comments and
    /// the old addresses. All of the file or nothing; running it again updates.
    Wxr {
        file: PathBuf,
        /// Fetch lead photos from the old site (http(s), public addresses only).
        #[arg(long)]
        fetch_media: bool,
    },
    /// Competitions, teams and matches: an openfootball football.json file or a
    /// football-data.org v4 match list. All of the file or nothing; running it again
    /// updates the same matches.
    Fixtures { file: PathBuf },
}

/// glibc's allocator kept the 19 MiB blocks of every password check in per-thread arenas for
/// good (470 MB after 64 logins); mimalloc hands freed memory back and allocates faster.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    let paths = Paths::new(&cli.data_dir, cli.media_dir.as_deref());
    let database = Database::parse(cli.database.as_deref(), &paths)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command {
        Command::Migrate => {
            open_store(&database).await?;
            println!("{} is up to date", database.describe());
        }
        Command::Serve {
            listen,
            demo: with_demo,
            demo_still,
            no_page_cache,
            page_refresh_ms,
            premoderate_first,
            comments_night,
            web,
        } => {
            let store = open_store(&database).await?;
            if with_demo {
                if demo::may_load(store.as_ref()).await? {
                    // A failed demo load ends `serve` with a message saying so (writes wait
                    // for other processes, so this is not an ordinary outcome).
                    let loaded = demo::load(store.as_ref(), &paths.media_dir, clock.now())
                        .await
                        .map_err(|e| {
                            format!("the demo newsroom could not be loaded, so the site was not started: {e}")
                        })?;
                    tracing::info!(
                        articles = loaded.articles,
                        topics = loaded.topics,
                        photos = loaded.photos,
                        accounts = loaded.accounts,
                        comments = loaded.comments,
                        waiting_for_moderation = loaded.queued,
                        matches = loaded.matches,
                        "demo newsroom loaded; log in as {} or {} with password {}",
                        tribune::community::MODERATOR,
                        tribune::community::EDITOR,
                        tribune::community::PASSWORD,
                    );
                } else {
                    tracing::warn!(
                        "the database holds articles that are not the demo's: demo not loaded"
                    );
                }
            }
            tribune_web::learning::store_builtin_if_needed(store.as_ref(), clock.now())
                .await
                .map_err(|e| format!("moderation model: {e}"))?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            tracing::info!(address = %listen, database = %database.describe(), media_dir = %paths.media_dir.display(), page_cache = !no_page_cache, "Tribune is serving on http://{listen}/");
            let mut config = web_config(&paths, !no_page_cache);
            config.rules.premoderate_until = premoderate_first;
            config.night_closing = comments_night;
            config.page_refresh = std::time::Duration::from_millis(page_refresh_ms);
            config.secure_cookies = web.secure_cookies;
            config.trusted_proxy = web.trusted_proxy;
            config.feed_full_text = web.feed_full_text;
            config.sitemap_size = web.sitemap_size;
            config.public_url = match web.public_url {
                Some(url) => url.trim_end_matches('/').to_string(),
                None => {
                    let scheme = if web.secure_cookies { "https" } else { "http" };
                    let url = if listen.ip().is_unspecified() {
                        format!("{scheme}://localhost:{}", listen.port())
                    } else {
                        format!("{scheme}://{listen}")
                    };
                    if !listen.ip().is_loopback() {
                        tracing::warn!(
                            "links in mails point at {url}; set --public-url to the address readers use"
                        );
                    }
                    url
                }
            };
            config.mail_from = web.mail_from;
            config.smtp = web.smtp_host.map(|host| tribune_web::mail::SmtpSettings {
                host,
                port: web.smtp_port,
            });
            match &config.smtp {
                Some(s) => {
                    tracing::info!(relay = %format!("{}:{}", s.host, s.port), "account mail goes to the SMTP relay")
                }
                None => {
                    tracing::info!(outbox = ?config.outbox_dir, "no --smtp-host: account mail is logged and kept in the outbox")
                }
            }
            if with_demo && !demo_still {
                tokio::spawn(tribune::matchday::play(store.clone(), clock.clone()));
            }
            let state = tribune_web::AppState::new(store, clock, config);
            tribune_web::serve(listener, state)
                .await
                .map_err(|e| chain(&e))?;
        }
        Command::Import {
            what: ImportWhat::Articles { file },
        } => {
            let store = open_store(&database).await?;
            let report =
                import::articles(store.as_ref(), &file, &paths.media_dir, clock.now()).await?;
            println!("{report}");
            if !report.failed.is_empty() {
                return Ok(ExitCode::from(2));
            }
        }
        Command::Import {
            what: ImportWhat::Wxr { file, fetch_media },
        } => {
            let store = open_store(&database).await?;
            let options = wxr::Options {
                fetch_media,
                media_dir: paths.media_dir.clone(),
            };
            // A bar on a terminal; nothing in a log (the report says it all).
            let terminal = std::io::stderr().is_terminal();
            let report = wxr::import(store.as_ref(), &file, &options, clock.now(), |p| {
                if terminal && p.total > 0 {
                    let filled = p.done * 30 / p.total;
                    eprint!(
                        "\r[{}{}] {}/{} items",
                        "#".repeat(filled),
                        "-".repeat(30 - filled),
                        p.done,
                        p.total
                    );
                    if p.done == p.total {
                        eprintln!();
                    }
                }
            })
            .await?;
            println!("{report}");
        }
        Command::Import {
            what: ImportWhat::Fixtures { file },
        } => {
            let store = open_store(&database).await?;
            let (report, skipped) =
                tribune::fixtures::import_file(store.as_ref(), &file, clock.now()).await?;
            println!("{report}");
            if skipped > 0 {
                println!("{skipped} matches skipped: their teams are not known yet");
            }
        }
        Command::Demo { articles } => {
            let store = open_store(&database).await?;
            if !demo::may_load(store.as_ref()).await? {
                return Err(
                    "the database holds articles that are not the demo's; use an empty --data-dir"
                        .into(),
                );
            }
            let loaded = demo::load(store.as_ref(), &paths.media_dir, clock.now()).await?;
            println!(
                "demo newsroom: {} articles, {} topics, {} photos",
                loaded.articles, loaded.topics, loaded.photos
            );
            if articles > 0 {
                let made = demo::generate(store.as_ref(), articles, clock.now()).await?;
                println!("generated {made} more articles");
            }
        }
        Command::Reindex => {
            let store = open_store(&database).await?;
            let started = std::time::Instant::now();
            let dir = paths.search_dir();
            let (index, _) = tribune_search::SearchIndex::open(&dir).map_err(|e| chain(&e))?;
            let mut indexer = tribune_search::Indexer::new(std::sync::Arc::new(index), store)
                .map_err(|e| chain(&e))?;
            let count = indexer.rebuild().await.map_err(|e| chain(&e))?;
            println!(
                "search index in {} rebuilt: {count} articles in {:.1} s",
                dir.display(),
                started.elapsed().as_secs_f64()
            );
        }
        Command::User { what } => {
            let store = open_store(&database).await?;
            match what {
                UserWhat::Add { role, name, email } => {
                    let password = user::read_password(&email)?;
                    let account = user::add(
                        store.as_ref(),
                        &email,
                        name.as_deref(),
                        role,
                        &password,
                        clock.now(),
                    )
                    .await?;
                    println!(
                        "added {} ({}) as {}, id {}",
                        account.email,
                        account.display_name,
                        account.role.as_str(),
                        account.id
                    );
                }
                UserWhat::SetRole { email, role } => {
                    let account = user::set_role(store.as_ref(), &email, role).await?;
                    println!("{} is now {}", account.email, account.role.as_str());
                }
                UserWhat::Token { email, name } => {
                    println!(
                        "{}",
                        user::token(store.as_ref(), &email, &name, clock.now()).await?
                    );
                }
            }
        }
        Command::Moderation { what } => {
            let store = open_store(&database).await?;
            moderation_command(store.as_ref(), what, clock.now()).await?;
        }
        Command::Copy { from, to, force } => {
            let from = Database::parse(Some(&from), &paths)?;
            let to = Database::parse(Some(&to), &paths)?;
            if from == to {
                return Err("--from and --to are the same database".into());
            }
            // Opening a SQLite file that is not there would make an empty one.
            if let Database::Sqlite(path) = &from
                && !path.is_file()
            {
                return Err(format!("{} does not exist", from.describe()));
            }
            let source = open_store(&from).await?;
            let target = open_store(&to).await?;
            eprintln!("copying {} to {}", from.describe(), to.describe());
            // On a terminal one line per stage that counts up; in a log a line per batch.
            let terminal = std::io::stderr().is_terminal();
            let mut open_line = false;
            let copied = copy::site(source.as_ref(), target.as_ref(), force, |p| {
                if terminal {
                    eprint!("\r{p}");
                    open_line = p.done < p.total;
                    if !open_line {
                        eprintln!();
                    }
                } else {
                    eprintln!("{p}");
                }
            })
            .await;
            if open_line {
                eprintln!();
            }
            let copied = copied?;
            println!(
                "copied {} to {}: {}; the counts match",
                from.describe(),
                to.describe(),
                copy::describe(&copied)
            );
            println!(
                "photo files were not moved: rows name them by path, so serve the new database \
                 with the same --media-dir (nodes may share one)"
            );
            println!("{}", copy::NOT_COPIED);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn moderation_command(
    store: &dyn tribune_core::Store,
    what: ModerationWhat,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    let describe = |v: &tribune_core::learning::ModelVersion| {
        format!(
            "version {}: {} ({} examples, lessons through {}), {}",
            v.id,
            tribune_core::time::long_date_time(v.created_at),
            v.examples,
            v.lessons_through,
            v.note
        )
    };
    match what {
        ModerationWhat::Status => {
            let versions = store.model_versions().await.map_err(|e| e.to_string())?;
            let last = store.last_lesson().await.map_err(|e| e.to_string())?;
            match versions.first() {
                None => {
                    println!("in use: the built-in model and every lesson (last lesson {last})")
                }
                Some(v) => println!(
                    "in use: {}\n  plus the lessons after {} (last lesson {last})",
                    describe(v),
                    v.lessons_through
                ),
            }
            for v in versions.iter().skip(1) {
                println!("earlier: {}", describe(v));
            }
        }
        ModerationWhat::Retrain => {
            let v = tribune_web::learning::retrain(store, now)
                .await
                .map_err(|e| format!("retrain: {e}"))?;
            println!("in use now: {}", describe(&v));
        }
        ModerationWhat::Rollback { to } => {
            let v = tribune_web::learning::rollback(store, to, now)
                .await
                .map_err(|e| match e {
                    tribune_core::StoreError::NotFound => {
                        format!("rollback: there is no version {}", to.unwrap_or_default())
                    }
                    other => format!("rollback: {other}"),
                })?;
            println!("in use now: {}", describe(&v));
        }
        ModerationWhat::Evaluate {
            file,
            evening,
            wrong,
        } => {
            let items = tribune::moderation::read_labelled(&file)?;
            let rules = tribune_core::moderation::Rules::default();
            let eval = tribune::moderation::evaluate(store, &rules, &items, evening, now).await?;
            print!("{}", eval.report());
            if wrong {
                println!("\njudged wrongly:");
                for (label, category, text, why) in &eval.wrong {
                    println!("  [{label} {category}] {text}\n      -> {why}");
                }
            }
        }
    }
    Ok(())
}
