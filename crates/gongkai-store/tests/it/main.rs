//! Storage contract suite: the same stories on SQLite (default) and PostgreSQL (when
//! `GONGKAI_TEST_DATABASE_URL` is set, in a fresh schema per test).

mod contract;
mod migrations;
