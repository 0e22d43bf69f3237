//! Chinese full-text search of gongkai (全文检索): a Tantivy index with jieba words and Han
//! bigrams, queries built in code from the user's text, highlighted snippets, facets.
//!
//! This crate knows nothing of the database. The service layer feeds it [`SearchDoc`]s read from
//! the change log and stores nothing else; the index can always be rebuilt from the database.

pub mod analyze;
pub mod index;
pub mod query;
pub mod snippet;

pub use index::{
    Audience, Entry, FACETS, Facet, Filters, Gap, Hit, Position, Rebuild, Relaxed, SearchDoc, SearchError, SearchHome,
    SearchIndex, SearchRequest, SearchResults, Sort, Suggestion, WriterOptions,
};
pub use query::{MAX_QUERY_CHARS, QueryError, UserQuery, parse as parse_query};
pub use snippet::Segment;

/// Words too common to require when a query is relaxed to its jieba words.
pub(crate) const STOPWORDS: &[&str] =
    &["的", "了", "和", "与", "及", "或", "在", "是", "对", "为", "关于", "有关", "一个", "进一步", "以及", "等", "之"];
