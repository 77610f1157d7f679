//! Prometheus metrics: requests by route and status, latency histograms by route, page cache
//! hits and misses. Written out by hand in the text format; no registry crate needed.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::cache::PageCache;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct RouteStats {
    by_status: HashMap<u16, u64>,
    latency: Histogram,
}

#[derive(Default)]
pub struct Metrics {
    routes: Mutex<HashMap<String, RouteStats>>,
}

impl Metrics {
    pub fn observe(&self, route: &str, status: u16, seconds: f64) {
        let Ok(mut routes) = self.routes.lock() else {
            return;
        };
        // Look up by &str first: no allocation on the hot path once a route is known.
        if !routes.contains_key(route) {
            routes.insert(route.to_string(), RouteStats::default());
        }
        if let Some(stats) = routes.get_mut(route) {
            *stats.by_status.entry(status).or_default() += 1;
            let h = &mut stats.latency;
            h.count += 1;
            h.sum += seconds;
            for (i, bound) in BUCKETS.iter().enumerate() {
                if seconds <= *bound {
                    h.counts[i] += 1;
                }
            }
        }
    }

    /// The text format, with the page cache's counters after the routes'.
    pub fn render(&self, cache: &PageCache) -> String {
        let mut out = String::new();
        if let Ok(routes) = self.routes.lock() {
            let mut rows: Vec<_> = routes.iter().collect();
            rows.sort_by(|a, b| a.0.cmp(b.0));
            out.push_str(
                "# HELP tribune_http_requests_total HTTP requests answered, by route and status.\n\
                 # TYPE tribune_http_requests_total counter\n",
            );
            for (route, stats) in &rows {
                let mut statuses: Vec<_> = stats.by_status.iter().collect();
                statuses.sort();
                for (status, n) in statuses {
                    let _ = writeln!(
                        out,
                        "tribune_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                    );
                }
            }
            out.push_str(
                "# HELP tribune_http_request_duration_seconds Time to answer, by route.\n\
                 # TYPE tribune_http_request_duration_seconds histogram\n",
            );
            for (route, stats) in &rows {
                let h = &stats.latency;
                for (i, bound) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "tribune_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "tribune_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                     tribune_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                     tribune_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count, h.sum, h.count
                );
            }
        }
        let _ = write!(
            out,
            "# HELP tribune_page_cache_hits_total Pages answered from the page cache.\n\
             # TYPE tribune_page_cache_hits_total counter\n\
             tribune_page_cache_hits_total {}\n\
             # HELP tribune_page_cache_misses_total Pages that had to be rendered.\n\
             # TYPE tribune_page_cache_misses_total counter\n\
             tribune_page_cache_misses_total {}\n\
             # HELP tribune_page_cache_pages Pages held in the page cache.\n\
             # TYPE tribune_page_cache_pages gauge\n\
             tribune_page_cache_pages {}\n",
            cache.hits.load(Ordering::Relaxed),
            cache.misses.load(Ordering::Relaxed),
            cache.len()
        );
        out
    }
}

/// Middleware: times every request and counts it under its route pattern (never the raw
/// path, so ids in URLs cannot blow up the number of series).
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    // MatchedPath is a cheap clone (shared string), unlike formatting the path.
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let started = Instant::now();
    let response = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    metrics.observe(route, response.status().as_u16(), seconds);
    tracing::debug!(
        route,
        status = response.status().as_u16(),
        seconds,
        "request"
    );
    response
}
