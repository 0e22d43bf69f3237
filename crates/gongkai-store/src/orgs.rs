//! Organisations: the tree of governments and departments, with materialised paths for subtree
//! queries (`path LIKE '/1/4/%'` works the same on both databases).

use gongkai_domain::org::{Org, OrgKind};

use crate::{Store, StoreError, Tx, on_pool, on_tx};

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    code: String,
    name: String,
    kind: String,
    parent_id: Option<i64>,
    path: String,
    depth: i64,
    division_code: Option<String>,
    credit_code: Option<String>,
    created_at: i64,
}

impl OrgRow {
    fn into_org(self) -> Result<Org, StoreError> {
        let kind = OrgKind::parse(&self.kind)
            .ok_or_else(|| StoreError::Other(format!("orgs.kind has an unknown value “{}”", self.kind)))?;
        Ok(Org {
            id: self.id,
            code: self.code,
            name: self.name,
            kind,
            parent_id: self.parent_id,
            path: self.path,
            depth: self.depth,
            division_code: self.division_code,
            credit_code: self.credit_code,
            created_at_ms: self.created_at,
        })
    }
}

fn convert(rows: Vec<OrgRow>) -> Result<Vec<Org>, StoreError> {
    rows.into_iter().map(OrgRow::into_org).collect()
}

const COLS: &str = "id, code, name, kind, parent_id, path, depth, division_code, credit_code, created_at";

/// A new organisation, already validated.
#[derive(Debug, Clone)]
pub struct NewOrg<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: OrgKind,
    pub parent: Option<&'a Org>,
    pub division_code: Option<&'a str>,
    pub credit_code: Option<&'a str>,
    pub now_ms: i64,
}

impl Store {
    pub async fn org_by_code(&self, code: &str) -> Result<Option<Org>, StoreError> {
        let row: Option<OrgRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM orgs WHERE code = $1")))
                .bind(code)
                .fetch_optional(p)
                .await?
        });
        row.map(OrgRow::into_org).transpose()
    }

    pub async fn org_by_id(&self, id: i64) -> Result<Option<Org>, StoreError> {
        let row: Option<OrgRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM orgs WHERE id = $1")))
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        row.map(OrgRow::into_org).transpose()
    }

    /// Every organisation, or those in the subtree whose root has materialised path `under`,
    /// in tree order (by path, so parents come before their children).
    pub async fn list_orgs(&self, under: Option<&str>) -> Result<Vec<Org>, StoreError> {
        let pattern = format!("{}%", under.unwrap_or("/"));
        let rows: Vec<OrgRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM orgs WHERE path LIKE $1 ORDER BY depth, sort_order, id"
            )))
            .bind(&pattern)
            .fetch_all(p)
            .await?
        });
        convert(rows)
    }

    /// Direct children of an organisation (or the roots).
    pub async fn org_children(&self, parent: Option<i64>) -> Result<Vec<Org>, StoreError> {
        let rows: Vec<OrgRow> = on_pool!(self, |p| {
            match parent {
                Some(id) => {
                    sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLS} FROM orgs WHERE parent_id = $1 ORDER BY sort_order, id"
                    )))
                    .bind(id)
                    .fetch_all(p)
                    .await?
                }
                None => {
                    sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLS} FROM orgs WHERE parent_id IS NULL ORDER BY sort_order, id"
                    )))
                    .fetch_all(p)
                    .await?
                }
            }
        });
        convert(rows)
    }

    pub async fn count_orgs(&self) -> Result<i64, StoreError> {
        on_pool!(self, |p| {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orgs").fetch_one(p).await?;
            Ok(n)
        })
    }
}

impl Tx {
    pub async fn org_by_code(&mut self, code: &str) -> Result<Option<Org>, StoreError> {
        let row: Option<OrgRow> = on_tx!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM orgs WHERE code = $1")))
                .bind(code)
                .fetch_optional(c)
                .await?
        });
        row.map(OrgRow::into_org).transpose()
    }

    /// Inserts an organisation below `parent` and returns it with its id and path.
    pub async fn insert_org(&mut self, new: &NewOrg<'_>) -> Result<Org, StoreError> {
        let (parent_id, parent_path, depth) = match new.parent {
            Some(p) => (Some(p.id), p.path.clone(), p.depth + 1),
            None => (None, "/".to_owned(), 0),
        };
        let id: i64 = on_tx!(self, |c| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO orgs (code, name, kind, parent_id, path, depth, division_code, credit_code, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(new.code)
            .bind(new.name)
            .bind(new.kind.key())
            .bind(parent_id)
            .bind(depth)
            .bind(new.division_code)
            .bind(new.credit_code)
            .bind(new.now_ms)
            .fetch_one(&mut *c)
            .await?;
            let path = format!("{parent_path}{id}/");
            sqlx::query("UPDATE orgs SET path = $1 WHERE id = $2").bind(&path).bind(id).execute(&mut *c).await?;
            id
        });
        Ok(Org {
            id,
            code: new.code.to_owned(),
            name: new.name.to_owned(),
            kind: new.kind,
            parent_id,
            path: format!("{parent_path}{id}/"),
            depth,
            division_code: new.division_code.map(str::to_owned),
            credit_code: new.credit_code.map(str::to_owned),
            created_at_ms: new.now_ms,
        })
    }
}
