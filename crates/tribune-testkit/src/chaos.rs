//! Failure injection with the real databases, so it does not grow with the `Store` trait:
//! a [`PgProxy`] stands between a node and PostgreSQL and cuts, refuses or stalls its
//! connections on command (the database away or hanging), and [`spoil_database`] makes the
//! database answer with errors (SQLite's file ruined under the open store, PostgreSQL's
//! schema dropped). Every call then fails as it would in production, through the store's
//! own error mapping.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tribune_core::Store;
use tribune_store::PgStore;

use crate::{Place, TestApp, unique_schema};

/// What the proxy does with the bytes and connections it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Open,
    /// New connections are closed as soon as they arrive; existing ones carry on.
    Refusing,
    /// Nothing moves: bytes wait, new connections wait, until the line is healed.
    Stalled,
}

#[derive(Clone, Copy, Debug)]
struct Line {
    flow: Flow,
    /// Raised by every cut: a connection made before it is closed.
    cuts: u64,
}

/// A TCP proxy in front of PostgreSQL that a test can tell to cut every connection, refuse
/// new ones or stall them, and then heal. A store connected through [`PgProxy::url`] sees
/// what it would see if the database went away or hung: closed sockets, refused
/// connections, silence.
pub struct PgProxy {
    url: String,
    direct_url: String,
    line: watch::Sender<Line>,
    carrying: Arc<AtomicUsize>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Drop for PgProxy {
    fn drop(&mut self) {
        // Every connection's task ends when the sender is gone (see `may_flow`).
        self.accepting.abort();
    }
}

impl PgProxy {
    /// A proxy on 127.0.0.1 (a free port) in front of the server `url` names
    /// (`postgres://USER@HOST:PORT/DB`).
    pub async fn start(url: &str) -> Self {
        let mut parsed = reqwest::Url::parse(url).expect("a postgres:// URL");
        let host = parsed.host_str().unwrap_or("127.0.0.1").to_string();
        let port = parsed.port().unwrap_or(5432);
        let upstream = tokio::net::lookup_host((host.as_str(), port))
            .await
            .expect("the PostgreSQL host resolves")
            .next()
            .expect("the PostgreSQL host has an address");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port for the proxy");
        let local = listener.local_addr().expect("the proxy's address");
        parsed
            .set_host(Some("127.0.0.1"))
            .expect("a URL with a host");
        parsed
            .set_port(Some(local.port()))
            .expect("a URL with a port");
        let (line, watching) = watch::channel(Line {
            flow: Flow::Open,
            cuts: 0,
        });
        let carrying = Arc::new(AtomicUsize::new(0));
        let accepting = tokio::spawn(accept(listener, upstream, watching, carrying.clone()));
        Self {
            url: parsed.to_string(),
            direct_url: url.to_string(),
            line,
            carrying,
            accepting,
        }
    }

    /// The database's URL through the proxy.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's own URL, past the proxy: for setting up and cleaning up.
    pub fn direct_url(&self) -> &str {
        &self.direct_url
    }

    /// The database goes away: every connection is closed and new ones are refused until
    /// [`PgProxy::heal`].
    pub fn cut(&self) {
        self.line.send_modify(|l| {
            l.cuts += 1;
            l.flow = Flow::Refusing;
        });
    }

    /// New connections are refused; those already open carry on.
    pub fn refuse_new(&self) {
        self.line.send_modify(|l| l.flow = Flow::Refusing);
    }

    /// The database hangs: no byte moves either way and new connections are held, until
    /// [`PgProxy::heal`].
    pub fn stall(&self) {
        self.line.send_modify(|l| l.flow = Flow::Stalled);
    }

    /// The database is back: new connections are carried again, and stalled bytes move on.
    pub fn heal(&self) {
        self.line.send_modify(|l| l.flow = Flow::Open);
    }

    /// Connections carried to the database right now.
    pub fn connections(&self) -> usize {
        self.carrying.load(Ordering::SeqCst)
    }
}

async fn accept(
    listener: TcpListener,
    upstream: SocketAddr,
    line: watch::Receiver<Line>,
    carrying: Arc<AtomicUsize>,
) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            tokio::task::yield_now().await;
            continue;
        };
        if line.borrow().flow == Flow::Refusing {
            // Closed at once: the client reads an end of file or a reset, as from a server
            // that is shutting down.
            drop(client);
            continue;
        }
        tokio::spawn(carry(client, upstream, line.clone(), carrying.clone()));
    }
}

/// Counts a carried connection for as long as it lives.
struct Carried(Arc<AtomicUsize>);

impl Drop for Carried {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn carry(
    client: TcpStream,
    upstream: SocketAddr,
    mut line: watch::Receiver<Line>,
    carrying: Arc<AtomicUsize>,
) {
    let cuts = line.borrow().cuts;
    // A connection that arrives during a stall waits with the rest.
    if !may_flow(&mut line, cuts).await || line.borrow().flow == Flow::Refusing {
        return;
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    carrying.fetch_add(1, Ordering::SeqCst);
    let _counted = Carried(carrying);
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (from_client, to_client) = client.into_split();
    let (from_server, to_server) = server.into_split();
    // When either direction ends, both sockets are dropped: the connection is gone for both.
    tokio::select! {
        () = pump(from_client, to_server, line.clone(), cuts) => {}
        () = pump(from_server, to_client, line, cuts) => {}
    }
}

/// Waits while the line is stalled; false when the connection made at `cuts` is to be
/// closed (a cut since, or the proxy is gone).
async fn may_flow(line: &mut watch::Receiver<Line>, cuts: u64) -> bool {
    loop {
        let now = *line.borrow_and_update();
        if now.cuts != cuts {
            return false;
        }
        if now.flow != Flow::Stalled {
            return true;
        }
        if line.changed().await.is_err() {
            return false;
        }
    }
}

/// Resolves when the connection made at `cuts` is cut (or the proxy is gone).
async fn cut_off(mut line: watch::Receiver<Line>, cuts: u64) {
    loop {
        if line.borrow_and_update().cuts != cuts {
            return;
        }
        if line.changed().await.is_err() {
            return;
        }
    }
}

async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut line: watch::Receiver<Line>,
    cuts: u64,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if !may_flow(&mut line, cuts).await {
            return;
        }
        let n = tokio::select! {
            read = from.read(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
            changed = line.changed() => {
                if changed.is_err() {
                    return;
                }
                continue;
            }
        };
        // Bytes read just before a stall wait with the rest.
        if !may_flow(&mut line, cuts).await {
            return;
        }
        tokio::select! {
            written = to.write_all(&buf[..n]) => {
                if written.is_err() {
                    return;
                }
            }
            () = cut_off(line.clone(), cuts) => return,
        }
    }
}

/// The database answers, but with errors, as after a failing disk or an operator's mistake:
/// SQLite's file is overwritten under the open store ([`spoil_sqlite_file`]); PostgreSQL's
/// schema, with every table of the site, is dropped.
pub async fn spoil_database(app: &TestApp) {
    match &app.place {
        Place::Sqlite(dir) => spoil_sqlite_file(&dir.join("tribune.db")),
        Place::Postgres { url, schema } => PgStore::drop_schema_at(url, schema)
            .await
            .expect("the site's schema can be dropped"),
    }
}

/// Ruins a SQLite database under a store that has it open, as a failing disk would: the
/// file, its write-ahead log and the log's shared index are overwritten with bytes that are
/// not SQLite's. The shared index is mapped into every open connection, so each of them
/// notices at its next read and answers SQLite's own "file is not a database".
pub fn spoil_sqlite_file(db: &Path) {
    let mut spoiled = 0;
    for suffix in ["", "-wal", "-shm"] {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        let Ok(len) = std::fs::metadata(&path).map(|m| m.len()) else {
            continue;
        };
        let garbage: Vec<u8> = b"\xDE\xAD\xBE\xEF"
            .iter()
            .copied()
            .cycle()
            .take(len as usize)
            .collect();
        // Written in place, not replaced: the open connections keep this very file.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("the database file can be opened for writing");
        std::io::Write::write_all(&mut file, &garbage).expect("the database file is overwritten");
        file.sync_all().expect("the garbage reaches the disk");
        spoiled += 1;
    }
    assert!(spoiled > 0, "no database file at {}", db.display());
}

impl TestApp {
    /// On PostgreSQL reached through `proxy`, so the test can cut, refuse or stall the
    /// node's connections. The schema is dropped at the end over a direct connection, in
    /// whatever state the proxy is then.
    pub async fn start_behind(proxy: &PgProxy) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("a temporary directory"));
        let schema = unique_schema();
        let store: Arc<dyn Store> = Arc::new(
            PgStore::connect_in_schema(proxy.url(), &schema)
                .await
                .expect("the store connects through the proxy"),
        );
        let place = Place::Postgres {
            url: proxy.direct_url().to_string(),
            schema,
        };
        Self::serve(place, store, |s| s, true, |_| {}, dir, true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A server that sends back what it reads, standing in for PostgreSQL.
    async fn echo_server() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("postgres://echo@{}/db", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = socket.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        url
    }

    async fn connect(proxy: &PgProxy) -> TcpStream {
        let url = reqwest::Url::parse(proxy.url()).unwrap();
        TcpStream::connect(("127.0.0.1", url.port().unwrap()))
            .await
            .unwrap()
    }

    /// Sends `word` and reads what comes back, within `limit`: `None` when nothing came.
    async fn round_trip(socket: &mut TcpStream, word: &[u8], limit: Duration) -> Option<Vec<u8>> {
        socket.write_all(word).await.ok()?;
        read_within(socket, word.len(), limit).await
    }

    async fn read_within(socket: &mut TcpStream, len: usize, limit: Duration) -> Option<Vec<u8>> {
        let mut back = vec![0u8; len];
        match tokio::time::timeout(limit, socket.read_exact(&mut back)).await {
            Ok(Ok(_)) => Some(back),
            _ => None,
        }
    }

    /// True once the peer has closed the connection (end of file or reset).
    async fn closed(socket: &mut TcpStream) -> bool {
        let mut byte = [0u8; 1];
        matches!(
            tokio::time::timeout(Duration::from_secs(10), socket.read(&mut byte)).await,
            Ok(Ok(0) | Err(_))
        )
    }

    const SOON: Duration = Duration::from_secs(10);

    #[tokio::test]
    async fn a_cut_closes_every_connection_and_refuses_new_ones_until_healed() {
        let proxy = PgProxy::start(&echo_server().await).await;
        let mut before = connect(&proxy).await;
        assert_eq!(
            round_trip(&mut before, b"aftrap", SOON).await.unwrap(),
            b"aftrap"
        );
        assert_eq!(proxy.connections(), 1);

        proxy.cut();
        assert!(
            closed(&mut before).await,
            "a connection open at the cut is closed"
        );
        let mut during = connect(&proxy).await;
        assert!(closed(&mut during).await, "a new connection is refused");

        proxy.heal();
        let mut after = connect(&proxy).await;
        assert_eq!(
            round_trip(&mut after, b"rust", SOON).await.unwrap(),
            b"rust"
        );
    }

    #[tokio::test]
    async fn refusing_new_connections_keeps_the_open_ones() {
        let proxy = PgProxy::start(&echo_server().await).await;
        let mut open = connect(&proxy).await;
        assert_eq!(round_trip(&mut open, b"1", SOON).await.unwrap(), b"1");

        proxy.refuse_new();
        let mut refused = connect(&proxy).await;
        assert!(closed(&mut refused).await, "a new connection is refused");
        assert_eq!(round_trip(&mut open, b"2", SOON).await.unwrap(), b"2");
    }

    #[tokio::test]
    async fn a_stall_holds_every_byte_and_new_connections_until_healed() {
        let proxy = PgProxy::start(&echo_server().await).await;
        let mut open = connect(&proxy).await;
        assert_eq!(round_trip(&mut open, b"voor", SOON).await.unwrap(), b"voor");

        proxy.stall();
        // Nothing may come back while stalled; a short look is enough to catch a leak, and
        // a slow machine can only make this pass, never fail.
        let look = Duration::from_millis(300);
        assert_eq!(round_trip(&mut open, b"rust", look).await, None);
        let mut waiting = connect(&proxy).await;
        assert_eq!(round_trip(&mut waiting, b"wacht", look).await, None);

        proxy.heal();
        assert_eq!(
            read_within(&mut open, 4, SOON).await.unwrap(),
            b"rust",
            "the held bytes arrive after the stall"
        );
        assert_eq!(read_within(&mut waiting, 5, SOON).await.unwrap(), b"wacht");
    }
}
