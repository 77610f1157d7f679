//! Account mail (activation links, password resets, warnings), sent in the background so
//! that an HTTP answer never waits for, or depends on, a mail server.
//!
//! Two ways out:
//! - SMTP: plain SMTP to a relay the operator runs or rents (a local Postfix, a smarthost),
//!   which does TLS, authentication and delivery onwards. No TLS or AUTH here: the relay is
//!   meant to be on the same machine or network.
//! - Log: without a relay, each mail goes to the log in full and to a file in the outbox
//!   directory, so an operator (or a test) can pick up the link. This prints one-time links,
//!   which is the point in development; production sets `--smtp-host`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One plain-text mail to one reader.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

// The text holds one-time links: keep it out of Debug output.
impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Where an SMTP relay listens and who the mail is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("cannot reach the SMTP relay at {address}: {source}")]
    Connect {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("SMTP relay connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("the SMTP relay took too long to answer")]
    Timeout,
    /// The relay said no; 4xx may work later, 5xx will not.
    #[error("the SMTP relay refused {step}: {code} {text}")]
    Refused {
        step: &'static str,
        code: u16,
        text: String,
    },
    #[error("the SMTP relay answered something that is not SMTP: {0:?}")]
    Garbled(String),
    #[error("cannot write the mail to the outbox {path}: {source}")]
    Outbox {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl MailError {
    /// Worth another try later: the relay was away, slow or said "not now" (4xx).
    fn is_transient(&self) -> bool {
        match self {
            Self::Connect { .. } | Self::Io(_) | Self::Timeout => true,
            Self::Refused { code, .. } => (400..500).contains(code),
            Self::Garbled(_) | Self::Outbox { .. } => false,
        }
    }
}

enum Transport {
    Smtp(SmtpSettings),
    Log { outbox: Option<PathBuf> },
}

struct Inner {
    transport: Transport,
    from: String,
    /// Waits between attempts when the relay fails for now.
    retry_delays: Vec<Duration>,
}

/// Sends mail; cheap to clone.
#[derive(Clone)]
pub struct Mailer(Arc<Inner>);

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = match &self.0.transport {
            Transport::Smtp(s) => format!("smtp {}:{}", s.host, s.port),
            Transport::Log { outbox } => format!("log, outbox {outbox:?}"),
        };
        f.debug_tuple("Mailer").field(&how).finish()
    }
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

impl Mailer {
    /// SMTP when the settings name a relay, else the log and the outbox.
    pub fn new(
        smtp: Option<SmtpSettings>,
        outbox: Option<PathBuf>,
        from: impl Into<String>,
    ) -> Self {
        let transport = match smtp {
            Some(smtp) => Transport::Smtp(smtp),
            None => Transport::Log { outbox },
        };
        Self(Arc::new(Inner {
            transport,
            from: from.into(),
            retry_delays: vec![Duration::from_secs(10), Duration::from_secs(60)],
        }))
    }

    pub fn smtp(settings: SmtpSettings, from: impl Into<String>) -> Self {
        Self(Arc::new(Inner {
            transport: Transport::Smtp(settings),
            from: from.into(),
            retry_delays: vec![Duration::from_secs(10), Duration::from_secs(60)],
        }))
    }

    pub fn log(outbox: Option<PathBuf>, from: impl Into<String>) -> Self {
        Self(Arc::new(Inner {
            transport: Transport::Log { outbox },
            from: from.into(),
            retry_delays: Vec::new(),
        }))
    }

    /// Sends in a background task: returns at once, and a failure is logged, never reported
    /// to the reader (who must not learn from it whether an address has an account).
    pub fn send(&self, mail: Mail) {
        let mailer = self.clone();
        tokio::spawn(async move {
            let mut delays = mailer.0.retry_delays.iter();
            loop {
                match mailer.deliver(&mail).await {
                    Ok(()) => return,
                    Err(e) => match delays.next() {
                        Some(delay) if e.is_transient() => {
                            tracing::warn!(to = %mail.to, error = %e, retry_in_s = delay.as_secs(), "mail not sent yet");
                            tokio::time::sleep(*delay).await;
                        }
                        _ => {
                            tracing::error!(to = %mail.to, subject = %mail.subject, error = %e, "mail not sent");
                            return;
                        }
                    },
                }
            }
        });
    }

    /// Sends now and says how it went.
    pub async fn deliver(&self, mail: &Mail) -> Result<(), MailError> {
        match &self.0.transport {
            Transport::Smtp(settings) => send_smtp(settings, &self.0.from, mail).await,
            Transport::Log { outbox } => {
                tracing::info!(
                    to = %mail.to,
                    subject = %mail.subject,
                    text = %mail.text,
                    "mail (no SMTP relay set: not delivered, kept in the log{})",
                    if outbox.is_some() { " and the outbox" } else { "" }
                );
                match outbox {
                    Some(dir) => write_outbox(dir, &self.0.from, mail).await,
                    None => Ok(()),
                }
            }
        }
    }
}

/// Writes the whole message to `dir/<millis>-<n>.eml`, complete or not at all (written
/// aside, then renamed), so whoever watches the folder never reads half a mail.
async fn write_outbox(dir: &Path, from: &str, mail: &Mail) -> Result<(), MailError> {
    let fail = |path: &Path, source| MailError::Outbox {
        path: path.to_path_buf(),
        source,
    };
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| fail(dir, e))?;
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let name = format!("{millis:013}-{n:06}");
    let partial = dir.join(format!(".{name}.part"));
    let done = dir.join(format!("{name}.eml"));
    let message = format_message(from, mail, "\n");
    tokio::fs::write(&partial, message)
        .await
        .map_err(|e| fail(&partial, e))?;
    tokio::fs::rename(&partial, &done)
        .await
        .map_err(|e| fail(&done, e))
}

/// Header values cannot hold line breaks (they would start new headers).
fn header_value(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The address inside `Name <addr>`, or the whole thing.
fn bare_address(s: &str) -> String {
    let s = s.trim();
    match (s.rfind('<'), s.rfind('>')) {
        (Some(open), Some(close)) if open < close => s[open + 1..close].trim().to_string(),
        _ => s.to_string(),
    }
}

/// RFC 2047 for headers with characters beyond ASCII ("Je wachtwoord opnieuw instellen" is
/// plain, but names and subjects may have é or ë).
fn encode_header(s: &str) -> String {
    let s = header_value(s);
    if s.is_ascii() {
        s
    } else {
        format!("=?utf-8?B?{}?=", base64(s.as_bytes()))
    }
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(TABLE[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Headers and body of the message, lines ended with `eol`.
fn format_message(from: &str, mail: &Mail, eol: &str) -> String {
    let domain = bare_address(from)
        .rsplit_once('@')
        .map_or_else(|| "localhost".to_string(), |(_, d)| d.to_string());
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let id = format!(
        "<{millis}.{}.{}@{domain}>",
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    );
    let headers = [
        format!("From: {}", header_value(from)),
        format!("To: {}", header_value(&mail.to)),
        format!("Subject: {}", encode_header(&mail.subject)),
        format!("Date: {}", chrono::Utc::now().to_rfc2822()),
        format!("Message-ID: {id}"),
        "MIME-Version: 1.0".to_string(),
        "Content-Type: text/plain; charset=utf-8".to_string(),
        "Content-Transfer-Encoding: 8bit".to_string(),
    ];
    let mut out = headers.join(eol);
    out.push_str(eol);
    out.push_str(eol);
    for line in mail.text.lines() {
        out.push_str(line);
        out.push_str(eol);
    }
    out
}

/// How long one step of the conversation may take, and the whole of it.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One SMTP conversation with the relay: greeting, EHLO (or HELO), MAIL FROM, RCPT TO,
/// DATA with dot-stuffing, QUIT. Every reply code is checked.
pub async fn send_smtp(settings: &SmtpSettings, from: &str, mail: &Mail) -> Result<(), MailError> {
    let address = format!("{}:{}", settings.host, settings.port);
    let stream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&address)).await {
        Ok(Ok(s)) => s,
        Ok(Err(source)) => return Err(MailError::Connect { address, source }),
        Err(_) => return Err(MailError::Timeout),
    };
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let sender = bare_address(from);
    let recipient = bare_address(&mail.to);
    if [&sender, &recipient]
        .iter()
        .any(|a| a.is_empty() || a.chars().any(|c| c.is_control() || c == '<' || c == '>'))
    {
        return Err(MailError::Refused {
            step: "the addresses",
            code: 0,
            text: "an address is empty or holds characters SMTP cannot carry".into(),
        });
    }
    let helo_name = sender
        .rsplit_once('@')
        .map_or("localhost", |(_, d)| d)
        .to_string();

    expect(&mut read, "the greeting", &[220]).await?;
    send_line(&mut write, &format!("EHLO {helo_name}")).await?;
    let ehlo = reply(&mut read).await?;
    let eight_bit = if ehlo.0 == 250 {
        ehlo.1
            .iter()
            .any(|l| l.to_ascii_uppercase().starts_with("8BITMIME"))
    } else {
        // An old relay: say HELO instead.
        send_line(&mut write, &format!("HELO {helo_name}")).await?;
        expect(&mut read, "HELO", &[250]).await?;
        false
    };
    let body_param = if eight_bit { " BODY=8BITMIME" } else { "" };
    send_line(&mut write, &format!("MAIL FROM:<{sender}>{body_param}")).await?;
    expect(&mut read, "the sender", &[250]).await?;
    send_line(&mut write, &format!("RCPT TO:<{recipient}>")).await?;
    expect(&mut read, "the recipient", &[250, 251]).await?;
    send_line(&mut write, "DATA").await?;
    expect(&mut read, "DATA", &[354]).await?;
    let message = format_message(from, mail, "\r\n");
    let mut data = String::with_capacity(message.len() + 16);
    for line in message.split("\r\n") {
        // Dot-stuffing: a line that starts with a dot gets one more, so that a lone "." in
        // the text cannot end the message early.
        if line.starts_with('.') {
            data.push('.');
        }
        data.push_str(line);
        data.push_str("\r\n");
    }
    // `message` ends in CRLF, so the split left one empty line too many.
    data.truncate(data.len() - 2);
    data.push_str(".\r\n");
    tokio::time::timeout(STEP_TIMEOUT, write.write_all(data.as_bytes()))
        .await
        .map_err(|_| MailError::Timeout)??;
    expect(&mut read, "the message", &[250]).await?;
    // The mail is accepted; a relay that does not say goodbye properly changes nothing.
    if send_line(&mut write, "QUIT").await.is_ok() {
        let _ = reply(&mut read).await;
    }
    Ok(())
}

async fn send_line(
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    line: &str,
) -> Result<(), MailError> {
    let line = format!("{line}\r\n");
    tokio::time::timeout(STEP_TIMEOUT, write.write_all(line.as_bytes()))
        .await
        .map_err(|_| MailError::Timeout)??;
    Ok(())
}

/// A reply: its code and the text of each line ("250-PIPELINING", "250 8BITMIME", ...).
async fn reply(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> Result<(u16, Vec<String>), MailError> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        let n = tokio::time::timeout(STEP_TIMEOUT, read.read_line(&mut line))
            .await
            .map_err(|_| MailError::Timeout)??;
        if n == 0 {
            return Err(MailError::Garbled("the relay hung up".into()));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        let code = line
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| MailError::Garbled(line.to_string()))?;
        let more = line.as_bytes().get(3) == Some(&b'-');
        lines.push(line.get(4..).unwrap_or("").to_string());
        if !more {
            return Ok((code, lines));
        }
        if lines.len() > 100 {
            return Err(MailError::Garbled("a reply of more than 100 lines".into()));
        }
    }
}

async fn expect(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    step: &'static str,
    codes: &[u16],
) -> Result<(), MailError> {
    let (code, lines) = reply(read).await?;
    if codes.contains(&code) {
        Ok(())
    } else {
        Err(MailError::Refused {
            step,
            code,
            text: lines.join(" "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    /// What a tiny SMTP server heard: the commands, and the message between DATA and ".".
    #[derive(Debug, Default)]
    struct Heard {
        commands: Vec<String>,
        data: String,
    }

    /// Serves one SMTP conversation on 127.0.0.1; `refuse_rcpt` answers 550 to RCPT TO.
    async fn smtp_server(ehlo: bool, refuse_rcpt: bool) -> (u16, tokio::task::JoinHandle<Heard>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (read, mut write) = stream.into_split();
            let mut read = BufReader::new(read);
            let mut heard = Heard::default();
            write.write_all(b"220 relay.test ESMTP\r\n").await.unwrap();
            loop {
                let mut line = String::new();
                if read.read_line(&mut line).await.unwrap() == 0 {
                    break;
                }
                let line = line.trim_end().to_string();
                heard.commands.push(line.clone());
                let upper = line.to_ascii_uppercase();
                let answer: &[u8] = if upper.starts_with("EHLO") {
                    if ehlo {
                        b"250-relay.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
                    } else {
                        b"502 command not implemented\r\n"
                    }
                } else if upper.starts_with("HELO") || upper.starts_with("MAIL") {
                    b"250 ok\r\n"
                } else if upper.starts_with("RCPT") {
                    if refuse_rcpt {
                        b"550 no such user\r\n"
                    } else {
                        b"250 ok\r\n"
                    }
                } else if upper == "DATA" {
                    write.write_all(b"354 go ahead\r\n").await.unwrap();
                    loop {
                        let mut l = String::new();
                        read.read_line(&mut l).await.unwrap();
                        if l == ".\r\n" {
                            break;
                        }
                        heard.data.push_str(&l);
                    }
                    b"250 queued\r\n"
                } else if upper == "QUIT" {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                } else {
                    b"500 what\r\n"
                };
                write.write_all(answer).await.unwrap();
            }
            let mut rest = Vec::new();
            let _ = read.read_to_end(&mut rest).await;
            heard
        });
        (port, task)
    }

    fn mail() -> Mail {
        Mail {
            to: "jan@voorbeeld.be".into(),
            subject: "Bevestig je account bij Tribune, Zoë".into(),
            text: "Dag Jan,\n.\nEen regel met een punt:\n.punt\nTot ziens".into(),
        }
    }

    #[tokio::test]
    async fn talks_smtp_to_a_relay_with_dot_stuffing() {
        let (port, server) = smtp_server(true, false).await;
        let settings = SmtpSettings {
            host: "127.0.0.1".into(),
            port,
        };
        send_smtp(&settings, "Tribune <noreply@tribune.test>", &mail())
            .await
            .unwrap();
        let heard = server.await.unwrap();
        assert_eq!(
            heard.commands,
            [
                "EHLO tribune.test",
                "MAIL FROM:<noreply@tribune.test> BODY=8BITMIME",
                "RCPT TO:<jan@voorbeeld.be>",
                "DATA",
                "QUIT"
            ]
        );
        assert!(
            heard.data.contains("To: jan@voorbeeld.be\r\n"),
            "{}",
            heard.data
        );
        assert!(heard.data.contains("Subject: =?utf-8?B?"), "{}", heard.data);
        // A lone dot and a leading dot are doubled on the wire.
        assert!(
            heard.data.contains("\r\nDag Jan,\r\n..\r\n"),
            "{}",
            heard.data
        );
        assert!(heard.data.contains("\r\n..punt\r\n"), "{}", heard.data);
        assert!(heard.data.ends_with("Tot ziens\r\n"), "{:?}", heard.data);
    }

    #[tokio::test]
    async fn falls_back_to_helo_and_reports_a_refusal() {
        let (port, server) = smtp_server(false, true).await;
        let settings = SmtpSettings {
            host: "127.0.0.1".into(),
            port,
        };
        let err = send_smtp(&settings, "noreply@tribune.test", &mail())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                MailError::Refused {
                    code: 550,
                    step: "the recipient",
                    ..
                }
            ),
            "{err}"
        );
        assert!(!err.is_transient());
        drop(server);
    }

    #[tokio::test]
    async fn an_absent_relay_is_a_transient_error() {
        // Bind and drop to find a port nobody listens on.
        let port = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let settings = SmtpSettings {
            host: "127.0.0.1".into(),
            port,
        };
        let err = send_smtp(&settings, "noreply@tribune.test", &mail())
            .await
            .unwrap_err();
        assert!(err.is_transient(), "{err}");
    }

    #[tokio::test]
    async fn without_a_relay_mail_lands_in_the_outbox_whole() {
        let dir = tempfile_dir();
        let mailer = Mailer::log(Some(dir.clone()), "Tribune <noreply@tribune.test>");
        mailer.deliver(&mail()).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(files[0].extension().is_some_and(|e| e == "eml"));
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.contains("To: jan@voorbeeld.be\n"));
        assert!(text.ends_with("Dag Jan,\n.\nEen regel met een punt:\n.punt\nTot ziens\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn headers_cannot_be_smuggled_and_unicode_is_encoded() {
        assert_eq!(header_value("a\r\nBcc: x@y"), "a  Bcc: x@y");
        assert_eq!(encode_header("Zoë"), "=?utf-8?B?Wm/Dqw==?=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(
            bare_address("Tribune <noreply@tribune.be>"),
            "noreply@tribune.be"
        );
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "tribune-outbox-test-{}-{}",
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }
}
