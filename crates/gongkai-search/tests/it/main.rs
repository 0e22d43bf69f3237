//! Integration tests of the search index.

mod index;
