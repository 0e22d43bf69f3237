//! Prometheus metrics (`/metrics`): request counts and latency histograms by route, errors by code,
//! and database pool gauges. Routes are labelled by their pattern (`/org/{code}/`), never by the
//! raw path, so the label set stays small.

use std::sync::atomic::AtomicI64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ErrorLabels {
    pub code: String,
}

/// Every metric the web layer keeps.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram>,
    pub errors: Family<ErrorLabels, Counter>,
    pub db_connections: Gauge<i64, AtomicI64>,
    pub db_idle: Gauge<i64, AtomicI64>,
    /// Change-log entries not yet in this node's search index.
    pub search_lag: Gauge<i64, AtomicI64>,
    pub search_applied: Gauge<i64, AtomicI64>,
    pub search_entries: Gauge<i64, AtomicI64>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~8 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("gongkai");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        let errors = Family::<ErrorLabels, Counter>::default();
        let db_connections = Gauge::<i64, AtomicI64>::default();
        let db_idle = Gauge::<i64, AtomicI64>::default();
        let search_lag = Gauge::<i64, AtomicI64>::default();
        let search_applied = Gauge::<i64, AtomicI64>::default();
        let search_entries = Gauge::<i64, AtomicI64>::default();
        registry.register("http_requests", "HTTP requests by method, route and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency by route", latency.clone());
        registry.register("http_errors", "Error responses by stable error code", errors.clone());
        registry.register("db_pool_connections", "Open database connections", db_connections.clone());
        registry.register("db_pool_idle_connections", "Idle database connections", db_idle.clone());
        registry.register(
            "search_index_lag",
            "Change-log entries not yet applied to this node's search index",
            search_lag.clone(),
        );
        registry.register(
            "search_index_applied_seq",
            "Last change-log sequence number applied to the search index",
            search_applied.clone(),
        );
        registry.register("search_index_entries", "Entries in this node's search index", search_entries.clone());
        Metrics {
            registry,
            requests,
            latency,
            errors,
            db_connections,
            db_idle,
            search_lag,
            search_applied,
            search_entries,
        }
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
