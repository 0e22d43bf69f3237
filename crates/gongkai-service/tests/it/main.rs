//! Use-case tests of the service layer, on SQLite by default and on PostgreSQL when
//! `GONGKAI_TEST_DATABASE_URL` is set. Time comes from a fake clock.

// Test helpers unwrap: a failure is a failed test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod admin_scope;
mod auth;
mod documents;
mod foi;
mod integrity;
mod interp;
mod orgs;
mod qa;
mod relations_authz;
mod review;
mod search;
mod support;
mod validity_dates;
