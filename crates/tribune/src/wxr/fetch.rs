//! Fetching an export's photos (`--fetch-media`), only from public addresses: the host is
//! resolved here and refused when any of its addresses is private, loopback, link-local,
//! unique-local, multicast, unspecified or an IPv4 address dressed as IPv6; the connection
//! goes to the checked addresses (the HTTP client resolves through [`Guard`], never by
//! itself), redirects are followed by hand and every hop is checked again, and size and time
//! are limited. An export names addresses chosen by whoever wrote it: without this, importing
//! one could make the server read its own network.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Largest photo fetched.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// Longest a photo (all of its redirects together) may take.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);
const MAX_REDIRECTS: usize = 5;

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            // ::ffff:a.b.c.d, ::a.b.c.d and 64:ff9b::/96 lead to IPv4 addresses: refused
            // whatever they point at, rather than trusting every stack to treat them alike.
            let s = v6.segments();
            let mapped = v6.to_ipv4_mapped().is_some()
                || (s[..6] == [0, 0, 0, 0, 0, 0] && !v6.is_loopback() && !v6.is_unspecified())
                || (s[0] == 0x64 && s[1] == 0xff9b);
            !(mapped
                || v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local (old) fec0::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard-only 100::/64
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || o[0] == 0 // "this network"
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking
        || o[0] >= 240) // reserved
}

/// Resolves for the HTTP client and refuses a name with any address that is not public.
struct Guard;

impl Resolve for Guard {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| format!("{host} cannot be resolved: {e}"))?
                .collect();
            if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                return Err(format!(
                    "{host} resolves to {}, which is not a public address",
                    bad.ip()
                )
                .into());
            }
            if addrs.is_empty() {
                return Err(format!("{host} has no address").into());
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Checks what can be checked before connecting: the scheme, and a host that is an address.
pub fn check_url(url: &Url) -> Result<(), String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{url}: only http and https addresses are fetched"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{url}: addresses with a user name are not fetched"));
    }
    match url.host() {
        None => Err(format!("{url}: no host")),
        Some(Host::Ipv4(ip)) if !is_public(IpAddr::V4(ip)) => {
            Err(format!("{url}: {ip} is not a public address; refused"))
        }
        Some(Host::Ipv6(ip)) if !is_public(IpAddr::V6(ip)) => {
            Err(format!("{url}: {ip} is not a public address; refused"))
        }
        Some(_) => Ok(()),
    }
}

pub struct Fetcher {
    client: reqwest::Client,
}

impl Fetcher {
    pub fn new() -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(Guard))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(10))
            .timeout(TIME_LIMIT)
            .user_agent("Tribune WordPress import")
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        Ok(Self { client })
    }

    /// The bytes behind `address`, following at most five redirects, each checked.
    pub async fn fetch(&self, address: &str) -> Result<Vec<u8>, String> {
        let deadline = tokio::time::Instant::now() + TIME_LIMIT;
        let mut url = Url::parse(address).map_err(|e| format!("{address}: not an address: {e}"))?;
        for _ in 0..=MAX_REDIRECTS {
            check_url(&url)?;
            let response = tokio::time::timeout_at(deadline, self.client.get(url.clone()).send())
                .await
                .map_err(|_| format!("{url}: took longer than {}s", TIME_LIMIT.as_secs()))?
                .map_err(|e| format!("{url}: {}", crate::chain(&e)))?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| format!("{url}: redirect without a Location"))?;
                url = url
                    .join(location)
                    .map_err(|e| format!("{url}: redirect to a bad address: {e}"))?;
                continue;
            }
            if !status.is_success() {
                return Err(format!("{url}: answered {status}"));
            }
            if response
                .content_length()
                .is_some_and(|n| n > MAX_BYTES as u64)
            {
                return Err(format!("{url}: larger than {MAX_BYTES} bytes"));
            }
            let mut response = response;
            let mut bytes = Vec::new();
            loop {
                let chunk = tokio::time::timeout_at(deadline, response.chunk())
                    .await
                    .map_err(|_| format!("{url}: took longer than {}s", TIME_LIMIT.as_secs()))?
                    .map_err(|e| format!("{url}: {e}"))?;
                let Some(chunk) = chunk else { break };
                if bytes.len() + chunk.len() > MAX_BYTES {
                    return Err(format!("{url}: larger than {MAX_BYTES} bytes"));
                }
                bytes.extend_from_slice(&chunk);
            }
            return Ok(bytes);
        }
        Err(format!("{address}: more than {MAX_REDIRECTS} redirects"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "64:ff9b::a00:1",
        ] {
            let ip: IpAddr = bad.parse().unwrap();
            assert!(!is_public(ip), "{bad} should be refused");
        }
        for good in ["8.8.8.8", "193.190.198.1", "2a00:1450:4001:80e::200e"] {
            let ip: IpAddr = good.parse().unwrap();
            assert!(is_public(ip), "{good} should pass");
        }
    }
}
