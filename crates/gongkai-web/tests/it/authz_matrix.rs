//! The authorization matrix, generated from the router's own route table: every route and method
//! of `gongkai_web::router` must have a row in [`ACCESS`], every row must name a route that
//! exists, and each row's rule is checked against real requests.
//!
//! The route table is read from the router's `Debug` form (axum prints every path of its path
//! router and each route's `Allow` header), so a route added anywhere — in whatever module —
//! without a row here fails the test.
//!
//! Columns checked today: anonymous callers. Public routes answer them without asking for a
//! login; every other route refuses them (401 for the API, a redirect to the login page or 403
//! for the console). The columns per role and organisation (granted on the target, a sibling, a
//! child, the parent) are still to come; the service and web tests check those per use case.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};

use crate::support::{TestApp, app};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone, anonymous callers included.
    Public,
    /// The login steps themselves: open to anonymous callers, who may be sent back to the first
    /// step; never an error.
    Login,
    /// Staff only: a logged-in session (console) or an API token.
    Staff,
}

use Access::{Login, Public, Staff};

/// One row per route and method (HEAD follows GET). Paths as the router spells them.
const ACCESS: &[(&str, &str, Access)] = &[
    // Public site.
    ("GET", "/", Public),
    ("GET", "/interpretations", Public),
    ("GET", "/documents", Public),
    ("GET", "/registry", Public),
    ("GET", "/doc/{id}", Public),
    ("GET", "/doc/{id}/print", Public),
    ("GET", "/attachments/{id}/{name}", Public),
    ("GET", "/org/{code}", Public),
    ("GET", "/org/{code}/", Public),
    ("GET", "/cleanups", Public),
    ("GET", "/cleanups/{id}", Public),
    ("GET", "/qa", Public),
    ("GET", "/qa/{id}", Public),
    ("GET", "/search", Public),
    ("GET", "/foi", Public),
    ("POST", "/foi", Public),
    ("GET", "/foi/track", Public),
    ("GET", "/prefs", Public),
    ("POST", "/prefs", Public),
    ("GET", "/feeds/latest.atom", Public),
    ("GET", "/feeds/org/{code}", Public),
    ("GET", "/feeds/topic.atom", Public),
    ("GET", "/feeds/validity.atom", Public),
    ("GET", "/feeds/interpretations.atom", Public),
    ("GET", "/sitemap.xml", Public),
    ("GET", "/sitemaps/{file}", Public),
    ("GET", "/static/site.css", Public),
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("GET", "/metrics", Public),
    // Public API.
    ("GET", "/api/openapi.json", Public),
    ("GET", "/api/v1/documents", Public),
    ("GET", "/api/v1/documents/{id}", Public),
    ("GET", "/api/v1/orgs", Public),
    ("GET", "/api/v1/orgs/{code}", Public),
    ("GET", "/api/v1/interpretations", Public),
    ("GET", "/api/v1/interpretations/{id}", Public),
    ("GET", "/api/v1/qa", Public),
    ("GET", "/api/v1/qa/{id}", Public),
    ("GET", "/api/v1/qa/export", Public),
    ("GET", "/api/v1/search", Public),
    ("GET", "/api/v1/search/suggest", Public),
    ("POST", "/api/v1/applications", Public),
    ("GET", "/api/v1/applications/status/{code}", Public),
    // Login steps.
    ("GET", "/admin/login", Login),
    ("POST", "/admin/login", Login),
    ("GET", "/admin/login/totp", Login),
    ("POST", "/admin/login/totp", Login),
    ("GET", "/admin/totp/enroll", Login),
    ("POST", "/admin/totp/enroll", Login),
    ("POST", "/admin/logout", Login),
    // Console (`/admin` only redirects to `/admin/`).
    ("GET", "/admin", Public),
    ("GET", "/admin/audit", Staff),
    ("GET", "/admin/", Staff),
    ("GET", "/admin/password", Staff),
    ("POST", "/admin/password", Staff),
    ("GET", "/admin/orgs", Staff),
    ("POST", "/admin/orgs", Staff),
    ("GET", "/admin/users", Staff),
    ("POST", "/admin/users", Staff),
    ("POST", "/admin/grants", Staff),
    ("POST", "/admin/users/{username}/revoke", Staff),
    ("POST", "/admin/users/{username}/reset-password", Staff),
    ("POST", "/admin/users/{username}/disable", Staff),
    ("POST", "/admin/users/{username}/enable", Staff),
    ("GET", "/admin/tokens", Staff),
    ("POST", "/admin/tokens", Staff),
    ("POST", "/admin/tokens/{id}/revoke", Staff),
    ("GET", "/admin/audit.csv", Staff),
    ("POST", "/admin/audit/verify", Staff),
    ("GET", "/admin/documents", Staff),
    ("GET", "/admin/documents/review", Staff),
    ("GET", "/admin/documents/new", Staff),
    ("POST", "/admin/documents/new", Staff),
    ("GET", "/admin/documents/{id}", Staff),
    ("GET", "/admin/documents/{id}/edit", Staff),
    ("POST", "/admin/documents/{id}/edit", Staff),
    ("POST", "/admin/documents/{id}/action/{event}", Staff),
    ("POST", "/admin/documents/{id}/attachments", Staff),
    ("POST", "/admin/documents/{id}/attachments/{aid}/delete", Staff),
    ("POST", "/admin/documents/{id}/attachments/{aid}/clean", Staff),
    ("GET", "/admin/documents/{id}/interpretation", Staff),
    ("POST", "/admin/documents/{id}/interpretation", Staff),
    ("POST", "/admin/documents/{id}/interp-requirement", Staff),
    ("POST", "/admin/documents/{id}/interp-exemption", Staff),
    ("GET", "/admin/attachments/{id}", Staff),
    ("GET", "/admin/attachments/{id}/clean", Staff),
    ("GET", "/admin/cleanups", Staff),
    ("POST", "/admin/cleanups", Staff),
    ("POST", "/admin/cleanups/{id}/publish", Staff),
    ("GET", "/admin/review", Staff),
    ("GET", "/admin/review/dashboard", Staff),
    ("GET", "/admin/review/{kind}/{id}", Staff),
    ("POST", "/admin/review/{kind}/{id}", Staff),
    ("GET", "/admin/interpretations/coverage", Staff),
    ("GET", "/admin/qa", Staff),
    ("POST", "/admin/qa", Staff),
    ("POST", "/admin/qa/{id}/action/{event}", Staff),
    ("GET", "/admin/search", Staff),
    ("GET", "/admin/foi", Staff),
    ("GET", "/admin/foi/new", Staff),
    ("POST", "/admin/foi/new", Staff),
    ("GET", "/admin/foi/{id}", Staff),
    ("POST", "/admin/foi/{id}/act/{action}", Staff),
    ("GET", "/admin/foi/tools", Staff),
    ("POST", "/admin/foi/calendar", Staff),
    ("POST", "/admin/foi/calendar/{adj}/delete", Staff),
    ("POST", "/admin/foi/proactive", Staff),
    ("GET", "/admin/foi/report", Staff),
    ("POST", "/admin/foi/report", Staff),
    ("GET", "/admin/foi/stats", Staff),
    // Staff API.
    ("GET", "/api/v1/me", Staff),
    ("POST", "/api/v1/orgs", Staff),
    ("POST", "/api/v1/documents", Staff),
    ("PUT", "/api/v1/documents/{id}", Staff),
    ("POST", "/api/v1/documents/{id}/transitions", Staff),
    ("GET", "/api/v1/applications", Staff),
    ("GET", "/api/v1/applications/stats", Staff),
    ("POST", "/api/v1/applications/{id}/actions", Staff),
    ("GET", "/api/v1/reports/annual", Staff),
    ("GET", "/api/v1/reviews/{kind}/{id}", Staff),
    ("POST", "/api/v1/reviews/{kind}/{id}/steps", Staff),
    ("POST", "/api/v1/screen", Staff),
];

/// (method, path) of every route of the router, read from its `Debug` form.
fn route_table(t: &TestApp) -> BTreeSet<(String, String)> {
    let debug = format!("{:?}", t.app);
    // Only the path router: the fallback router numbers its routes on its own.
    let main = debug
        .split_once("path_router: PathRouter {")
        .and_then(|(_, rest)| rest.split_once("fallback_router:"))
        .map(|(main, _)| main)
        .expect("axum's Router Debug form has changed: update route_table()");
    let (routes, node) = main.split_once("node: Node {").expect("no Node in the path router's Debug form");
    let mut paths = std::collections::BTreeMap::new();
    for part in node.split("RouteId(").skip(1) {
        let (id, rest) = part.split_once("): \"").expect("path entry");
        paths.insert(id.to_owned(), rest.split('"').next().unwrap_or_default().to_owned());
    }
    let mut out = BTreeSet::new();
    for part in routes.split("RouteId(").skip(1) {
        let (id, rest) = part.split_once(')').expect("route entry");
        let allow = rest
            .split_once("allow_header: Bytes(b\"")
            .map(|(_, a)| a.split('"').next().unwrap_or_default())
            .expect("a route without an Allow header");
        let path = paths.get(id).unwrap_or_else(|| panic!("route {id} has no path"));
        for m in allow.split(',').filter(|m| *m != "HEAD") {
            out.insert((m.to_owned(), path.clone()));
        }
    }
    assert!(out.len() > 50, "the route table looks wrong: {out:?}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_has_a_row_and_every_row_a_route() {
    let t = app().await;
    let routes = route_table(&t);
    let rows: BTreeSet<(String, String)> = ACCESS.iter().map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned())).collect();
    assert_eq!(rows.len(), ACCESS.len(), "a route is listed twice in ACCESS");
    let missing: Vec<_> = routes.difference(&rows).collect();
    assert!(missing.is_empty(), "routes without a row in ACCESS (add one with its rule): {missing:?}");
    let stale: Vec<_> = rows.difference(&routes).collect();
    assert!(stale.is_empty(), "rows in ACCESS for routes that do not exist: {stale:?}");
}

/// A concrete path for a route: parameters replaced by plausible values.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{aid}", "1")
        .replace("{adj}", "1")
        .replace("{code}", "sc-cd")
        .replace("{username}", "nobody")
        .replace("{kind}", "edition")
        .replace("{event}", "submit")
        .replace("{action}", "assign")
        .replace("{name}", "x.pdf")
        .replace("{file}", "pages.xml")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_callers_reach_public_routes_only() {
    let t = app().await;
    let mut problems = Vec::new();
    for (method, path, access) in ACCESS {
        let url = concrete(path);
        let mut c = t.client();
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let r = if m == Method::GET {
            c.get(&url).await
        } else {
            // Every post carries a valid pre-session CSRF pair (as a browser's would), so that a
            // refusal is about the caller, never about the token.
            let page = c.get("/prefs").await;
            let csrf = crate::support::csrf_of(&page.body);
            if path.starts_with("/api/") {
                c.send_body(m, &url, "application/json", "{}".to_owned(), &[("x-csrf-token", &csrf)]).await
            } else {
                let body = crate::support::form(&[("_csrf", &csrf)]);
                c.send_body(m, &url, "application/x-www-form-urlencoded", body, &[]).await
            }
        };
        let to_login = r.status == StatusCode::SEE_OTHER && r.location().starts_with("/admin/login");
        let refused = to_login || r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::FORBIDDEN;
        if r.status.is_server_error() {
            problems.push(format!("{method} {url}: {} for an anonymous caller", r.status));
        }
        match access {
            Public if refused => problems
                .push(format!("{method} {url} is {access:?} but refused an anonymous caller: {} {}", r.status, r.body)),
            Staff if !refused => problems.push(format!(
                "{method} {url} is staff-only but answered an anonymous caller {} {}",
                r.status,
                r.body.chars().take(120).collect::<String>()
            )),
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
