//! Storage contract suite: the same stories on SQLite (default) and PostgreSQL (when
//! `GONGKAI_TEST_DATABASE_URL` is set, in a fresh schema per test).

// Test helpers unwrap: a failure is a failed test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod contract;
mod foi;
mod migrations;
