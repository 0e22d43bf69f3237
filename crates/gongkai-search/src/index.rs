//! The Tantivy index (检索索引): schema, writing with the change-log position, searching.
//!
//! One index lives in a generation directory under the search root; the root's `CURRENT` file
//! names the live generation. Every commit carries, as its payload, the change-log [`Position`]
//! it reflects — Tantivy commits are atomic, so after a crash the index and its position always
//! agree, and catching up from that position loses nothing and duplicates nothing (a change is
//! applied by deleting the document's entries and adding what the database holds now).
//!
//! Two entries can exist for one document: `public` (the published edition, for everyone) and
//! `staff` (an unpublished edition, for staff with rights on the owning organisation).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, Count, DocSetCollector, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, EnableScoring, Occur, PhrasePrefixQuery, PhraseQuery, Query,
    RangeQuery, TermQuery, Weight,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{
    DocId, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument, Term,
};

use crate::analyze::{self, HANBI, HanBigramTokenizer, JIEBA, JiebaTokenizer, bigrams, jieba_words, prepare};
use crate::query::{UserQuery, normalize_doc_number, normalize_title};
use crate::snippet::{self, Segment};

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index I/O at {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("search index payload: {0}")]
    Payload(String),
    #[error("search writer lock poisoned")]
    Poisoned,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SearchError + '_ {
    move |source| SearchError::Io { path: path.to_owned(), source }
}

/// Which copy of a document an index entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// The published edition, visible to everyone.
    Public,
    /// An unpublished edition, visible to staff with rights on the owning organisation.
    Staff,
}

impl Entry {
    pub fn key(self) -> &'static str {
        match self {
            Entry::Public => "public",
            Entry::Staff => "staff",
        }
    }

    /// The entry of a stored key; anything but `staff` is the public entry.
    pub fn parse(s: &str) -> Entry {
        if s == "staff" { Entry::Staff } else { Entry::Public }
    }
}

/// What the indexer receives for one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    pub id: i64,
    pub entry: Entry,
    /// Content type: `document` (later: `interpretation`, `qa`).
    pub kind: String,
    pub external_id: Option<String>,
    pub index_no: String,
    pub title: String,
    pub doc_number: Option<String>,
    pub issuer: String,
    pub body: String,
    /// Materialised paths (`/1/4/`) of every organisation the document belongs to, with all
    /// their ancestors' paths: a subtree filter is one term.
    pub org_paths: Vec<String>,
    pub topic: Option<String>,
    pub genre: Option<String>,
    pub class: String,
    /// Validity key (`in_force`, `repealed`, …).
    pub validity: String,
    /// Whether a citizen may still rely on it (ranks above repealed/expired on a tie).
    pub current: bool,
    pub published_on: Option<NaiveDate>,
    /// Edition state key for staff entries (`draft`, `in_review`, …).
    pub state: String,
}

/// A gap in the change log: a sequence number not (yet) seen because its transaction had not
/// committed when later ones had (PostgreSQL sequences are not transactional).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub seq: i64,
    /// When the gap was first noticed (ms since the epoch).
    pub seen_ms: i64,
}

/// How far into the change log an index is, stored in every commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Highest sequence number applied.
    pub applied: i64,
    /// Sequence numbers below `applied` not yet seen.
    #[serde(default)]
    pub gaps: Vec<Gap>,
}

/// Who is searching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Only public entries.
    Public,
    /// Public entries plus staff entries of organisations under these paths.
    Staff(Vec<String>),
}

/// Sort order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
    Oldest,
}

impl Sort {
    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "" | "relevance" => Some(Sort::Relevance),
            "newest" | "date" => Some(Sort::Newest),
            "oldest" => Some(Sort::Oldest),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
        }
    }
}

/// Filters (all optional; values compared exactly).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Organisation subtree, by materialised path.
    pub org_path: Option<String>,
    pub issuer: Option<String>,
    pub topic: Option<String>,
    pub genre: Option<String>,
    pub class: Option<String>,
    pub validity: Option<String>,
    pub kind: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// A search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: UserQuery,
    pub filters: Filters,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    pub audience: Audience,
    /// Compute facet counts.
    pub facets: bool,
}

/// How far the query had to be relaxed to find anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relaxed {
    /// Every word and phrase appears as written.
    #[default]
    No,
    /// Every word jieba finds in the query appears, not necessarily together.
    AllWords,
    /// Some of the words appear.
    AnyWord,
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: i64,
    pub entry: Entry,
    pub kind: String,
    pub external_id: Option<String>,
    pub index_no: String,
    pub title: String,
    pub title_marked: Vec<Segment>,
    pub doc_number: Option<String>,
    pub issuer: String,
    pub published_on: Option<NaiveDate>,
    pub validity: String,
    pub state: String,
    pub snippet: Vec<Segment>,
    pub score: f32,
}

/// Counts for one facet, largest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facet {
    pub name: &'static str,
    pub values: Vec<(String, u64)>,
}

/// A page of results.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Vec<Facet>,
    pub relaxed: Relaxed,
}

/// A title suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub id: i64,
    pub title: String,
}

/// Facet fields, in display order.
pub const FACETS: [&str; 6] = ["class", "validity", "topic", "genre", "issuer", "year"];

#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    entry: Field,
    kind: Field,
    external_id: Field,
    index_no: Field,
    title: Field,
    title_w: Field,
    title_bi: Field,
    title_exact: Field,
    body: Field,
    body_w: Field,
    body_bi: Field,
    doc_number: Field,
    doc_number_norm: Field,
    issuer: Field,
    org_path: Field,
    topic: Field,
    genre: Field,
    class: Field,
    validity: Field,
    year: Field,
    published_on: Field,
    current: Field,
    state: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analysed = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let f = Fields {
        id: b.add_i64_field("id", INDEXED | STORED | FAST),
        entry: b.add_text_field("entry", STRING | STORED | FAST),
        kind: b.add_text_field("kind", STRING | STORED | FAST),
        external_id: b.add_text_field("external_id", STORED),
        index_no: b.add_text_field("index_no", STORED),
        title: b.add_text_field("title", STORED),
        title_w: b.add_text_field("title_w", analysed(JIEBA)),
        title_bi: b.add_text_field("title_bi", analysed(HANBI)),
        title_exact: b.add_text_field("title_exact", STRING),
        body: b.add_text_field("body", STORED),
        body_w: b.add_text_field("body_w", analysed(JIEBA)),
        body_bi: b.add_text_field("body_bi", analysed(HANBI)),
        doc_number: b.add_text_field("doc_number", STORED),
        doc_number_norm: b.add_text_field("doc_number_norm", STRING),
        issuer: b.add_text_field("issuer", STRING | STORED | FAST),
        org_path: b.add_text_field("org_path", STRING),
        topic: b.add_text_field("topic", STRING | FAST),
        genre: b.add_text_field("genre", STRING | FAST),
        class: b.add_text_field("class", STRING | FAST),
        validity: b.add_text_field("validity", STRING | STORED | FAST),
        year: b.add_text_field("year", STRING | FAST),
        published_on: b.add_i64_field("published_on", INDEXED | STORED | FAST),
        current: b.add_u64_field("current", FAST),
        state: b.add_text_field("state", STORED),
    };
    (b.build(), f)
}

fn tokenizers() -> TokenizerManager {
    let m = TokenizerManager::default();
    m.register(JIEBA, JiebaTokenizer);
    m.register(HANBI, HanBigramTokenizer);
    m
}

/// Days since 0001-01-01 (CE), the stored form of a date.
fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce())
}

fn from_day_number(n: i64) -> Option<NaiveDate> {
    i32::try_from(n).ok().and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// Tuning of the writer.
#[derive(Debug, Clone, Copy)]
pub struct WriterOptions {
    pub threads: usize,
    pub memory_bytes: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions { threads: 1, memory_bytes: 64 << 20 }
    }
}

/// One generation of the index, open for reading and writing.
pub struct SearchIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, fmt: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fmt.debug_struct("SearchIndex").field("dir", &self.dir).finish()
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating an empty one when the directory holds none.
    pub fn open_dir(dir: &Path, opts: WriterOptions) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        let (schema, f) = schema();
        let mut index = if dir.join("meta.json").exists() {
            let index = Index::open_in_dir(dir)?;
            if index.schema() != schema {
                return Err(SearchError::Payload(format!(
                    "index at {} was built with another schema; run `gongkai reindex`",
                    dir.display()
                )));
            }
            index
        } else {
            Index::create_in_dir(dir, schema)?
        };
        index.set_tokenizers(tokenizers());
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let writer = index.writer_with_num_threads(opts.threads.max(1), opts.memory_bytes.max(15 << 20))?;
        analyze::warm_up();
        Ok(SearchIndex { dir: dir.to_owned(), index, reader, writer: Mutex::new(writer), f })
    }

    /// The directory of this generation.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The change-log position of the last commit.
    pub fn position(&self) -> Result<Position, SearchError> {
        let metas = self.index.load_metas()?;
        match metas.payload {
            None => Ok(Position::default()),
            Some(p) => serde_json::from_str(&p).map_err(|e| SearchError::Payload(e.to_string())),
        }
    }

    /// Number of entries visible to searches.
    pub fn num_entries(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn writer(&self) -> Result<MutexGuard<'_, IndexWriter>, SearchError> {
        self.writer.lock().map_err(|_| SearchError::Poisoned)
    }

    fn to_tantivy(&self, d: &SearchDoc) -> TantivyDocument {
        let f = &self.f;
        let mut doc = TantivyDocument::new();
        doc.add_i64(f.id, d.id);
        doc.add_text(f.entry, d.entry.key());
        doc.add_text(f.kind, &d.kind);
        if let Some(x) = &d.external_id {
            doc.add_text(f.external_id, x);
        }
        doc.add_text(f.index_no, &d.index_no);
        doc.add_text(f.title, &d.title);
        let title = prepare(&d.title);
        doc.add_text(f.title_w, &title);
        doc.add_text(f.title_bi, &title);
        doc.add_text(f.title_exact, normalize_title(&d.title));
        // Only the part snippets are taken from is stored: a long law's full text would make every hit's
        // document fetch decompress up to hundreds of kilobytes.
        let stored = match d.body.char_indices().nth(snippet::MAX_ANALYSED_CHARS) {
            Some((end, _)) => &d.body[..end],
            None => d.body.as_str(),
        };
        doc.add_text(f.body, stored);
        let body = prepare(&d.body);
        doc.add_text(f.body_w, &body);
        doc.add_text(f.body_bi, &body);
        if let Some(n) = &d.doc_number {
            doc.add_text(f.doc_number, n);
            doc.add_text(f.doc_number_norm, normalize_doc_number(n));
        }
        doc.add_text(f.issuer, &d.issuer);
        for p in &d.org_paths {
            doc.add_text(f.org_path, p);
        }
        if let Some(t) = &d.topic {
            doc.add_text(f.topic, t);
        }
        if let Some(g) = &d.genre {
            doc.add_text(f.genre, g);
        }
        doc.add_text(f.class, &d.class);
        doc.add_text(f.validity, &d.validity);
        if let Some(p) = d.published_on {
            doc.add_text(f.year, p.year().to_string());
            doc.add_i64(f.published_on, day_number(p));
        }
        doc.add_u64(f.current, u64::from(d.current));
        doc.add_text(f.state, &d.state);
        doc
    }

    /// Replaces every entry of the `changed` documents by `docs` and commits with `position`.
    /// Applying the same batch twice gives the same index.
    pub fn apply(&self, changed: &[i64], docs: &[SearchDoc], position: &Position) -> Result<(), SearchError> {
        let payload = serde_json::to_string(position).map_err(|e| SearchError::Payload(e.to_string()))?;
        {
            let mut w = self.writer()?;
            for id in changed {
                w.delete_term(Term::from_field_i64(self.f.id, *id));
            }
            for d in docs {
                w.add_document(self.to_tantivy(d))?;
            }
            let mut prepared = w.prepare_commit()?;
            prepared.set_payload(&payload);
            prepared.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Adds entries without committing (bulk rebuild).
    pub fn add(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        let w = self.writer()?;
        for d in docs {
            w.add_document(self.to_tantivy(d))?;
        }
        Ok(())
    }

    /// Commits what was added with `position` and waits for merges.
    pub fn commit(&self, position: &Position) -> Result<(), SearchError> {
        let payload = serde_json::to_string(position).map_err(|e| SearchError::Payload(e.to_string()))?;
        {
            let mut w = self.writer()?;
            let mut prepared = w.prepare_commit()?;
            prepared.set_payload(&payload);
            prepared.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Every (id, entry) in the index, sorted: for consistency checks.
    pub fn entries(&self) -> Result<Vec<(i64, Entry)>, SearchError> {
        let searcher = self.reader.searcher();
        let mut out = Vec::new();
        for seg in searcher.segment_readers() {
            let ids = seg.fast_fields().i64("id")?;
            let entries = seg.fast_fields().str("entry")?;
            let mut buf = String::new();
            for doc in seg.doc_ids_alive() {
                let Some(id) = ids.first(doc) else { continue };
                let entry = match &entries {
                    Some(col) => {
                        buf.clear();
                        let ord = col.term_ords(doc).next();
                        if let Some(o) = ord {
                            col.ord_to_str(o, &mut buf).map_err(io_err(&self.dir))?;
                        }
                        Entry::parse(&buf)
                    }
                    None => Entry::Public,
                };
                out.push((id, entry));
            }
        }
        out.sort_by_key(|(id, e)| (*id, *e == Entry::Staff));
        Ok(out)
    }

    // ----- query building -----

    fn visibility(&self, audience: &Audience) -> Box<dyn Query> {
        let public: Box<dyn Query> = Box::new(TermQuery::new(
            Term::from_field_text(self.f.entry, Entry::Public.key()),
            IndexRecordOption::Basic,
        ));
        match audience {
            Audience::Public => public,
            Audience::Staff(paths) => {
                let scopes: Vec<(Occur, Box<dyn Query>)> = paths
                    .iter()
                    .map(|p| {
                        let q: Box<dyn Query> = Box::new(TermQuery::new(
                            Term::from_field_text(self.f.org_path, p),
                            IndexRecordOption::Basic,
                        ));
                        (Occur::Should, q)
                    })
                    .collect();
                if scopes.is_empty() {
                    return public;
                }
                let staff = BooleanQuery::new(vec![
                    (
                        Occur::Must,
                        Box::new(TermQuery::new(
                            Term::from_field_text(self.f.entry, Entry::Staff.key()),
                            IndexRecordOption::Basic,
                        )) as Box<dyn Query>,
                    ),
                    (Occur::Must, Box::new(BooleanQuery::new(scopes))),
                ]);
                Box::new(BooleanQuery::new(vec![(Occur::Should, public), (Occur::Should, Box::new(staff))]))
            }
        }
    }

    fn filter_clauses(&self, f: &Filters) -> Vec<(Occur, Box<dyn Query>)> {
        let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut term = |field: Field, v: &Option<String>| {
            if let Some(v) = v {
                out.push((
                    Occur::Must,
                    Box::new(TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic)),
                ));
            }
        };
        term(self.f.org_path, &f.org_path);
        term(self.f.issuer, &f.issuer);
        term(self.f.topic, &f.topic);
        term(self.f.genre, &f.genre);
        term(self.f.class, &f.class);
        term(self.f.validity, &f.validity);
        term(self.f.kind, &f.kind);
        if f.from.is_some() || f.to.is_some() {
            let lo = f.from.map_or(Bound::Unbounded, |d| {
                Bound::Included(Term::from_field_i64(self.f.published_on, day_number(d)))
            });
            let hi = f.to.map_or(Bound::Unbounded, |d| {
                Bound::Included(Term::from_field_i64(self.f.published_on, day_number(d)))
            });
            out.push((Occur::Must, Box::new(RangeQuery::new(lo, hi))));
        }
        out
    }

    /// A query matching documents whose `field` contains `text` as a substring (through the
    /// Han-bigram analysis). `None` when `text` has nothing to search for.
    fn substring(&self, field: Field, text: &str) -> Option<Box<dyn Query>> {
        let mut toks = bigrams(text, false);
        // Ends that may be cut out of a longer token of the document: a trailing lone Han character
        // (in the document, the start of a bigram), and leading or trailing letters and digits (part
        // of a longer run: "994年" in "1994年"). With at least two other tokens to match they are
        // left out of the phrase, which then matches a little more than the exact text but never
        // less; a short query keeps them and matches the lone character by prefix.
        let is_run = |t: &analyze::BiToken| !t.single_han && !t.text.chars().any(gongkai_domain::textnorm::is_han);
        let (lead, tail) = (text.len() - text.trim_start().len(), text.trim_end().len());
        let cut_first = toks.first().is_some_and(|t| is_run(t) && t.from == lead);
        let cut_last = toks.last().is_some_and(|t| (t.single_han || is_run(t)) && t.to == tail);
        let cuts = usize::from(cut_first) + usize::from(cut_last);
        if cuts > 0 && toks.len() >= cuts + 2 {
            if cut_last {
                toks.pop();
            }
            if cut_first {
                toks.remove(0);
            }
            let base = toks.first().map_or(0, |t| t.position);
            let terms: Vec<(usize, Term)> =
                toks.iter().map(|t| (t.position - base, Term::from_field_text(field, &t.text))).collect();
            return Some(Box::new(PhraseQuery::new_with_offset(terms)));
        }
        let last = toks.last()?;
        let ends_open = last.single_han && last.to == text.trim_end().len();
        if toks.len() == 1 {
            let term = Term::from_field_text(field, &last.text);
            if ends_open {
                // One Han character: the character alone or any bigram starting with it.
                let mut upper = last.text.clone();
                upper.push(char::MAX);
                return Some(Box::new(RangeQuery::new(
                    Bound::Included(term),
                    Bound::Excluded(Term::from_field_text(field, &upper)),
                )));
            }
            return Some(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)));
        }
        let terms: Vec<(usize, Term)> =
            toks.iter().map(|t| (t.position, Term::from_field_text(field, &t.text))).collect();
        if ends_open {
            let mut q = PhrasePrefixQuery::new_with_offset(terms);
            q.set_max_expansions(1000);
            Some(Box::new(q))
        } else {
            Some(Box::new(PhraseQuery::new_with_offset(terms)))
        }
    }

    /// Ranking-only clauses for the jieba words of `text`.
    fn word_scores(&self, text: &str, out: &mut Vec<(Occur, Box<dyn Query>)>) {
        for (_, _, w) in jieba_words(text) {
            for (field, boost) in [(self.f.title_w, 3.0), (self.f.body_w, 1.0)] {
                let q = TermQuery::new(Term::from_field_text(field, w), IndexRecordOption::WithFreqs);
                out.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
    }

    /// A clause requiring `text` as a substring of title or body, scored by the words in it.
    fn contains(&self, text: &str) -> Option<Box<dyn Query>> {
        let mut anywhere: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(q) = self.substring(self.f.title_bi, text) {
            anywhere.push((Occur::Should, Box::new(BoostQuery::new(q, 4.0))));
        }
        if let Some(q) = self.substring(self.f.body_bi, text) {
            anywhere.push((Occur::Should, q));
        }
        if anywhere.is_empty() {
            return None;
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(BooleanQuery::new(anywhere)))];
        self.word_scores(text, &mut clauses);
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// The pieces of text a query level looks for: the query's words and phrases as typed, or
    /// (relaxed) the jieba words inside them without stop words.
    fn pieces(q: &UserQuery, relaxed: Relaxed) -> Vec<String> {
        match relaxed {
            Relaxed::No => q.must.clone(),
            Relaxed::AllWords | Relaxed::AnyWord => {
                let mut words: Vec<String> = Vec::new();
                for m in &q.must {
                    for (_, _, w) in jieba_words(m) {
                        if !crate::STOPWORDS.contains(&w) && !words.iter().any(|x| x == w) {
                            words.push(w.to_owned());
                        }
                    }
                }
                words
            }
        }
    }

    fn text_query(&self, q: &UserQuery, relaxed: Relaxed) -> Option<Box<dyn Query>> {
        let occur = if relaxed == Relaxed::AnyWord { Occur::Should } else { Occur::Must };
        let clauses: Vec<(Occur, Box<dyn Query>)> =
            Self::pieces(q, relaxed).iter().filter_map(|p| self.contains(p)).map(|c| (occur, c)).collect();
        if clauses.is_empty() { None } else { Some(Box::new(BooleanQuery::new(clauses))) }
    }

    /// Matches documents whose title alone holds what the query level asks for (every piece, or
    /// for [`Relaxed::AnyWord`] any): the title tier of the ranking.
    fn title_query(&self, q: &UserQuery, relaxed: Relaxed) -> Option<Box<dyn Query>> {
        let occur = if relaxed == Relaxed::AnyWord { Occur::Should } else { Occur::Must };
        let clauses: Vec<(Occur, Box<dyn Query>)> = Self::pieces(q, relaxed)
            .iter()
            .filter_map(|p| self.substring(self.f.title_bi, p))
            .map(|c| (occur, c))
            .collect();
        if clauses.is_empty() { None } else { Some(Box::new(BooleanQuery::new(clauses))) }
    }

    fn exact_query(&self, q: &UserQuery) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(n) = &q.doc_number {
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(Term::from_field_text(self.f.doc_number_norm, n), IndexRecordOption::Basic)),
            ));
        }
        let whole: String = q.whole.chars().filter(|c| !c.is_whitespace()).collect();
        if !whole.is_empty() {
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(Term::from_field_text(self.f.title_exact, &whole), IndexRecordOption::Basic)),
            ));
        }
        if clauses.is_empty() { None } else { Some(Box::new(BooleanQuery::new(clauses))) }
    }

    fn full_query(&self, req: &SearchRequest, relaxed: Relaxed) -> Box<dyn Query> {
        let mut clauses = vec![(Occur::Must, self.visibility(&req.audience))];
        clauses.extend(self.filter_clauses(&req.filters));
        if !req.query.is_empty() {
            let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            if let Some(t) = self.text_query(&req.query, relaxed) {
                any.push((Occur::Should, t));
            }
            if let Some(e) = self.exact_query(&req.query) {
                any.push((Occur::Should, Box::new(BoostQuery::new(e, 10.0))));
            }
            if any.is_empty() {
                return Box::new(EmptyQuery);
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        } else if clauses.len() == 1 && matches!(req.audience, Audience::Public) {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        for x in &req.query.exclude {
            for field in [self.f.title_bi, self.f.body_bi] {
                if let Some(q) = self.substring(field, x) {
                    clauses.push((Occur::MustNot, q));
                }
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// Runs a search.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let limit = req.limit.clamp(1, 100);
        // Exact title / 发文字号 matches rank first.
        let exact: Arc<HashSet<i64>> = Arc::new(match self.exact_query(&req.query) {
            Some(e) => {
                let mut clauses = vec![(Occur::Must, e), (Occur::Must, self.visibility(&req.audience))];
                clauses.extend(self.filter_clauses(&req.filters));
                let found = searcher.search(&BooleanQuery::new(clauses), &DocSetCollector)?;
                let mut ids = HashSet::new();
                for addr in found.into_iter().take(1000) {
                    let seg = searcher.segment_reader(addr.segment_ord);
                    if let Some(id) = seg.fast_fields().i64("id")?.first(addr.doc_id) {
                        ids.insert(id);
                    }
                }
                ids
            }
            None => HashSet::new(),
        });
        let sort = req.sort;
        // One pass over the matches counts, ranks and counts facets together; when the strict query finds
        // nothing (a cheap pass), the relaxed ones are tried in turn.
        let levels: &[Relaxed] =
            if req.query.is_empty() { &[Relaxed::No] } else { &[Relaxed::No, Relaxed::AllWords, Relaxed::AnyWord] };
        let mut found = (0, Vec::new(), None);
        let mut relaxed = Relaxed::No;
        for &level in levels {
            let query = self.full_query(req, level);
            let exact = Arc::clone(&exact);
            // Title matches rank above body matches: the title-only query is walked beside the
            // matches (both in document order) to tell which titles hold the query.
            let title: Option<Arc<dyn Weight>> = match (sort, self.title_query(&req.query, level)) {
                (Sort::Relevance, Some(q)) => {
                    Some(Arc::from(q.weight(EnableScoring::disabled_from_searcher(&searcher))?))
                }
                _ => None,
            };
            let top = TopDocs::with_limit(limit).and_offset(req.offset.min(100_000)).tweak_score(
                move |seg: &SegmentReader| {
                    let ff = seg.fast_fields();
                    let ids = ff.i64("id").ok();
                    let dates = ff.i64("published_on").ok();
                    let current = ff.u64("current").ok();
                    let exact = Arc::clone(&exact);
                    let in_title = RefCell::new(title.as_ref().and_then(|w| w.scorer(seg, 1.0).ok()));
                    move |doc: DocId, score: Score| {
                        let id = ids.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
                        let date = dates.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
                        let cur = current.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
                        let title_hit = in_title.borrow_mut().as_mut().is_some_and(|t| {
                            // Documents arrive in increasing order, so the title scorer only moves forward.
                            let at = if t.doc() < doc { t.seek(doc) } else { t.doc() };
                            at == doc
                        });
                        let tier = if exact.contains(&id) { 2 } else { u8::from(title_hit) };
                        let q = (f64::from(score) * 100.0).round() as i64;
                        match sort {
                            Sort::Relevance => RankKey(tier, q, cur, date, score),
                            Sort::Newest => RankKey(0, date, 0, q, score),
                            Sort::Oldest => RankKey(0, -date, 0, q, score),
                        }
                    }
                },
            );
            let facets = req.facets.then_some(FacetCollector);
            found = searcher.search(&*query, &(Count, top, facets))?;
            relaxed = level;
            if found.0 > 0 {
                break;
            }
        }
        let (total, ranked, facet_counts) = found;
        if total == 0 {
            relaxed = Relaxed::No;
        }
        let marker = snippet::Highlighter::for_query(&req.query);
        let mut hits = Vec::with_capacity(ranked.len());
        for (key, addr) in ranked {
            let doc: TantivyDocument = searcher.doc(addr)?;
            hits.push(self.hit(&doc, &marker, key.4));
        }
        let facets = facet_counts.map(facet_lists).unwrap_or_default();
        Ok(SearchResults { total, hits, facets, relaxed })
    }

    fn hit(&self, doc: &TantivyDocument, marker: &snippet::Highlighter, score: f32) -> Hit {
        let text = |f: Field| doc.get_first(f).and_then(|v| v.as_str()).map(str::to_owned);
        let title = text(self.f.title).unwrap_or_default();
        let body = doc.get_first(self.f.body).and_then(|v| v.as_str()).unwrap_or_default();
        Hit {
            id: doc.get_first(self.f.id).and_then(|v| v.as_i64()).unwrap_or(0),
            entry: Entry::parse(text(self.f.entry).as_deref().unwrap_or_default()),
            kind: text(self.f.kind).unwrap_or_default(),
            external_id: text(self.f.external_id),
            index_no: text(self.f.index_no).unwrap_or_default(),
            title_marked: marker.mark_all(&title),
            title,
            doc_number: text(self.f.doc_number),
            issuer: text(self.f.issuer).unwrap_or_default(),
            published_on: doc.get_first(self.f.published_on).and_then(|v| v.as_i64()).and_then(from_day_number),
            validity: text(self.f.validity).unwrap_or_default(),
            state: text(self.f.state).unwrap_or_default(),
            snippet: marker.best_fragment(body, 120),
            score,
        }
    }

    /// Public titles containing `prefix`, for as-you-type suggestions.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Suggestion>, SearchError> {
        let text = prepare(prefix);
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 50 {
            return Ok(Vec::new());
        }
        let Some(sub) = self.substring(self.f.title_bi, text) else { return Ok(Vec::new()) };
        let q = BooleanQuery::new(vec![(Occur::Must, self.visibility(&Audience::Public)), (Occur::Must, sub)]);
        let searcher = self.reader.searcher();
        let top = TopDocs::with_limit(limit.clamp(1, 20)).tweak_score(|seg: &SegmentReader| {
            let dates = seg.fast_fields().i64("published_on").ok();
            let current = seg.fast_fields().u64("current").ok();
            move |doc: DocId, score: Score| {
                let date = dates.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
                let cur = current.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
                RankKey(0, (f64::from(score) * 10.0).round() as i64, cur, date, score)
            }
        });
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for (_, addr) in searcher.search(&q, &top)? {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let id = doc.get_first(self.f.id).and_then(|v| v.as_i64()).unwrap_or(0);
            let title = doc.get_first(self.f.title).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            if seen.insert(id) {
                out.push(Suggestion { id, title });
            }
        }
        Ok(out)
    }
}

/// The facet lists of a search: each facet's values by count (then name), at most 50 each.
fn facet_lists(counts: Vec<HashMap<String, u64>>) -> Vec<Facet> {
    FACETS
        .iter()
        .zip(counts)
        .map(|(name, m)| {
            let mut values: Vec<(String, u64)> = m.into_iter().collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            values.truncate(50);
            Facet { name, values }
        })
        .collect()
}

/// Sort key: (tier — 2 an exact title or 发文字号, 1 a title holding the query, 0 the rest —, rounded score
/// or date, current, date or score, raw score).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
struct RankKey(u8, i64, u64, i64, f32);

/// Counts facet values over every matching document.
struct FacetCollector;

struct FacetSegment {
    cols: Vec<Option<StrColumn>>,
    /// Per facet, a count per term ordinal of the segment's dictionary.
    counts: Vec<Vec<u64>>,
}

impl Collector for FacetCollector {
    type Fruit = Vec<HashMap<String, u64>>;
    type Child = FacetSegment;

    fn for_segment(&self, _ord: u32, seg: &SegmentReader) -> tantivy::Result<FacetSegment> {
        let mut cols = Vec::new();
        let mut counts = Vec::new();
        for name in FACETS {
            let col = seg.fast_fields().str(name)?;
            counts.push(vec![0; col.as_ref().map_or(0, |c| c.num_terms())]);
            cols.push(col);
        }
        Ok(FacetSegment { cols, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<HashMap<String, u64>>>) -> tantivy::Result<Self::Fruit> {
        let mut out = vec![HashMap::new(); FACETS.len()];
        for fruit in fruits {
            for (i, m) in fruit.into_iter().enumerate() {
                for (k, v) in m {
                    *out[i].entry(k).or_insert(0) += v;
                }
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = Vec<HashMap<String, u64>>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (col, counts) in self.cols.iter().zip(&mut self.counts) {
            if let Some(col) = col {
                for ord in col.term_ords(doc) {
                    if let Some(n) = usize::try_from(ord).ok().and_then(|o| counts.get_mut(o)) {
                        *n += 1;
                    }
                }
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut out = Vec::with_capacity(self.cols.len());
        for (col, counts) in self.cols.iter().zip(self.counts) {
            let mut m = HashMap::new();
            if let Some(col) = col {
                let mut buf = String::new();
                for (ord, n) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                    buf.clear();
                    if col.ord_to_str(ord as u64, &mut buf).unwrap_or(false) {
                        m.insert(buf.clone(), n);
                    }
                }
            }
            out.push(m);
        }
        out
    }
}

/// The search root: generation directories and the `CURRENT` pointer, with the live index
/// swappable at run time (after `gongkai reindex`).
#[derive(Debug)]
pub struct SearchHome {
    root: PathBuf,
    opts: WriterOptions,
    live: RwLock<Arc<SearchIndex>>,
    live_name: RwLock<String>,
}

const CURRENT: &str = "CURRENT";

fn read_current(root: &Path) -> Result<Option<String>, SearchError> {
    let p = root.join(CURRENT);
    match std::fs::read_to_string(&p) {
        Ok(s) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty() && !s.contains('/') && !s.contains(".."))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SearchError::Io { path: p, source: e }),
    }
}

fn write_current(root: &Path, name: &str) -> Result<(), SearchError> {
    let tmp = root.join("CURRENT.tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(name.as_bytes()).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
    }
    let cur = root.join(CURRENT);
    std::fs::rename(&tmp, &cur).map_err(io_err(&cur))?;
    if let Ok(d) = std::fs::File::open(root) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn new_generation_name() -> String {
    let now = chrono::Utc::now();
    format!("gen-{}-{}", now.format("%Y%m%dT%H%M%S%.3f"), std::process::id())
}

impl SearchHome {
    /// Opens the live generation under `root`, creating an empty first generation when there
    /// is none (it then catches up from the start of the change log).
    pub fn open(root: &Path, opts: WriterOptions) -> Result<SearchHome, SearchError> {
        std::fs::create_dir_all(root).map_err(io_err(root))?;
        let name = match read_current(root)? {
            Some(n) if root.join(&n).is_dir() => n,
            _ => {
                let n = new_generation_name();
                SearchIndex::open_dir(&root.join(&n), opts)?;
                write_current(root, &n)?;
                n
            }
        };
        let (name, index) = match SearchIndex::open_dir(&root.join(&name), opts) {
            Ok(i) => (name, i),
            // Another process holds this index: never work around it.
            Err(e @ SearchError::Tantivy(tantivy::TantivyError::LockFailure(..))) => return Err(e),
            // Unreadable or from another schema: the index is derived data, so start a fresh generation,
            // which the indexer fills from the start of the change log.
            Err(e) => {
                tracing::warn!(error = %e, generation = %name, "search index unusable; starting a fresh generation");
                let fresh = new_generation_name();
                let index = SearchIndex::open_dir(&root.join(&fresh), opts)?;
                write_current(root, &fresh)?;
                (fresh, index)
            }
        };
        Ok(SearchHome { root: root.to_owned(), opts, live: RwLock::new(Arc::new(index)), live_name: RwLock::new(name) })
    }

    /// The live index.
    pub fn index(&self) -> Arc<SearchIndex> {
        match self.live.read() {
            Ok(g) => Arc::clone(&g),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    /// Switches to the generation `CURRENT` names, if another process (reindex) changed it.
    /// Returns whether it switched.
    pub fn refresh(&self) -> Result<bool, SearchError> {
        let Some(name) = read_current(&self.root)? else { return Ok(false) };
        let same = self.live_name.read().map(|n| *n == name).unwrap_or(false);
        if same {
            return Ok(false);
        }
        // Release our writer on the old generation before opening the new one.
        let index = SearchIndex::open_dir(&self.root.join(&name), self.opts)?;
        if let Ok(mut live) = self.live.write() {
            *live = Arc::new(index);
        }
        if let Ok(mut n) = self.live_name.write() {
            *n = name;
        }
        Ok(true)
    }

    /// Starts a new generation beside the live one.
    pub fn begin_rebuild(&self) -> Result<Rebuild, SearchError> {
        Rebuild::begin(&self.root, self.opts)
    }

    /// The search root.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// A generation being built; [`Rebuild::finish`] makes it live atomically.
#[derive(Debug)]
pub struct Rebuild {
    root: PathBuf,
    name: String,
    index: SearchIndex,
}

impl Rebuild {
    /// Starts a new generation under `root` without opening the live one (the CLI's path).
    pub fn begin(root: &Path, opts: WriterOptions) -> Result<Rebuild, SearchError> {
        std::fs::create_dir_all(root).map_err(io_err(root))?;
        let name = new_generation_name();
        let index = SearchIndex::open_dir(&root.join(&name), opts)?;
        Ok(Rebuild { root: root.to_owned(), name, index })
    }

    pub fn add(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        self.index.add(docs)
    }

    /// Commits at `position`, points `CURRENT` at the new generation and removes older ones.
    pub fn finish(self, position: &Position) -> Result<PathBuf, SearchError> {
        self.index.commit(position)?;
        let dir = self.index.dir().to_owned();
        drop(self.index);
        write_current(&self.root, &self.name)?;
        if let Ok(rd) = std::fs::read_dir(&self.root) {
            for e in rd.flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                if n.starts_with("gen-") && n != self.name {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        Ok(dir)
    }
}
