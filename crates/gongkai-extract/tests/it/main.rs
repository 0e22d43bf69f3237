//! Integration tests of gongkai-extract: fixtures are built here (ZIP writer for DOCX/XLSX,
//! lopdf for PDF), including tracked changes, comments, hidden sheets, metadata, bombs and
//! corrupt files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod budget;
mod fixtures;
mod mutate;
mod office;
mod other;
