//! The search feed: change-log reads for the indexer, the current content of changed documents,
//! and the anonymised search log (热门搜索).

use std::collections::HashMap;

use chrono::NaiveDate;
use gongkai_domain::document::{Document, Edition};

use crate::documents::{DOC_COLS, DocRow, ED_COLS, EdRow};
use crate::{Store, StoreError, on_pool};

/// What the indexer needs of one document, read in one go.
#[derive(Debug, Clone)]
pub struct SearchSource {
    pub doc: Document,
    pub published: Option<Edition>,
    pub open: Option<Edition>,
    /// Joint issuing organisations (besides the owner).
    pub joint_org_ids: Vec<i64>,
}

/// A comma-separated list of integers for an `IN (…)`: built from `i64`s only, so it cannot
/// carry SQL.
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl Store {
    /// Change-log rows with the given sequence numbers that exist now: (seq, document id).
    pub async fn search_changes_in(&self, seqs: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut out = Vec::new();
        for chunk in seqs.chunks(500) {
            let sql =
                format!("SELECT seq, document_id FROM search_changes WHERE seq IN ({}) ORDER BY seq", id_list(chunk));
            let rows: Vec<(i64, i64)> =
                on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?);
            out.extend(rows);
        }
        Ok(out)
    }

    /// The highest sequence number in the change log (0 when empty).
    pub async fn search_latest_seq(&self) -> Result<i64, StoreError> {
        on_pool!(self, |p| {
            let (n,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM search_changes").fetch_one(p).await?;
            Ok(n)
        })
    }

    /// Sequence numbers in `(from, to]` that are in the change log, ascending.
    pub async fn search_seqs_between(&self, from: i64, to: i64) -> Result<Vec<i64>, StoreError> {
        on_pool!(self, |p| {
            let rows: Vec<(i64,)> =
                sqlx::query_as("SELECT seq FROM search_changes WHERE seq > $1 AND seq <= $2 ORDER BY seq")
                    .bind(from)
                    .bind(to)
                    .fetch_all(p)
                    .await?;
            Ok(rows.into_iter().map(|r| r.0).collect())
        })
    }

    /// The current content of the given documents (missing ids are simply absent).
    pub async fn search_sources(&self, ids: &[i64]) -> Result<Vec<SearchSource>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let list = id_list(chunk);
            let sql = format!("SELECT {DOC_COLS} FROM documents d WHERE d.id IN ({list}) ORDER BY d.id");
            let rows: Vec<DocRow> = on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?);
            let docs: Vec<Document> = rows.into_iter().map(DocRow::into_doc).collect::<Result<_, _>>()?;
            let version_ids: Vec<i64> =
                docs.iter().flat_map(|d| [d.published_version_id, d.open_version_id]).flatten().collect();
            let mut editions: HashMap<i64, Edition> = HashMap::new();
            if !version_ids.is_empty() {
                let sql = format!("SELECT {ED_COLS} FROM document_versions WHERE id IN ({})", id_list(&version_ids));
                let rows: Vec<EdRow> =
                    on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?);
                for r in rows {
                    let e = r.into_edition()?;
                    editions.insert(e.id, e);
                }
            }
            let sql = format!("SELECT document_id, org_id FROM document_orgs WHERE document_id IN ({list})");
            let pairs: Vec<(i64, i64)> =
                on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?);
            let mut joint: HashMap<i64, Vec<i64>> = HashMap::new();
            for (d, o) in pairs {
                joint.entry(d).or_default().push(o);
            }
            for doc in docs {
                let published = doc.published_version_id.and_then(|v| editions.get(&v).cloned());
                let open = doc.open_version_id.and_then(|v| editions.get(&v).cloned());
                let joint_org_ids = joint.remove(&doc.id).unwrap_or_default();
                out.push(SearchSource { doc, published, open, joint_org_ids });
            }
        }
        Ok(out)
    }

    /// Records which clients (keyed hashes) searched which queries on `day`; a client counts
    /// once per query and day. Rows before `keep_from` are deleted in the same transaction.
    pub async fn record_search_clients(
        &self,
        day: NaiveDate,
        pairs: &[(String, String)],
        keep_from: NaiveDate,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for (query, client) in pairs {
            crate::on_tx!(tx, |c| {
                sqlx::query(
                    "INSERT INTO search_term_clients (day, query, client) VALUES ($1, $2, $3) \
                     ON CONFLICT (day, query, client) DO NOTHING",
                )
                .bind(day)
                .bind(query)
                .bind(client)
                .execute(c)
                .await?;
            });
        }
        crate::on_tx!(tx, |c| {
            sqlx::query("DELETE FROM search_term_clients WHERE day < $1").bind(keep_from).execute(c).await?;
        });
        tx.commit().await
    }

    /// The key of `day` for hashing client addresses: made from `fresh` when the day has none yet
    /// (several nodes agree on the first one written); keys of earlier days are deleted.
    pub async fn search_client_key(&self, day: NaiveDate, fresh: &str) -> Result<String, StoreError> {
        let mut tx = self.begin().await?;
        let key: String = crate::on_tx!(tx, |c| {
            sqlx::query("INSERT INTO search_client_keys (day, secret) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING")
                .bind(day)
                .bind(fresh)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM search_client_keys WHERE day < $1").bind(day).execute(&mut *c).await?;
            sqlx::query_scalar("SELECT secret FROM search_client_keys WHERE day = $1")
                .bind(day)
                .fetch_one(&mut *c)
                .await?
        });
        tx.commit().await?;
        Ok(key)
    }

    /// The queries searched by the most distinct clients since `since` (a client counts once per
    /// query and day), those with at least `min_clients`.
    pub async fn top_search_terms(
        &self,
        since: NaiveDate,
        min_clients: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as(
                "SELECT query, CAST(COUNT(*) AS BIGINT) AS n FROM search_term_clients WHERE day >= $1 \
                 GROUP BY query HAVING COUNT(*) >= $2 ORDER BY n DESC, query LIMIT $3",
            )
            .bind(since)
            .bind(min_clients)
            .bind(limit)
            .fetch_all(p)
            .await?)
        })
    }
}
