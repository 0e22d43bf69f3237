//! Integration tests of the HTTP layer: the real router, driven in-process with
//! `tower::ServiceExt::oneshot`, over a fresh database per test (SQLite by default, PostgreSQL
//! when `GONGKAI_TEST_DATABASE_URL` is set).
//!
//! Tests run on a multi-threaded runtime on purpose: when a test ends right after a use case
//! returned early from inside a database transaction, sqlx rolls that transaction back in a task
//! spawned on the runtime; `TestDb`'s `Drop` (which drops the PostgreSQL schema) blocks the test's
//! thread, so on a single-threaded runtime that task never runs and `DROP SCHEMA` waits forever on
//! the open transaction's locks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod audit;
mod authz_matrix;
mod basics;
mod csrf;
mod error_codes;
mod foi;
mod interp;
mod library;
mod lockout;
mod screen;
mod search;
mod sessions;
mod sitemap;
mod staff_security;
mod support;
mod templates;
mod validity_dates;
