//! Organisations (行政层级): adding, listing, and importing a tree from CSV or JSON Lines.
//!
//! An import is all-or-nothing: every line is checked first (a parent may be an existing
//! organisation or one defined on an earlier line), every problem is reported with its line
//! number, and nothing is written unless every line is good.

use std::collections::HashMap;

use gongkai_domain::FieldError;
use gongkai_domain::org::{Org, OrgInput, OrgKind, validate_org};
use gongkai_domain::role::Role;
use gongkai_store::NewOrg;
use serde::Deserialize;
use serde_json::json;

use crate::{Actor, Ctx, Service, ServiceError};

/// File formats of an organisation import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    Csv,
    Jsonl,
}

impl ImportFormat {
    /// Chooses the format from a file name's ending.
    pub fn from_path(path: &str) -> Option<ImportFormat> {
        let p = path.to_ascii_lowercase();
        if p.ends_with(".csv") {
            Some(ImportFormat::Csv)
        } else if p.ends_with(".jsonl") || p.ends_with(".ndjson") || p.ends_with(".json") {
            Some(ImportFormat::Jsonl)
        } else {
            None
        }
    }
}

/// The result of an import: what was created, what was already there unchanged.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub created: usize,
    pub unchanged: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgLine {
    code: String,
    name: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    division_code: Option<String>,
    #[serde(default)]
    credit_code: Option<String>,
}

fn blank_to_none(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn line_to_input(l: OrgLine) -> Result<OrgInput, String> {
    let kind = match blank_to_none(l.kind) {
        None => OrgKind::Department,
        Some(k) => OrgKind::parse(&k).ok_or_else(|| {
            format!("kind: 未知的机构类型“{k}”（可用：province, city, county, township, department, office）")
        })?,
    };
    Ok(OrgInput {
        code: l.code.trim().to_owned(),
        name: l.name.trim().to_owned(),
        kind,
        parent_code: blank_to_none(l.parent),
        division_code: blank_to_none(l.division_code),
        credit_code: blank_to_none(l.credit_code),
    })
}

/// Parses an import file into numbered inputs. Lines that cannot be read at all are returned as
/// errors `(line, message)`; the caller reports them with the rule violations.
/// Numbered inputs that parsed, and numbered reasons for lines that did not.
pub type ParsedOrgs = (Vec<(usize, OrgInput)>, Vec<(usize, String)>);

pub fn parse_org_file(text: &str, format: ImportFormat) -> ParsedOrgs {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    match format {
        ImportFormat::Jsonl => {
            for (i, line) in text.lines().enumerate() {
                let n = i + 1;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<OrgLine>(line) {
                    Ok(l) => match line_to_input(l) {
                        Ok(input) => ok.push((n, input)),
                        Err(m) => bad.push((n, m)),
                    },
                    Err(e) => bad.push((n, format!("不是有效的 JSON 机构记录：{e}"))),
                }
            }
        }
        ImportFormat::Csv => {
            let mut r = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(text.as_bytes());
            let headers = match r.headers() {
                Ok(h) => h.clone(),
                Err(e) => {
                    bad.push((1, format!("无法读取表头：{e}")));
                    return (ok, bad);
                }
            };
            for rec in r.records() {
                match rec {
                    Ok(rec) => {
                        let n = rec.position().map(|p| p.line() as usize).unwrap_or_default();
                        match rec.deserialize::<OrgLine>(Some(&headers)) {
                            Ok(l) => match line_to_input(l) {
                                Ok(input) => ok.push((n, input)),
                                Err(m) => bad.push((n, m)),
                            },
                            Err(e) => bad.push((n, format!("无法读取：{e}"))),
                        }
                    }
                    Err(e) => {
                        let n = e.position().map(|p| p.line() as usize).unwrap_or_default();
                        bad.push((n, format!("无法读取：{e}")));
                    }
                }
            }
        }
    }
    (ok, bad)
}

impl Service {
    fn require_org_admin(&self, ctx: &Ctx, parent: Option<&Org>) -> Result<(), ServiceError> {
        match (&ctx.actor, parent) {
            (Actor::System, _) => Ok(()),
            (Actor::User(u), Some(p)) if u.has_role_on(Role::SystemAdmin, &p.path) => Ok(()),
            (Actor::User(u), None)
                if u.grants.iter().any(|g| g.role == Role::SystemAdmin && g.org_path.matches('/').count() == 2) =>
            {
                Ok(())
            }
            _ => Err(ServiceError::forbidden()),
        }
    }

    pub async fn org_by_code(&self, code: &str) -> Result<Option<Org>, ServiceError> {
        Ok(self.store.org_by_code(code).await?)
    }

    pub async fn org_by_id(&self, id: i64) -> Result<Option<Org>, ServiceError> {
        Ok(self.store.org_by_id(id).await?)
    }

    /// Every organisation in tree order, or the subtree under `code`.
    pub async fn list_orgs(&self, under: Option<&str>) -> Result<Vec<Org>, ServiceError> {
        let path = match under {
            Some(code) => Some(
                self.store
                    .org_by_code(code)
                    .await?
                    .ok_or_else(|| ServiceError::NotFound(format!("机构“{code}”不存在")))?
                    .path,
            ),
            None => None,
        };
        Ok(self.store.list_orgs(path.as_deref()).await?)
    }

    /// Direct children of an organisation, or the roots.
    pub async fn org_children(&self, parent: Option<i64>) -> Result<Vec<Org>, ServiceError> {
        Ok(self.store.org_children(parent).await?)
    }

    /// The chain from the root down to `org`, for breadcrumbs.
    pub async fn org_ancestors(&self, org: &Org) -> Result<Vec<Org>, ServiceError> {
        let mut out = Vec::new();
        for id in org.path.split('/').filter(|s| !s.is_empty()).filter_map(|s| s.parse::<i64>().ok()) {
            if id == org.id {
                break;
            }
            if let Some(o) = self.store.org_by_id(id).await? {
                out.push(o);
            }
        }
        Ok(out)
    }

    /// Adds one organisation.
    pub async fn add_org(&self, ctx: &Ctx, input: &OrgInput) -> Result<Org, ServiceError> {
        let mut tx = self.store.begin().await?;
        let parent = match &input.parent_code {
            Some(code) => Some(
                tx.org_by_code(code)
                    .await?
                    .ok_or_else(|| ServiceError::invalid("parent", format!("上级机构“{code}”不存在")))?,
            ),
            None => None,
        };
        self.require_org_admin(ctx, parent.as_ref())?;
        let mut errors = validate_org(input, parent.as_ref().map(|p| p.kind));
        if tx.org_by_code(&input.code).await?.is_some() {
            errors.push(FieldError::new("code", format!("机构代码“{}”已存在", input.code)));
        }
        gongkai_domain::Invalid::check(errors)?;
        let org = self.insert_org_in(&mut tx, ctx, input, parent.as_ref()).await?;
        tx.commit().await?;
        Ok(org)
    }

    async fn insert_org_in(
        &self,
        tx: &mut gongkai_store::Tx,
        ctx: &Ctx,
        input: &OrgInput,
        parent: Option<&Org>,
    ) -> Result<Org, ServiceError> {
        let now = self.now_ms();
        let org = tx
            .insert_org(&NewOrg {
                code: &input.code,
                name: input.name.trim(),
                kind: input.kind,
                parent,
                division_code: input.division_code.as_deref(),
                credit_code: input.credit_code.as_deref(),
                now_ms: now,
            })
            .await?;
        let mut a = ctx.audit(now, "org.create", "org", Some(org.code.clone()));
        a.org_id = Some(org.id);
        a.after = Some(
            json!({"code": org.code, "name": org.name, "kind": org.kind.key(), "parent": input.parent_code,
                   "division_code": org.division_code, "credit_code": org.credit_code})
            .to_string(),
        );
        tx.append_audit(&a).await?;
        Ok(org)
    }

    /// Imports organisations all-or-nothing. Lines whose code already exists with the same name,
    /// kind and parent are counted unchanged (so a second run changes nothing); one that exists
    /// with different values is an error. Returns the per-line errors when any line is bad.
    pub async fn import_orgs(
        &self,
        ctx: &Ctx,
        lines: &[(usize, OrgInput)],
        mut unreadable: Vec<(usize, String)>,
    ) -> Result<ImportReport, Vec<(usize, String)>> {
        let internal = |e: ServiceError| vec![(0usize, e.to_string())];
        let mut errors = std::mem::take(&mut unreadable);
        // Kinds known so far: existing organisations, then earlier lines.
        let mut known: HashMap<String, OrgKind> = HashMap::new();
        let mut report = ImportReport::default();
        let mut to_create: Vec<&(usize, OrgInput)> = Vec::new();
        for entry in lines {
            let (n, input) = entry;
            let existing = self.store.org_by_code(&input.code).await.map_err(|e| internal(e.into()))?;
            let parent_kind = match &input.parent_code {
                None => None,
                Some(pc) => match known.get(pc) {
                    Some(k) => Some(*k),
                    None => match self.store.org_by_code(pc).await.map_err(|e| internal(e.into()))? {
                        Some(p) => {
                            known.insert(p.code.clone(), p.kind);
                            Some(p.kind)
                        }
                        None => {
                            errors.push((*n, format!("parent: 上级机构“{pc}”不存在（须已存在或在前面的行中定义）")));
                            continue;
                        }
                    },
                },
            };
            let rule_errors = validate_org(input, parent_kind);
            if !rule_errors.is_empty() {
                for e in rule_errors {
                    errors.push((*n, e.to_string()));
                }
                continue;
            }
            if let Some(ex) = existing {
                let parent_code = match ex.parent_id {
                    Some(pid) => self.store.org_by_id(pid).await.map_err(|e| internal(e.into()))?.map(|p| p.code),
                    None => None,
                };
                if ex.name == input.name && ex.kind == input.kind && parent_code == input.parent_code {
                    report.unchanged += 1;
                    known.insert(ex.code, ex.kind);
                } else {
                    errors.push((*n, format!("code: 机构代码“{}”已存在且名称、类型或上级不同", input.code)));
                }
                continue;
            }
            if known.contains_key(&input.code) {
                errors.push((*n, format!("code: 机构代码“{}”在文件中重复", input.code)));
                continue;
            }
            known.insert(input.code.clone(), input.kind);
            to_create.push(entry);
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.0);
            return Err(errors);
        }
        let result: Result<(), ServiceError> = async {
            let mut tx = self.store.begin().await?;
            let mut created: HashMap<String, Org> = HashMap::new();
            for (_, input) in &to_create {
                let parent = match &input.parent_code {
                    Some(pc) => match created.get(pc) {
                        Some(p) => Some(p.clone()),
                        None => tx.org_by_code(pc).await?,
                    },
                    None => None,
                };
                self.require_org_admin(ctx, parent.as_ref())?;
                let org = self.insert_org_in(&mut tx, ctx, input, parent.as_ref()).await?;
                created.insert(org.code.clone(), org);
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        result.map_err(internal)?;
        report.created = to_create.len();
        Ok(report)
    }
}
