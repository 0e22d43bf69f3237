//! Tidy checks that run under `cargo test`: module docs on every source file, the dependency rules
//! between crates (who may depend on whom), no `unwrap()` outside tests, and no SQL outside the
//! store crate.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn crate_sources(krate: &str) -> Vec<PathBuf> {
    let mut v = Vec::new();
    rust_files(&workspace().join("crates").join(krate).join("src"), &mut v);
    v
}

fn crates() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let mut missing = Vec::new();
    for krate in crates() {
        let mut files = Vec::new();
        for sub in ["src", "tests"] {
            let d = workspace().join("crates").join(&krate).join(sub);
            if d.exists() {
                rust_files(&d, &mut files);
            }
        }
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            if !text.trim_start().starts_with("//!") {
                missing.push(f.display().to_string());
            }
        }
    }
    assert!(missing.is_empty(), "files without a `//!` module doc:\n{}", missing.join("\n"));
}

/// (crate, dependencies it must not have).
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "gongkai-domain",
        &["sqlx", "axum", "tantivy", "tokio", "serde_json", "gongkai-store", "gongkai-service", "gongkai-web"],
    ),
    ("gongkai-store", &["axum", "tantivy", "gongkai-service", "gongkai-web", "gongkai-search"]),
    ("gongkai-search", &["sqlx", "axum", "gongkai-store", "gongkai-service", "gongkai-web"]),
    ("gongkai-extract", &["sqlx", "axum", "tokio", "gongkai-store", "gongkai-service", "gongkai-web"]),
    ("gongkai-service", &["axum", "gongkai-web", "minijinja"]),
    ("gongkai-web", &["sqlx", "tantivy", "gongkai-store", "gongkai-search"]),
];

fn normal_dependencies(krate: &str) -> Vec<String> {
    let path = workspace().join("crates").join(krate).join("Cargo.toml");
    let Ok(text) = std::fs::read_to_string(&path) else { return Vec::new() };
    let mut deps = Vec::new();
    let mut in_deps = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_deps = t == "[dependencies]";
            continue;
        }
        if in_deps {
            if let Some((name, _)) = t.split_once('=') {
                let name = name.trim().split('.').next().unwrap_or_default().to_owned();
                if !name.is_empty() && !name.starts_with('#') {
                    deps.push(name);
                }
            }
        }
    }
    deps
}

#[test]
fn crates_respect_the_dependency_rules() {
    let mut broken = Vec::new();
    for (krate, forbidden) in FORBIDDEN {
        for dep in normal_dependencies(krate) {
            if forbidden.contains(&dep.as_str()) {
                broken.push(format!("{krate} must not depend on {dep}"));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    assert!(
        normal_dependencies("gongkai-store").contains(&"sqlx".to_owned()),
        "the rule check reads Cargo.toml correctly"
    );
}

#[test]
fn no_unwrap_outside_tests() {
    let mut found = Vec::new();
    for krate in crates() {
        if krate == "gongkai-testkit" {
            continue;
        }
        for f in crate_sources(&krate) {
            let text = std::fs::read_to_string(&f).unwrap();
            // Code after `#[cfg(test)]` is test code.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (i, line) in code.lines().enumerate() {
                if line.contains(".unwrap()") && !line.trim_start().starts_with("//") {
                    found.push(format!("{}:{}", f.display(), i + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "`.unwrap()` outside tests:\n{}", found.join("\n"));
}

#[test]
fn sql_lives_only_in_the_store() {
    let mut found = Vec::new();
    for krate in crates() {
        // The benchmark holds the SQL of the baselines it compares against (FTS5, pg_trgm).
        if krate == "gongkai-store" || krate == "gongkai-testkit" || krate == "gongkai-bench" {
            continue;
        }
        for f in crate_sources(&krate) {
            let text = std::fs::read_to_string(&f).unwrap();
            for kw in ["SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM"] {
                for (i, line) in text.lines().enumerate() {
                    if line.contains(kw) && line.contains('"') && !line.trim_start().starts_with("//") {
                        found.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "SQL outside gongkai-store:\n{}", found.join("\n"));
}

/// The store's helpers that bypass the audit log's append-only triggers exist only with its
/// `test-support` feature, and only the test kit (itself only ever a dev-dependency) enables it.
#[test]
fn audit_bypassing_helpers_are_test_support_only() {
    let store = workspace().join("crates/gongkai-store/src");
    for (file, func) in [("lib.rs", "pub async fn execute_admin"), ("audit.rs", "pub async fn tamper_audit_for_test")] {
        let text = std::fs::read_to_string(store.join(file)).unwrap();
        let at = text.find(func).unwrap_or_else(|| panic!("{func} not found in {file}"));
        let before: Vec<&str> = text[..at].lines().rev().take(3).collect();
        assert!(
            before.iter().any(|l| l.trim() == "#[cfg(feature = \"test-support\")]"),
            "{file}: {func} must be behind the test-support feature"
        );
    }
    for krate in crates() {
        let Ok(text) = std::fs::read_to_string(workspace().join("crates").join(&krate).join("Cargo.toml")) else {
            continue;
        };
        let mut section = String::new();
        for line in text.lines() {
            let t = line.trim();
            if t.starts_with('[') {
                section = t.to_owned();
                continue;
            }
            if t.contains("test-support") && krate != "gongkai-store" {
                assert!(
                    krate == "gongkai-testkit" || section == "[dev-dependencies]",
                    "{krate} enables test-support outside [dev-dependencies]: {t}"
                );
            }
            if t.starts_with("gongkai-testkit") && krate != "gongkai-testkit" {
                assert_eq!(section, "[dev-dependencies]", "{krate} must use the test kit only in tests");
            }
        }
    }
}
