//! Integration tests of the `gongkai` binary: the command-line definition, and the real
//! executable run as a child process against temporary SQLite data directories (these tests pass
//! `--data` and clear inherited `GONGKAI_*` variables, so they run on SQLite even when
//! `GONGKAI_TEST_DATABASE_URL` is set for the other suites).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod calendar;
mod cli;
mod qa;
mod report;
mod scan;
mod search;
mod serve;
mod support;
mod transfer;
