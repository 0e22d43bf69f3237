//! The policy Q&A knowledge base (政策咨询问答库): items, their sources (document and article
//! anchor), stale flags and the delta reads of the 12345 export.

use chrono::NaiveDate;
use gongkai_domain::qa::{QaFields, QaState};

use crate::{Store, StoreError, Tx, on_pool, on_tx};

/// A stored Q&A item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaItem {
    pub id: i64,
    pub external_id: Option<String>,
    pub org_id: i64,
    pub state: QaState,
    pub stale: bool,
    pub stale_reason: Option<String>,
    /// The item's fields; `sources` is empty here (see [`QaItem::sources`]).
    pub fields: QaFields,
    /// (document id, title, article anchor or "").
    pub sources: Vec<(i64, String, String)>,
    pub views: i64,
    pub author_id: Option<i64>,
    pub approver_id: Option<i64>,
    pub state_reason: Option<String>,
    pub published_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

#[derive(sqlx::FromRow)]
struct QaRow {
    id: i64,
    external_id: Option<String>,
    org_id: i64,
    state: String,
    stale: bool,
    stale_reason: Option<String>,
    question: String,
    answer: String,
    category: Option<String>,
    tags: String,
    audience: Option<String>,
    region: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    views: i64,
    author_id: Option<i64>,
    approver_id: Option<i64>,
    state_reason: Option<String>,
    published_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl QaRow {
    fn into_item(self) -> Result<QaItem, StoreError> {
        Ok(QaItem {
            id: self.id,
            external_id: self.external_id,
            org_id: self.org_id,
            state: QaState::parse(&self.state)
                .ok_or_else(|| StoreError::Other(format!("qa_items.state has an unknown value “{}”", self.state)))?,
            stale: self.stale,
            stale_reason: self.stale_reason,
            fields: QaFields {
                question: self.question,
                answer: self.answer,
                category: self.category,
                tags: self.tags.split('\n').filter(|t| !t.is_empty()).map(str::to_owned).collect(),
                audience: self.audience,
                region: self.region,
                valid_from: self.valid_from,
                valid_to: self.valid_to,
                sources: Vec::new(),
            },
            sources: Vec::new(),
            views: self.views,
            author_id: self.author_id,
            approver_id: self.approver_id,
            state_reason: self.state_reason,
            published_at_ms: self.published_at,
            created_at_ms: self.created_at,
            updated_at_ms: self.updated_at,
        })
    }
}

const QA_COLS: &str = "q.id, q.external_id, q.org_id, q.state, q.stale, q.stale_reason, q.question, q.answer, q.category, \
     q.tags, q.audience, q.region, q.valid_from, q.valid_to, q.views, q.author_id, q.approver_id, q.state_reason, \
     q.published_at, q.created_at, q.updated_at";

/// Which items a list reads.
#[derive(Debug, Clone, Default)]
pub struct QaFilter {
    /// Published, not stale, valid on this date: what the public sees.
    pub public_on: Option<NaiveDate>,
    /// Items citing this document.
    pub document_id: Option<i64>,
    /// Items of organisations under this path.
    pub org_path: Option<String>,
    /// Changed at or after (ms): the delta export.
    pub since_ms: Option<i64>,
    /// Most viewed first (热点问题) instead of newest first.
    pub hot: bool,
    /// Only items flagged stale.
    pub stale_only: bool,
}

fn tags_text(f: &QaFields) -> String {
    f.tags.join("\n")
}

async fn attach_sources(store: &Store, mut items: Vec<QaItem>) -> Result<Vec<QaItem>, StoreError> {
    for it in &mut items {
        let rows: Vec<(i64, String, String)> = on_pool!(store, |p| {
            sqlx::query_as(
                "SELECT s.document_id, d.title, s.anchor FROM qa_sources s JOIN documents d ON d.id = s.document_id \
                 WHERE s.qa_id = $1 ORDER BY s.document_id, s.anchor",
            )
            .bind(it.id)
            .fetch_all(p)
            .await?
        });
        it.sources = rows;
    }
    Ok(items)
}

impl Store {
    pub async fn qa_item(&self, id: i64) -> Result<Option<QaItem>, StoreError> {
        let row: Option<QaRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {QA_COLS} FROM qa_items q WHERE q.id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        let Some(r) = row else { return Ok(None) };
        Ok(attach_sources(self, vec![r.into_item()?]).await?.pop())
    }

    pub async fn qa_by_external_id(&self, external_id: &str) -> Result<Option<QaItem>, StoreError> {
        let row: Option<(i64,)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT id FROM qa_items WHERE external_id = $1").bind(external_id).fetch_optional(p).await?
        });
        match row {
            Some((id,)) => self.qa_item(id).await,
            None => Ok(None),
        }
    }

    /// A page of items and the total, newest (or most viewed) first.
    pub async fn qa_list(&self, f: &QaFilter, limit: i64, offset: i64) -> Result<(Vec<QaItem>, i64), StoreError> {
        let mut where_ = String::from(
            "WHERE ($1 IS NULL OR (q.state = 'published' AND NOT q.stale \
             AND (q.valid_from IS NULL OR q.valid_from <= $1) AND (q.valid_to IS NULL OR q.valid_to >= $1))) \
             AND ($2 IS NULL OR q.id IN (SELECT qa_id FROM qa_sources WHERE document_id = $2)) \
             AND ($3 IS NULL OR q.org_id IN (SELECT id FROM orgs WHERE path LIKE $3)) \
             AND ($4 IS NULL OR q.updated_at >= $4)",
        );
        if f.stale_only {
            where_.push_str(" AND q.stale");
        }
        let order = if f.hot { "q.views DESC, q.id DESC" } else { "q.updated_at DESC, q.id DESC" };
        let path = f.org_path.as_ref().map(|p| format!("{p}%"));
        let (rows, total): (Vec<QaRow>, (i64,)) = on_pool!(self, |p| {
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {QA_COLS} FROM qa_items q {where_} ORDER BY {order} LIMIT $5 OFFSET $6"
            )))
            .bind(f.public_on)
            .bind(f.document_id)
            .bind(path.clone())
            .bind(f.since_ms)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await?;
            let total = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM qa_items q {where_}")))
                .bind(f.public_on)
                .bind(f.document_id)
                .bind(path)
                .bind(f.since_ms)
                .fetch_one(p)
                .await?;
            (rows, total)
        });
        let items = rows.into_iter().map(QaRow::into_item).collect::<Result<Vec<_>, _>>()?;
        Ok((attach_sources(self, items).await?, total.0))
    }

    /// Counts a public view (热点问题 ranking).
    pub async fn qa_viewed(&self, id: i64) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            sqlx::query("UPDATE qa_items SET views = views + 1 WHERE id = $1").bind(id).execute(p).await?;
        });
        Ok(())
    }
}

impl Tx {
    pub async fn qa_item_state(&mut self, id: i64) -> Result<Option<(QaState, Option<i64>, bool)>, StoreError> {
        let row: Option<(String, Option<i64>, bool)> = on_tx!(self, |c| {
            sqlx::query_as("SELECT state, author_id, stale FROM qa_items WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await?
        });
        row.map(|(s, a, st)| {
            QaState::parse(&s)
                .map(|s| (s, a, st))
                .ok_or_else(|| StoreError::Other(format!("qa_items.state has an unknown value “{s}”")))
        })
        .transpose()
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_qa(
        &mut self,
        org_id: i64,
        external_id: Option<&str>,
        state: QaState,
        f: &QaFields,
        author: Option<i64>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let published_at = (state == QaState::Published).then_some(now_ms);
        on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO qa_items (external_id, org_id, state, question, answer, category, tags, audience, region, \
                 valid_from, valid_to, author_id, published_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
            )
            .bind(external_id)
            .bind(org_id)
            .bind(state.key())
            .bind(&f.question)
            .bind(&f.answer)
            .bind(&f.category)
            .bind(tags_text(f))
            .bind(&f.audience)
            .bind(&f.region)
            .bind(f.valid_from)
            .bind(f.valid_to)
            .bind(author)
            .bind(published_at)
            .bind(now_ms)
            .fetch_one(c)
            .await?;
            Ok(id)
        })
    }

    pub async fn update_qa_fields(&mut self, id: i64, f: &QaFields, now_ms: i64) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE qa_items SET question = $1, answer = $2, category = $3, tags = $4, audience = $5, region = $6, \
                 valid_from = $7, valid_to = $8, updated_at = $9 WHERE id = $10",
            )
            .bind(&f.question)
            .bind(&f.answer)
            .bind(&f.category)
            .bind(tags_text(f))
            .bind(&f.audience)
            .bind(&f.region)
            .bind(f.valid_from)
            .bind(f.valid_to)
            .bind(now_ms)
            .bind(id)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    /// Replaces the sources of an item: (document id, anchor or "").
    pub async fn replace_qa_sources(&mut self, id: i64, sources: &[(i64, String)]) -> Result<(), StoreError> {
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM qa_sources WHERE qa_id = $1").bind(id).execute(&mut *c).await?;
            for (doc, anchor) in sources {
                sqlx::query(
                    "INSERT INTO qa_sources (qa_id, document_id, anchor) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(*doc)
                .bind(anchor)
                .execute(&mut *c)
                .await?;
            }
            Ok(())
        })
    }

    /// Moves an item to `state`; publishing records the approver and clears the stale flag.
    pub async fn set_qa_state(
        &mut self,
        id: i64,
        state: QaState,
        reason: Option<&str>,
        approver: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let published = state == QaState::Published;
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE qa_items SET state = $1, state_reason = $2, \
                 approver_id = CASE WHEN $3 THEN $4 ELSE approver_id END, \
                 published_at = CASE WHEN $3 THEN $5 ELSE published_at END, \
                 stale = CASE WHEN $3 THEN FALSE ELSE stale END, \
                 stale_reason = CASE WHEN $3 THEN NULL ELSE stale_reason END, \
                 updated_at = $5 WHERE id = $6",
            )
            .bind(state.key())
            .bind(reason)
            .bind(published)
            .bind(approver)
            .bind(now_ms)
            .bind(id)
            .execute(c)
            .await?;
            Ok(())
        })
    }

    /// Records that a Q&A item's searchable content changed. Q&A entries share the search change
    /// log and the index with documents under the negative of their id (kind `qa`).
    pub async fn append_qa_search_change(&mut self, qa_id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.append_search_change(-qa_id, now_ms).await
    }

    /// Flags the published items citing a document as stale (the document's validity changed);
    /// returns their ids.
    pub async fn flag_qa_stale(&mut self, document_id: i64, reason: &str, now_ms: i64) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = on_tx!(self, |c| {
            sqlx::query_as(
                "UPDATE qa_items SET stale = TRUE, stale_reason = $1, updated_at = $2 \
                 WHERE state = 'published' AND NOT stale \
                 AND id IN (SELECT qa_id FROM qa_sources WHERE document_id = $3) RETURNING id",
            )
            .bind(reason)
            .bind(now_ms)
            .bind(document_id)
            .fetch_all(c)
            .await?
        });
        let ids: Vec<i64> = rows.into_iter().map(|r| r.0).collect();
        for id in &ids {
            self.append_qa_search_change(*id, now_ms).await?;
        }
        Ok(ids)
    }
}
