//! Search use cases (全文检索): feeding the index from the change log, searching for the public
//! and for staff, suggestions, and the anonymised 热门搜索 log.
//!
//! # Consistency
//! The database is the source of truth. Every change to searchable content appends a row to
//! `search_changes` in the same transaction. [`Service::sync_search`] reads the log after the
//! index's stored [`Position`], re-reads the current content of the changed documents and
//! commits it to the index together with the new position, in one Tantivy commit. A crash at any
//! moment leaves the last commit and its position intact, so the next sync redoes at most one
//! batch, and redoing is harmless (entries are replaced, never appended twice).
//!
//! PostgreSQL hands out sequence numbers at insert time, so a transaction holding seq 6 can
//! commit after one holding seq 7. The indexer records every skipped number as a gap and looks
//! for it again on every sync; a gap is given up only after `gap_grace` (a rolled-back
//! transaction leaves a permanent one), with a warning.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDate};
use gongkai_domain::document::{DocClass, Document, Edition, EditionState, Validity};
use gongkai_domain::org::Org;
use gongkai_domain::role::Role;
use gongkai_search::{
    Audience, Entry, Filters, Gap, Position, Rebuild, SearchDoc, SearchHome, SearchIndex, SearchRequest, SearchResults,
    Sort, Suggestion, WriterOptions,
};
use gongkai_store::SearchSource;

use crate::documents::china_date;
use crate::{Actor, Ctx, Service, ServiceError};

/// Search settings.
#[derive(Debug, Clone)]
pub struct SearchConfig {
    /// How long a missing change-log sequence number is waited for before it is given up.
    pub gap_grace_ms: i64,
    /// Changes applied per index commit.
    pub batch: i64,
    pub writer: WriterOptions,
    /// A query enters 热门搜索 only after this many searches in the window (k-anonymity).
    pub hot_min_count: i64,
    pub hot_days: i64,
    pub hot_limit: i64,
    /// Searches run at the same time (0 = one per CPU); the rest wait their turn, first come first
    /// served. With more, the CPUs time-slice them and a heavy search takes many times its own
    /// time; with one per CPU each runs at full speed once started.
    pub max_concurrent: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            gap_grace_ms: 10 * 60_000,
            batch: 2000,
            writer: WriterOptions::default(),
            hot_min_count: 3,
            hot_days: 30,
            hot_limit: 10,
            max_concurrent: 0,
        }
    }
}

/// 热门搜索 cached: (computed at ms, (query, count) pairs).
type HotCache = (i64, Vec<(String, i64)>);

/// Distinct clients kept in memory per query between flushes; more add nothing to a list shown
/// above a small threshold.
const CLIENTS_PER_QUERY: usize = 1_000;

/// The search side of a service: the index home and in-memory state.
pub(crate) struct SearchState {
    home: SearchHome,
    cfg: SearchConfig,
    sync: tokio::sync::Mutex<()>,
    /// Distinct clients (keyed hashes) per public query since the last flush.
    log: Mutex<HashMap<String, HashSet<String>>>,
    hot: Mutex<Option<HotCache>>,
    /// The day's key for hashing client addresses (see [`Service::client_key`]).
    day_key: tokio::sync::Mutex<Option<(NaiveDate, Vec<u8>)>>,
    /// Admits `max_concurrent` searches at a time (a fair, first-come queue).
    gate: tokio::sync::Semaphore,
}

/// Where the index stands against the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SearchStatus {
    pub applied: i64,
    pub latest: i64,
    pub gaps: usize,
    pub entries: u64,
}

impl SearchStatus {
    /// Changes in the log not yet in the index.
    pub fn lag(&self) -> i64 {
        (self.latest - self.applied).max(0)
    }
}

/// Filters as a caller gives them (codes and keys, validated here).
#[derive(Debug, Clone, Default)]
pub struct SearchInput {
    pub q: String,
    pub org: Option<String>,
    pub issuer: Option<String>,
    pub topic: Option<String>,
    pub genre: Option<String>,
    pub class: Option<String>,
    pub validity: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub sort: Option<String>,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
}

/// A page of search results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub results: SearchResults,
    pub page: usize,
    pub per_page: usize,
    pub sort: Sort,
}

/// Every path prefix of a materialised path: `/1/4/` → `/1/`, `/1/4/`.
fn path_prefixes(path: &str, out: &mut Vec<String>) {
    let mut acc = String::from("/");
    for part in path.split('/').filter(|p| !p.is_empty()) {
        acc.push_str(part);
        acc.push('/');
        if !out.contains(&acc) {
            out.push(acc.clone());
        }
    }
}

fn entry_doc(entry: Entry, doc: &Document, ed: &Edition, org_paths: &[String], listing: bool) -> SearchDoc {
    let f = &ed.fields;
    // The public entry shows the listing (what the public pages show); a staff entry the edition.
    let (title, issuer, number, topic, genre, class) = if listing {
        (doc.title.clone(), doc.issuer.clone(), doc.doc_number.clone(), doc.topic.clone(), doc.genre.clone(), doc.class)
    } else {
        (
            f.title.clone(),
            f.issuer.clone(),
            f.doc_number.clone(),
            f.topic.clone(),
            f.genre.clone(),
            f.class.unwrap_or(doc.class),
        )
    };
    SearchDoc {
        id: doc.id,
        entry,
        kind: "document".into(),
        external_id: doc.external_id.clone(),
        index_no: doc.index_no.clone(),
        title,
        doc_number: number,
        issuer,
        body: f.body.clone(),
        org_paths: org_paths.to_vec(),
        topic,
        genre,
        class: class.key().into(),
        validity: doc.validity.key().into(),
        current: doc.validity.is_current(),
        published_on: if listing { doc.published_on } else { ed.published_on.or(doc.published_on) },
        state: ed.state.key().into(),
    }
}

/// The index entries a document has now: public when it is public and not withdrawn; staff
/// when an unpublished edition is open.
fn project(src: &SearchSource, orgs: &HashMap<i64, Org>) -> Vec<SearchDoc> {
    let mut paths = Vec::new();
    for id in std::iter::once(&src.doc.org_id).chain(src.joint_org_ids.iter()) {
        if let Some(o) = orgs.get(id) {
            path_prefixes(&o.path, &mut paths);
        }
    }
    let mut out = Vec::new();
    if src.doc.public && !src.doc.withdrawn {
        if let Some(ed) = &src.published {
            out.push(entry_doc(Entry::Public, &src.doc, ed, &paths, true));
        }
    }
    if let Some(ed) = &src.open {
        if ed.state != EditionState::Published && ed.state != EditionState::Withdrawn {
            // Staff see drafts of the owning organisation's subtree only.
            let mut owner = Vec::new();
            if let Some(o) = orgs.get(&src.doc.org_id) {
                path_prefixes(&o.path, &mut owner);
            }
            out.push(entry_doc(Entry::Staff, &src.doc, ed, &owner, false));
        }
    }
    out
}

/// The index entries of a Q&A item (kind `qa`, under the negative of its id): public while
/// published and not stale, a staff entry while drafted or in review.
fn project_qa(it: &gongkai_store::QaItem, orgs: &HashMap<i64, Org>) -> Vec<SearchDoc> {
    use gongkai_domain::qa::QaState;
    let mut paths = Vec::new();
    if let Some(o) = orgs.get(&it.org_id) {
        path_prefixes(&o.path, &mut paths);
    }
    let entry = match it.state {
        QaState::Published if !it.stale => Entry::Public,
        QaState::Draft | QaState::Review => Entry::Staff,
        QaState::Published => Entry::Staff,
        _ => return Vec::new(),
    };
    let issuer = orgs.get(&it.org_id).map(|o| o.name.clone()).unwrap_or_default();
    vec![SearchDoc {
        id: -it.id,
        entry,
        kind: "qa".into(),
        external_id: it.external_id.clone(),
        index_no: String::new(),
        title: it.fields.question.clone(),
        doc_number: None,
        issuer,
        body: it.fields.answer.clone(),
        org_paths: paths,
        topic: None,
        genre: None,
        class: "qa".into(),
        validity: Validity::InForce.key().into(),
        current: true,
        published_on: it.published_at_ms.map(china_date),
        state: it.state.key().into(),
    }]
}

impl Service {
    /// Index entries of the Q&A items among change-log ids (negative ids).
    async fn qa_entries(&self, ids: &[i64], orgs: &HashMap<i64, Org>) -> Result<Vec<SearchDoc>, ServiceError> {
        let mut out = Vec::new();
        for id in ids.iter().filter(|i| **i < 0) {
            if let Some(it) = self.store.qa_item(-id).await? {
                out.extend(project_qa(&it, orgs));
            }
        }
        Ok(out)
    }

    /// Every Q&A item's entries (rebuilds and consistency checks).
    async fn all_qa_entries(&self, orgs: &HashMap<i64, Org>) -> Result<Vec<SearchDoc>, ServiceError> {
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let (page, _) = self.store.qa_list(&gongkai_store::QaFilter::default(), 500, offset).await?;
            let n = page.len() as i64;
            out.extend(page.iter().flat_map(|it| project_qa(it, orgs)));
            if n < 500 {
                break;
            }
            offset += n;
        }
        Ok(out)
    }
}

const DOC_ROLES: [Role; 6] = [
    Role::Editor,
    Role::Signer,
    Role::ConfidentialityReviewer,
    Role::LegalReviewer,
    Role::Supervisor,
    Role::SystemAdmin,
];

impl Service {
    /// The same service with a search index.
    pub fn with_search(mut self, home: SearchHome, cfg: SearchConfig) -> Service {
        let slots = match cfg.max_concurrent {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        self.search = Some(Arc::new(SearchState {
            home,
            cfg,
            gate: tokio::sync::Semaphore::new(slots),
            sync: tokio::sync::Mutex::new(()),
            log: Mutex::new(HashMap::new()),
            hot: Mutex::new(None),
            day_key: tokio::sync::Mutex::new(None),
        }));
        self
    }

    fn search_state(&self) -> Result<&Arc<SearchState>, ServiceError> {
        self.search.as_ref().ok_or_else(|| ServiceError::Unavailable("全文检索未启用".into()))
    }

    /// Whether a search index is attached.
    pub fn has_search(&self) -> bool {
        self.search.is_some()
    }

    async fn org_map(&self) -> Result<HashMap<i64, Org>, ServiceError> {
        Ok(self.store.list_orgs(None).await?.into_iter().map(|o| (o.id, o)).collect())
    }

    /// Applies every pending change-log entry to the index. Returns how many changes were applied.
    pub async fn sync_search(&self) -> Result<usize, ServiceError> {
        let st = Arc::clone(self.search_state()?);
        let _guard = st.sync.lock().await;
        if st.home.refresh().map_err(search_err)? {
            tracing::info!("search index generation switched");
        }
        let index = st.home.index();
        let mut total = 0usize;
        let mut orgs: Option<HashMap<i64, Org>> = None;
        loop {
            let mut pos = index.position().map_err(search_err)?;
            let now = self.now_ms();
            let found = if pos.gaps.is_empty() {
                Vec::new()
            } else {
                let seqs: Vec<i64> = pos.gaps.iter().map(|g| g.seq).collect();
                self.store.search_changes_in(&seqs).await?
            };
            let changes = self.store.search_changes_after(pos.applied, st.cfg.batch.max(1)).await?;
            let before_gaps = pos.gaps.len();
            // Gaps seen now are applied below; old ones are given up.
            pos.gaps.retain(|g| !found.iter().any(|(s, _)| *s == g.seq));
            pos.gaps.retain(|g| {
                let keep = now - g.seen_ms < st.cfg.gap_grace_ms;
                if !keep {
                    tracing::warn!(
                        seq = g.seq,
                        "search change-log gap given up (rolled back or very long transaction)"
                    );
                }
                keep
            });
            let mut expected = pos.applied + 1;
            for (seq, _) in &changes {
                if *seq > expected && pos.gaps.len() < 100_000 {
                    for missing in expected..*seq {
                        pos.gaps.push(Gap { seq: missing, seen_ms: now });
                    }
                }
                expected = seq + 1;
            }
            if let Some((last, _)) = changes.last() {
                pos.applied = *last;
            }
            if changes.is_empty() && found.is_empty() {
                if pos.gaps.len() != before_gaps {
                    self.apply_search(&index, &[], &[], &pos).await?;
                }
                break;
            }
            let ids: Vec<i64> =
                changes.iter().chain(found.iter()).map(|(_, d)| *d).collect::<BTreeSet<_>>().into_iter().collect();
            let doc_ids: Vec<i64> = ids.iter().copied().filter(|i| *i > 0).collect();
            let sources = self.store.search_sources(&doc_ids).await?;
            let orgs = match &orgs {
                Some(o) => o,
                None => orgs.insert(self.org_map().await?),
            };
            let mut docs: Vec<SearchDoc> = sources.iter().flat_map(|s| project(s, orgs)).collect();
            docs.extend(self.qa_entries(&ids, orgs).await?);
            self.apply_search(&index, &ids, &docs, &pos).await?;
            total += changes.len() + found.len();
            if (changes.len() as i64) < st.cfg.batch.max(1) {
                break;
            }
        }
        Ok(total)
    }

    async fn apply_search(
        &self,
        index: &Arc<SearchIndex>,
        ids: &[i64],
        docs: &[SearchDoc],
        pos: &Position,
    ) -> Result<(), ServiceError> {
        let (index, ids, docs, pos) = (Arc::clone(index), ids.to_vec(), docs.to_vec(), pos.clone());
        tokio::task::spawn_blocking(move || index.apply(&ids, &docs, &pos))
            .await
            .map_err(|e| ServiceError::Internal(format!("search indexer task: {e}")))?
            .map_err(search_err)
    }

    /// Builds a new index generation from the database beside the live one and makes it live.
    /// Servers running on the same data directory switch to it on their next sync.
    pub async fn rebuild_search(&self, root: &std::path::Path, writer: WriterOptions) -> Result<usize, ServiceError> {
        // Remember where the log stands first: changes committed while we read are applied on top.
        let latest = self.store.search_latest_seq().await?;
        let now = self.now_ms();
        let window = 100_000;
        let present = self.store.search_seqs_between((latest - window).max(0), latest).await?;
        let mut gaps = Vec::new();
        let mut expected = (latest - window).max(0) + 1;
        for s in &present {
            for missing in expected..*s {
                gaps.push(Gap { seq: missing, seen_ms: now });
            }
            expected = s + 1;
        }
        // Old gaps below the window are long committed or rolled back; only recent ones matter.
        gaps.retain(|g| latest - g.seq < 10_000);
        let rebuild = Rebuild::begin(root, writer).map_err(search_err)?;
        let orgs = self.org_map().await?;
        let mut after = 0;
        let mut count = 0;
        loop {
            let docs = self.store.list_documents_by_id(after, 500).await?;
            let Some(last) = docs.last() else { break };
            after = last.id;
            let ids: Vec<i64> = docs.iter().map(|d| d.id).collect();
            let sources = self.store.search_sources(&ids).await?;
            let entries: Vec<SearchDoc> = sources.iter().flat_map(|s| project(s, &orgs)).collect();
            count += entries.len();
            rebuild.add(&entries).map_err(search_err)?;
        }
        let qa = self.all_qa_entries(&orgs).await?;
        count += qa.len();
        rebuild.add(&qa).map_err(search_err)?;
        let pos = Position { applied: latest, gaps };
        tokio::task::spawn_blocking(move || rebuild.finish(&pos))
            .await
            .map_err(|e| ServiceError::Internal(format!("search rebuild task: {e}")))?
            .map_err(search_err)?;
        Ok(count)
    }

    /// Where the index stands.
    pub async fn search_status(&self) -> Result<SearchStatus, ServiceError> {
        let st = self.search_state()?;
        let index = st.home.index();
        let pos = index.position().map_err(search_err)?;
        let latest = self.store.search_latest_seq().await?;
        Ok(SearchStatus { applied: pos.applied, latest, gaps: pos.gaps.len(), entries: index.num_entries() })
    }

    /// Every (document id, entry) the index holds, for consistency checks.
    pub fn search_entries(&self) -> Result<Vec<(i64, Entry)>, ServiceError> {
        self.search_state()?.home.index().entries().map_err(search_err)
    }

    /// Every (document id, entry) the database says the index should hold.
    pub async fn expected_search_entries(&self) -> Result<Vec<(i64, Entry)>, ServiceError> {
        let orgs = self.org_map().await?;
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let docs = self.store.list_documents_by_id(after, 500).await?;
            let Some(last) = docs.last() else { break };
            after = last.id;
            let ids: Vec<i64> = docs.iter().map(|d| d.id).collect();
            for s in self.store.search_sources(&ids).await? {
                out.extend(project(&s, &orgs).into_iter().map(|d| (d.id, d.entry)));
            }
        }
        out.extend(self.all_qa_entries(&orgs).await?.into_iter().map(|d| (d.id, d.entry)));
        out.sort_by_key(|(id, e)| (*id, *e == Entry::Staff));
        Ok(out)
    }

    fn staff_scopes(ctx: &Ctx) -> Result<Option<Vec<String>>, ServiceError> {
        match &ctx.actor {
            Actor::System => Ok(Some(vec!["/".into()])),
            Actor::User(u) => {
                Ok(Some(u.grants.iter().filter(|g| DOC_ROLES.contains(&g.role)).map(|g| g.org_path.clone()).collect()))
            }
            Actor::Anonymous => Ok(None),
        }
    }

    /// Searches. `staff = true` adds unpublished editions the caller has rights on.
    pub async fn search(&self, ctx: &Ctx, input: &SearchInput, staff: bool) -> Result<SearchPage, ServiceError> {
        let st = Arc::clone(self.search_state()?);
        let query = gongkai_search::parse_query(&input.q).map_err(|e| ServiceError::invalid("q", e.to_string()))?;
        let sort = Sort::parse(input.sort.as_deref().unwrap_or("").trim())
            .ok_or_else(|| ServiceError::invalid("sort", "排序方式只能是 relevance、newest 或 oldest"))?;
        let mut filters = Filters::default();
        if let Some(code) = input.org.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let org = self
                .store
                .org_by_code(code)
                .await?
                .ok_or_else(|| ServiceError::invalid("org", format!("没有代码为“{code}”的机构")))?;
            filters.org_path = Some(org.path);
        }
        if let Some(c) = input.class.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // `qa` (政策问答) is the class facet of Q&A entries.
            let class = if c == "qa" || c == "政策问答" {
                "qa"
            } else {
                DocClass::parse(c).ok_or_else(|| ServiceError::invalid("class", format!("未知的文件类别“{c}”")))?.key()
            };
            filters.class = Some(class.into());
        }
        if let Some(v) = input.validity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let validity =
                Validity::parse(v).ok_or_else(|| ServiceError::invalid("validity", format!("未知的效力状态“{v}”")))?;
            filters.validity = Some(validity.key().into());
        }
        let clean = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        filters.issuer = clean(&input.issuer);
        filters.topic = clean(&input.topic);
        filters.genre = clean(&input.genre);
        if let (Some(a), Some(b)) = (input.from, input.to) {
            if a > b {
                return Err(ServiceError::invalid("from", "起始日期晚于截止日期"));
            }
        }
        filters.from = input.from;
        filters.to = input.to;
        let audience = if staff {
            match Self::staff_scopes(ctx)? {
                Some(paths) if !paths.is_empty() => Audience::Staff(paths),
                _ => return Err(ServiceError::forbidden()),
            }
        } else {
            Audience::Public
        };
        let per_page = input.per_page.clamp(1, 50);
        let page = input.page.clamp(1, 1000);
        let req = SearchRequest {
            query: query.clone(),
            filters,
            sort,
            offset: (page - 1) * per_page,
            limit: per_page,
            audience: audience.clone(),
            facets: true,
        };
        let index = st.home.index();
        let _turn = st.gate.acquire().await.map_err(|e| ServiceError::Internal(format!("search gate: {e}")))?;
        let results = tokio::task::spawn_blocking(move || index.search(&req))
            .await
            .map_err(|e| ServiceError::Internal(format!("search task: {e}")))?
            .map_err(search_err)?;
        if audience == Audience::Public && results.total > 0 && page == 1 {
            let q = query.must.join(" ");
            if !q.is_empty() && q.chars().count() <= 30 {
                let client = self.client_key(&st, ctx).await?;
                if let Ok(mut log) = st.log.lock() {
                    if log.len() < 100_000 || log.contains_key(&q) {
                        let clients = log.entry(q).or_default();
                        if clients.len() < CLIENTS_PER_QUERY {
                            clients.insert(client);
                        }
                    }
                }
            }
        }
        Ok(SearchPage { results, page, per_page, sort })
    }

    /// Public title suggestions for as-you-type.
    pub async fn suggest(&self, q: &str, limit: usize) -> Result<Vec<Suggestion>, ServiceError> {
        let st = self.search_state()?;
        let index = st.home.index();
        let q = q.to_owned();
        let _turn = st.gate.acquire().await.map_err(|e| ServiceError::Internal(format!("search gate: {e}")))?;
        tokio::task::spawn_blocking(move || index.suggest(&q, limit))
            .await
            .map_err(|e| ServiceError::Internal(format!("suggest task: {e}")))?
            .map_err(search_err)
    }

    /// The client of a public search as a keyed hash of its address: HMAC-SHA256 under the
    /// day's key (shared by every node through the database, replaced every day, the old one
    /// deleted), first 16 bytes in hex. The address itself is never kept.
    async fn client_key(&self, st: &SearchState, ctx: &Ctx) -> Result<String, ServiceError> {
        use hmac::{Hmac, KeyInit, Mac};
        let day = china_date(self.now_ms());
        let key = {
            let mut cached = st.day_key.lock().await;
            match cached.as_ref() {
                Some((d, k)) if *d == day => k.clone(),
                _ => {
                    let fresh = data_encoding::HEXLOWER.encode(&crate::secret::random_bytes(32)?);
                    let stored = self.store.search_client_key(day, &fresh).await?;
                    let k = data_encoding::HEXLOWER
                        .decode(stored.as_bytes())
                        .map_err(|e| ServiceError::Internal(format!("search client key: {e}")))?;
                    *cached = Some((day, k.clone()));
                    k
                }
            }
        };
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&key)
            .map_err(|e| ServiceError::Internal(format!("search client key: {e}")))?;
        mac.update(ctx.ip.as_deref().unwrap_or("-").as_bytes());
        Ok(data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes()[..16]))
    }

    /// Writes the in-memory (query, client) pairs to the database (called periodically).
    pub async fn flush_search_log(&self) -> Result<(), ServiceError> {
        let Some(st) = self.search.as_ref() else { return Ok(()) };
        let drained: Vec<(String, HashSet<String>)> = match st.log.lock() {
            Ok(mut log) => log.drain().collect(),
            Err(_) => return Ok(()),
        };
        if drained.is_empty() {
            return Ok(());
        }
        let day = china_date(self.now_ms());
        let pairs: Vec<(String, String)> =
            drained.iter().flat_map(|(q, cs)| cs.iter().map(move |c| (q.clone(), c.clone()))).collect();
        let keep_from = day - Duration::days(st.cfg.hot_days.max(1));
        self.store.record_search_clients(day, &pairs, keep_from).await?;
        Ok(())
    }

    /// 热门搜索: queries searched by at least `hot_min_count` distinct clients (each counted once
    /// per day) in the last `hot_days` days, without any that the screening word lists or the
    /// personal-data rules flag (cached for a minute). One client repeating a query cannot put
    /// it on the list.
    pub async fn hot_searches(&self) -> Result<Vec<(String, i64)>, ServiceError> {
        let Some(st) = self.search.as_ref() else { return Ok(Vec::new()) };
        let now = self.now_ms();
        if let Ok(cache) = st.hot.lock() {
            if let Some((at, v)) = cache.as_ref() {
                if now - at < 60_000 {
                    return Ok(v.clone());
                }
            }
        }
        let since = china_date(now) - Duration::days(st.cfg.hot_days.max(1));
        let limit = st.cfg.hot_limit.clamp(1, 50);
        // Ask for more than are shown, so that screened-out queries leave no gap.
        let candidates = self.store.top_search_terms(since, st.cfg.hot_min_count.max(1), limit * 3).await?;
        let screener = self.screener();
        let v: Vec<(String, i64)> =
            candidates.into_iter().filter(|(q, _)| screener.screen(q).is_empty()).take(limit as usize).collect();
        if let Ok(mut cache) = st.hot.lock() {
            *cache = Some((now, v.clone()));
        }
        Ok(v)
    }
}

fn search_err(e: gongkai_search::SearchError) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::path_prefixes;

    #[test]
    fn prefixes() {
        let mut v = Vec::new();
        path_prefixes("/1/4/9/", &mut v);
        path_prefixes("/1/5/", &mut v);
        assert_eq!(v, vec!["/1/", "/1/4/", "/1/4/9/", "/1/5/"]);
    }
}
