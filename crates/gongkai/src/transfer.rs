//! Moving policy documents in and out: `gongkai import documents` and `gongkai export documents`.
//!
//! **Import** reads JSON Lines in the shared corpus schema (`shared/corpus/README.md`): plain,
//! `.gz` or `.zst` by the file name's ending, or plain from standard input for `-`. The file is
//! streamed: a reader thread decompresses and splits lines while the import upserts them a batch
//! at a time through [`Service::import_documents`] (one transaction per batch of up to 200 lines),
//! so a 50 MB file never sits in memory and a running `gongkai serve` keeps serving. A bad line — invalid JSON, an unknown or
//! mistyped key, a missing `id`/`title`/`body`, or a field the service rejects — is reported on
//! standard error as `FILE:LINE: field: reason` and skipped; the rest is imported, and the command
//! exits non-zero at the end when any line failed.
//!
//! The accepted keys are the corpus' 11 (`id`, `title`, `doc_type`, `issuer`, `doc_number`,
//! `promulgated`, `effective`, `validity`, `category`, `body`, `source`) plus the extra keys that
//! `export documents --format jsonl` writes (`external_id`, `index_no`, `class`, `topic`, `genre`,
//! `written_on`, `expires_on`, `validity_key`, `reg_no`, `keywords`, `public`, `withdrawn`, `url`),
//! so an export can be imported again without losing metadata, and `validity_on` (the date the
//! source gives for its `validity`, recorded as the change's legal date; without it the change is
//! undated). Anything else is an error for that line.
//!
//! **Export** writes every document in id order as JSON Lines (lossless, with the body, and a
//! superset of the corpus schema), CSV (UTF-8 with a BOM so Excel reads Chinese) or XLSX (bold,
//! frozen header row). CSV and XLSX carry the metadata only, not the body: they are for
//! reviewing the catalogue in a spreadsheet, an Excel cell holds at most 32,767 characters (the
//! Civil Code has 109,591), and the body would turn a few hundred kilobytes into 50 MB.

use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use chrono::{Datelike, NaiveDate};
use gongkai_domain::FieldError;
use gongkai_domain::document::{DocClass, DocFields, Document, Edition, Validity, parse_topic};
use gongkai_domain::org::Org;
use gongkai_service::{Ctx, ImportDoc, ImportOutcome, Service, ServiceError};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::cli::ExportFormat;

/// Keys of the shared corpus schema.
const CORPUS_KEYS: [&str; 11] = [
    "id",
    "title",
    "doc_type",
    "issuer",
    "doc_number",
    "promulgated",
    "effective",
    "validity",
    "category",
    "body",
    "source",
];

/// Keys that `export documents --format jsonl` adds to the corpus schema.
const EXPORT_KEYS: [&str; 13] = [
    "external_id",
    "index_no",
    "class",
    "topic",
    "genre",
    "written_on",
    "expires_on",
    "validity_key",
    "reg_no",
    "keywords",
    "public",
    "withdrawn",
    "url",
];

/// Keys an import also accepts: `validity_on`, the date the source gives for its `validity`
/// (e.g. its 废止日期), recorded as the change's legal date; without it the change is undated.
const IMPORT_KEYS: [&str; 1] = ["validity_on"];

/// The `category` prefix under which the corpus files State Council documents by 主题分类.
const TOPIC_CATEGORY: &str = "国务院政策文件";

/// Documents fetched per export batch.
const EXPORT_BATCH: i64 = 500;

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

/// What an import run did, line by line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportCounts {
    pub imported: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub failed: u64,
}

impl ImportCounts {
    pub(crate) fn add(&mut self, o: ImportOutcome) {
        match o {
            ImportOutcome::Imported => self.imported += 1,
            ImportOutcome::Updated => self.updated += 1,
            ImportOutcome::Unchanged => self.unchanged += 1,
        }
    }

    fn done(&self) -> u64 {
        self.imported + self.updated + self.unchanged + self.failed
    }
}

impl std::fmt::Display for ImportCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "imported {}, updated {}, unchanged {}, failed {}",
            self.imported, self.updated, self.unchanged, self.failed
        )
    }
}

/// Why one line was not imported: the field it concerns (when there is one) and a zh-CN reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub field: Option<String>,
    pub message: String,
}

impl LineError {
    fn field(field: &str, message: impl Into<String>) -> Self {
        LineError { field: Some(field.to_owned()), message: message.into() }
    }

    fn general(message: impl Into<String>) -> Self {
        LineError { field: None, message: message.into() }
    }

    pub(crate) fn from_fields(errors: &[FieldError]) -> Self {
        let text: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
        LineError { field: None, message: text.join("；") }
    }
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Parses one JSON line (without its line break) into an import document.
///
/// Mapping: `id` → external id; `doc_type` (or the export's `class` key) → [`DocClass::parse`];
/// `issuer` null → empty; `promulgated` → published on; `effective` → effective on; `validity`
/// (or `validity_key`) → [`Validity::parse`], null → not stated; `topic`, or else the part of a
/// `国务院政策文件/…` `category` after the first `/` when it is a known 主题分类 (otherwise
/// ignored); `validity_on` → the date of the validity statement. `source`, `index_no` and `url` are
/// accepted and ignored.
pub fn parse_line(line: &str) -> Result<ImportDoc, LineError> {
    let value: Value = serde_json::from_str(line).map_err(|e| LineError::general(format!("不是有效的 JSON（{e}）")))?;
    let Value::Object(map) = value else {
        return Err(LineError::general("每行应为一个 JSON 对象"));
    };
    for key in map.keys() {
        if !CORPUS_KEYS.contains(&key.as_str())
            && !EXPORT_KEYS.contains(&key.as_str())
            && !IMPORT_KEYS.contains(&key.as_str())
        {
            return Err(LineError::field(
                key,
                format!("未知字段“{key}”（只接受语料格式的字段和 `export documents` 导出的字段）"),
            ));
        }
    }
    let id = req_str(&map, "id")?;
    let title = req_str(&map, "title")?;
    let body = req_str(&map, "body")?;
    for key in ["source", "index_no", "url"] {
        opt_str(&map, key)?;
    }
    if let Some(ext) = opt_str(&map, "external_id")?
        && ext != id
    {
        return Err(LineError::field("external_id", format!("与 id（“{id}”）不一致")));
    }
    if opt_bool(&map, "public")? == Some(false) {
        return Err(LineError::field("public", "非公开的文件不通过导入发布（导入的文件一律主动公开）"));
    }
    if opt_bool(&map, "withdrawn")? == Some(true) {
        return Err(LineError::field("withdrawn", "已撤回的文件不通过导入重新发布"));
    }

    let class = agreeing(
        &map,
        ("class", "doc_type"),
        DocClass::parse,
        "未知的文件类别“{}”（可用：法律、行政法规、司法解释、部门规章、地方性法规、政府规章、行政规范性文件、其他）",
    )?;
    let validity = agreeing(
        &map,
        ("validity_key", "validity"),
        Validity::parse,
        "未知的有效性“{}”（可用：现行有效、已修改、已废止、尚未生效、部分失效、已失效，或 null 表示未标注）",
    )?;
    let topic = match opt_str(&map, "topic")? {
        Some(t) => Some(t),
        None => opt_str(&map, "category")?.and_then(|c| topic_from_category(&c)),
    };
    let fields = DocFields {
        title,
        issuer: opt_str(&map, "issuer")?.unwrap_or_default(),
        doc_number: opt_str(&map, "doc_number")?,
        written_on: opt_date(&map, "written_on")?,
        effective_on: opt_date(&map, "effective")?,
        expires_on: opt_date(&map, "expires_on")?,
        topic,
        genre: opt_str(&map, "genre")?,
        class,
        reg_no: opt_str(&map, "reg_no")?,
        keywords: opt_strings(&map, "keywords")?,
        body,
        ..DocFields::default()
    };
    let validity_on = opt_date(&map, "validity_on")?;
    if validity_on.is_some() && validity.is_none() {
        return Err(LineError::field("validity_on", "只有同时给出 validity（有效性）时才能给出其日期"));
    }
    Ok(ImportDoc { external_id: id, fields, published_on: opt_date(&map, "promulgated")?, validity, validity_on })
}

/// The 主题分类 in a corpus `category` such as `国务院政策文件/综合政务/政务公开`, when it is one.
pub fn topic_from_category(category: &str) -> Option<String> {
    let (head, rest) = category.split_once('/')?;
    if head.trim() != TOPIC_CATEGORY {
        return None;
    }
    parse_topic(rest)
}

/// A value parsed from the export's key (`keys.0`) or the corpus key (`keys.1`); when both are
/// given they must agree.
fn agreeing<T: PartialEq + Copy>(
    map: &Map<String, Value>,
    keys: (&str, &str),
    parse: fn(&str) -> Option<T>,
    unknown: &str,
) -> Result<Option<T>, LineError> {
    let get = |key: &str| -> Result<Option<T>, LineError> {
        match opt_str(map, key)? {
            None => Ok(None),
            Some(s) => parse(&s).map(Some).ok_or_else(|| LineError::field(key, unknown.replacen("{}", &s, 1))),
        }
    };
    let (a, b) = (get(keys.0)?, get(keys.1)?);
    match (a, b) {
        (Some(x), Some(y)) if x != y => Err(LineError::field(keys.0, format!("与 {} 不一致", keys.1))),
        (Some(x), _) => Ok(Some(x)),
        (None, y) => Ok(y),
    }
}

fn req_str(map: &Map<String, Value>, key: &str) -> Result<String, LineError> {
    match map.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        None => Err(LineError::field(key, "缺少必填字段")),
        Some(Value::Null) => Err(LineError::field(key, "必填字段不能为 null")),
        Some(_) => Err(LineError::field(key, "应为字符串")),
    }
}

/// An optional string: missing, null and blank are all `None`.
fn opt_str(map: &Map<String, Value>, key: &str) -> Result<Option<String>, LineError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(LineError::field(key, "应为字符串或 null")),
    }
}

/// An optional list of strings (null or missing: empty).
fn opt_strings(map: &Map<String, Value>, key: &str) -> Result<Vec<String>, LineError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| LineError::field(key, "应为字符串数组或 null")))
            .collect(),
        Some(_) => Err(LineError::field(key, "应为字符串数组或 null")),
    }
}

fn opt_bool(map: &Map<String, Value>, key: &str) -> Result<Option<bool>, LineError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(LineError::field(key, "应为 true、false 或 null")),
    }
}

fn opt_date(map: &Map<String, Value>, key: &str) -> Result<Option<NaiveDate>, LineError> {
    match opt_str(map, key)? {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| LineError::field(key, format!("“{s}”不是有效日期（应为 YYYY-MM-DD）"))),
    }
}

/// How the input file is compressed, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Plain,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn from_name(name: &str) -> Compression {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".zst") || lower.ends_with(".zstd") {
            Compression::Zstd
        } else if lower.ends_with(".gz") {
            Compression::Gzip
        } else {
            Compression::Plain
        }
    }
}

/// Counts the (compressed) bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// Opens the input as a stream of decompressed bytes; the bar counts the bytes of the file.
pub(crate) fn open_input(file: &str, bar: &ProgressBar) -> anyhow::Result<Box<dyn BufRead + Send>> {
    if file == "-" {
        return Ok(Box::new(BufReader::new(std::io::stdin())));
    }
    let f = std::fs::File::open(file).with_context(|| format!("{file}: 无法打开文件"))?;
    if let Ok(meta) = f.metadata() {
        bar.set_length(meta.len());
    }
    let raw = Counting { inner: f, bar: bar.clone() };
    Ok(match Compression::from_name(file) {
        Compression::Plain => Box::new(BufReader::with_capacity(256 * 1024, raw)),
        Compression::Gzip => Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(BufReader::new(raw)))),
        Compression::Zstd => Box::new(BufReader::new(
            zstd::stream::read::Decoder::new(raw).with_context(|| format!("{file}: 无法初始化 zstd 解压"))?,
        )),
    })
}

/// One item from the reader thread.
pub(crate) enum Item {
    Line(u64, Vec<u8>),
    /// Reading or decompressing failed before this line number.
    Failed(u64, std::io::Error),
}

/// Reads lines on a thread of its own and hands them over with back-pressure.
pub(crate) fn spawn_reader(mut input: Box<dyn BufRead + Send>) -> tokio::sync::mpsc::Receiver<Item> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Item>(64);
    std::thread::spawn(move || {
        let mut no = 0u64;
        loop {
            let mut buf = Vec::new();
            match input.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(_) => {
                    no += 1;
                    if tx.blocking_send(Item::Line(no, buf)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Item::Failed(no + 1, e));
                    break;
                }
            }
        }
    });
    rx
}

pub(crate) fn progress_bar(file: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let style = if file == "-" {
        ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
    } else {
        ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {elapsed_precise} ETA {eta} {msg}")
    };
    if let Ok(style) = style {
        bar.set_style(style);
    }
    if file == "-" {
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
    }
    bar
}

/// The organisation imported documents are filed under: `--org`, or the only root.
pub async fn import_org(svc: &Service, code: Option<&str>) -> anyhow::Result<Org> {
    if let Some(code) = code {
        return svc.org_by_code(code.trim()).await?.ok_or_else(|| anyhow!("--org: 机构“{code}”不存在"));
    }
    let roots = svc.org_children(None).await?;
    match roots.as_slice() {
        [only] => Ok(only.clone()),
        [] => bail!("--org: 还没有任何机构；请先用 `gongkai org add` 新增机构，再用 --org CODE 指定文件归属的机构"),
        many => {
            let codes: Vec<&str> = many.iter().map(|o| o.code.as_str()).collect();
            bail!("--org: 有 {} 个顶级机构（{}），请用 --org CODE 指定文件归属的机构", many.len(), codes.join("、"))
        }
    }
}

/// `gongkai import documents FILE [--org CODE]`.
pub async fn import_documents(svc: &Service, file: &str, org: Option<&str>) -> anyhow::Result<ExitCode> {
    let org = import_org(svc, org).await?;
    let started = Instant::now();
    let bar = progress_bar(file);
    let input = open_input(file, &bar)?;
    let mut lines = spawn_reader(input);
    let ctx = Ctx::system();
    let mut counts = ImportCounts::default();
    let fail = |counts: &mut ImportCounts, no: u64, why: &dyn std::fmt::Display| {
        counts.failed += 1;
        bar.suspend(|| eprintln!("{file}:{no}: {why}"));
    };
    // Parsed lines wait here and are imported a batch per transaction; a batch goes when it is
    // full or when the reader has nothing more at hand (so a slow pipe is not held back).
    let mut batch: Vec<(u64, ImportDoc)> = Vec::new();
    let mut batch_bytes = 0usize;
    loop {
        let item = match lines.try_recv() {
            Ok(item) => Some(item),
            Err(tokio::sync::mpsc::error::TryRecvError::Empty) => {
                if !batch.is_empty() {
                    import_batch(svc, &ctx, &org, &mut batch, &mut counts, &fail).await.inspect_err(|_| {
                        bar.finish_and_clear();
                        print_summary(&counts, started);
                    })?;
                    batch_bytes = 0;
                }
                lines.recv().await
            }
            Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => None,
        };
        let Some(item) = item else { break };
        let (no, bytes) = match item {
            Item::Line(no, bytes) => (no, bytes),
            Item::Failed(no, e) => {
                import_batch(svc, &ctx, &org, &mut batch, &mut counts, &fail).await?;
                bar.finish_and_clear();
                print_summary(&counts, started);
                bail!("{file}:{no}: 读取失败，导入中止：{e}");
            }
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            fail(&mut counts, no, &"不是有效的 UTF-8 文本");
            continue;
        };
        let mut text = text.trim_end_matches(['\n', '\r']);
        if no == 1 {
            text = text.trim_start_matches('\u{feff}');
        }
        if text.trim().is_empty() {
            continue;
        }
        let doc = match parse_line(text) {
            Ok(d) => d,
            Err(e) => {
                fail(&mut counts, no, &e);
                continue;
            }
        };
        if let Some(e) = native_clash(svc, &doc.external_id).await? {
            fail(&mut counts, no, &e);
            continue;
        }
        batch_bytes += text.len();
        batch.push((no, doc));
        if batch.len() >= IMPORT_BATCH_DOCS || batch_bytes >= IMPORT_BATCH_BYTES {
            import_batch(svc, &ctx, &org, &mut batch, &mut counts, &fail).await.inspect_err(|_| {
                bar.finish_and_clear();
                print_summary(&counts, started);
            })?;
            batch_bytes = 0;
            bar.set_message(format!("已处理 {} 行，失败 {}", counts.done(), counts.failed));
        }
    }
    import_batch(svc, &ctx, &org, &mut batch, &mut counts, &fail).await?;
    bar.finish_and_clear();
    print_summary(&counts, started);
    if counts.failed > 0 {
        eprintln!("有 {} 行未导入，原因见上方各行（FILE:LINE: 字段: 原因）。", counts.failed);
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// At most this many documents, or this many bytes of input, are imported per transaction.
const IMPORT_BATCH_DOCS: usize = 200;
const IMPORT_BATCH_BYTES: usize = 8 << 20;

/// Imports the waiting lines in one transaction and empties `batch`. A line the service refuses
/// is reported with its number; an error of the store aborts the import.
async fn import_batch(
    svc: &Service,
    ctx: &Ctx,
    org: &Org,
    batch: &mut Vec<(u64, ImportDoc)>,
    counts: &mut ImportCounts,
    fail: &dyn Fn(&mut ImportCounts, u64, &dyn std::fmt::Display),
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let (nos, docs): (Vec<u64>, Vec<ImportDoc>) = batch.drain(..).unzip();
    let first = nos.first().copied().unwrap_or(0);
    let outcomes =
        svc.import_documents(ctx, org, &docs).await.map_err(|e| anyhow!("第 {first} 行起的一批：导入中止：{e}"))?;
    for (no, outcome) in nos.into_iter().zip(outcomes) {
        match outcome {
            Ok(o) => counts.add(o),
            Err(ServiceError::Invalid(inv)) => fail(counts, no, &LineError::from_fields(&inv.0)),
            Err(ServiceError::Conflict(m) | ServiceError::NotFound(m)) => fail(counts, no, &m),
            Err(e) => bail!("第 {no} 行：导入中止：{e}"),
        }
    }
    Ok(())
}

/// An `id` that is the 索引号 of a document created on this platform (an export of a document
/// without an external id) would create a duplicate; refuse it instead.
async fn native_clash(svc: &Service, id: &str) -> anyhow::Result<Option<LineError>> {
    let Some(existing) = svc.document_by_index_no(id).await? else {
        return Ok(None);
    };
    if existing.external_id.as_deref() != Some(id) {
        return Ok(Some(LineError::field(
            "id",
            format!("“{id}”是本平台文件（编号 {}）的索引号，该文件不是导入的，不能通过导入更新", existing.id),
        )));
    }
    Ok(None)
}

pub(crate) fn print_summary(c: &ImportCounts, started: Instant) {
    println!(
        "导入完成：新增 {}，更新 {}，未变 {}，失败 {}（用时 {:.1} 秒）",
        c.imported,
        c.updated,
        c.unchanged,
        c.failed,
        started.elapsed().as_secs_f64()
    );
    println!("{c}");
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

/// One document as exported: the published edition's fields when there is one, else the
/// document's own copy (a document never published has no body).
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub id: i64,
    pub index_no: String,
    pub external_id: Option<String>,
    pub title: String,
    pub issuer: String,
    pub doc_number: Option<String>,
    /// `None` when the edition records no class (its document shows [`DocClass::Other`]).
    pub class: Option<DocClass>,
    pub topic: Option<String>,
    pub genre: Option<String>,
    pub written_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub validity: Validity,
    pub reg_no: Option<String>,
    pub keywords: Vec<String>,
    pub public: bool,
    pub withdrawn: bool,
    pub body: Option<String>,
}

impl ExportRow {
    pub fn new(d: &Document, ed: Option<&Edition>) -> ExportRow {
        let base = ExportRow {
            id: d.id,
            index_no: d.index_no.clone(),
            external_id: d.external_id.clone(),
            title: d.title.clone(),
            issuer: d.issuer.clone(),
            doc_number: d.doc_number.clone(),
            class: Some(d.class),
            topic: d.topic.clone(),
            genre: d.genre.clone(),
            written_on: d.written_on,
            published_on: d.published_on,
            effective_on: d.effective_on,
            expires_on: d.expires_on,
            validity: d.validity,
            reg_no: None,
            keywords: Vec::new(),
            public: d.public,
            withdrawn: d.withdrawn,
            body: None,
        };
        match ed {
            None => base,
            Some(e) => {
                let f = &e.fields;
                ExportRow {
                    title: f.title.clone(),
                    issuer: f.issuer.clone(),
                    doc_number: f.doc_number.clone(),
                    class: f.class,
                    topic: f.topic.clone(),
                    genre: f.genre.clone(),
                    written_on: f.written_on,
                    published_on: e.published_on.or(d.published_on),
                    effective_on: f.effective_on,
                    expires_on: f.expires_on,
                    reg_no: f.reg_no.clone(),
                    keywords: f.keywords.clone(),
                    body: Some(f.body.clone()),
                    ..base
                }
            }
        }
    }

    pub fn url(&self) -> String {
        format!("/doc/{}", self.id)
    }

    /// The class shown in tables: the document's, [`DocClass::Other`] when none is recorded.
    fn shown_class(&self) -> DocClass {
        self.class.unwrap_or(DocClass::Other)
    }
}

/// A JSON line of the export: the corpus keys first (so corpus tools read it), then gongkai's.
#[derive(Debug, Serialize)]
struct JsonLine<'a> {
    id: &'a str,
    title: &'a str,
    doc_type: Option<&'static str>,
    issuer: Option<&'a str>,
    doc_number: Option<&'a str>,
    promulgated: Option<String>,
    effective: Option<String>,
    /// The label; null when 未标注 (as in the corpus).
    validity: Option<&'static str>,
    /// gongkai keeps no source folder.
    category: Option<&'a str>,
    source: Option<&'a str>,
    external_id: Option<&'a str>,
    index_no: &'a str,
    class: Option<&'static str>,
    topic: Option<&'a str>,
    genre: Option<&'a str>,
    written_on: Option<String>,
    expires_on: Option<String>,
    validity_key: &'static str,
    reg_no: Option<&'a str>,
    keywords: &'a [String],
    public: bool,
    withdrawn: bool,
    url: String,
    body: Option<&'a str>,
}

fn date(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

impl ExportRow {
    fn json_line(&self) -> JsonLine<'_> {
        JsonLine {
            id: self.external_id.as_deref().unwrap_or(&self.index_no),
            title: &self.title,
            doc_type: self.class.map(DocClass::label),
            issuer: Some(self.issuer.as_str()).filter(|s| !s.is_empty()),
            doc_number: self.doc_number.as_deref(),
            promulgated: date(self.published_on),
            effective: date(self.effective_on),
            validity: (self.validity != Validity::Unknown).then(|| self.validity.label()),
            category: None,
            source: None,
            external_id: self.external_id.as_deref(),
            index_no: &self.index_no,
            class: self.class.map(DocClass::key),
            topic: self.topic.as_deref(),
            genre: self.genre.as_deref(),
            written_on: date(self.written_on),
            expires_on: date(self.expires_on),
            validity_key: self.validity.key(),
            reg_no: self.reg_no.as_deref(),
            keywords: &self.keywords,
            public: self.public,
            withdrawn: self.withdrawn,
            url: self.url(),
            body: self.body.as_deref(),
        }
    }
}

/// Columns of the CSV and XLSX exports (no body; see the module documentation).
pub const TABLE_COLUMNS: [&str; 19] = [
    "id",
    "index_no",
    "external_id",
    "title",
    "issuer",
    "doc_number",
    "class",
    "class_label",
    "topic",
    "genre",
    "written_on",
    "published_on",
    "effective_on",
    "expires_on",
    "validity",
    "validity_label",
    "public",
    "withdrawn",
    "url",
];

/// One table cell.
enum Cell {
    Text(String),
    Int(i64),
    Date(Option<NaiveDate>),
    Bool(bool),
}

impl ExportRow {
    fn cells(&self) -> [Cell; 19] {
        let text = |s: &str| Cell::Text(s.to_owned());
        let opt = |s: &Option<String>| Cell::Text(s.clone().unwrap_or_default());
        [
            Cell::Int(self.id),
            text(&self.index_no),
            opt(&self.external_id),
            text(&self.title),
            text(&self.issuer),
            opt(&self.doc_number),
            text(self.shown_class().key()),
            text(self.shown_class().label()),
            opt(&self.topic),
            opt(&self.genre),
            Cell::Date(self.written_on),
            Cell::Date(self.published_on),
            Cell::Date(self.effective_on),
            Cell::Date(self.expires_on),
            text(self.validity.key()),
            text(self.validity.label()),
            Cell::Bool(self.public),
            Cell::Bool(self.withdrawn),
            Cell::Text(self.url()),
        ]
    }
}

impl Cell {
    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Date(d) => date(*d).unwrap_or_default(),
            Cell::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        }
    }
}

/// Checks the export arguments before anything is opened.
pub fn check_export_args(format: ExportFormat, out: Option<&str>) -> anyhow::Result<()> {
    if matches!(format, ExportFormat::Xlsx) && out.is_none_or(|o| o.trim().is_empty() || o == "-") {
        bail!("--out: xlsx 格式不能写到标准输出，请用 --out FILE 指定输出文件");
    }
    Ok(())
}

/// Where an export goes: standard output, or a file written beside its final name and renamed
/// into place only when complete.
pub(crate) enum Sink {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    File { w: std::io::BufWriter<std::fs::File>, tmp: PathBuf, path: PathBuf },
}

impl Sink {
    pub(crate) fn open(out: Option<&str>) -> anyhow::Result<Sink> {
        match out {
            None | Some("-") => Ok(Sink::Stdout(std::io::BufWriter::new(std::io::stdout()))),
            Some(path) => {
                let path = PathBuf::from(path);
                let tmp = part_path(&path);
                let f = std::fs::File::create(&tmp).with_context(|| format!("--out: 无法写入“{}”", path.display()))?;
                Ok(Sink::File { w: std::io::BufWriter::new(f), tmp, path })
            }
        }
    }

    pub(crate) fn writer(&mut self) -> &mut dyn Write {
        match self {
            Sink::Stdout(w) => w,
            Sink::File { w, .. } => w,
        }
    }

    pub(crate) fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush().context("无法写入标准输出"),
            Sink::File { w, tmp, path } => {
                let f = w.into_inner().map_err(|e| anyhow!("--out: 无法写入“{}”：{}", path.display(), e.error()))?;
                f.sync_all().with_context(|| format!("--out: 无法写入“{}”", path.display()))?;
                std::fs::rename(&tmp, &path).with_context(|| format!("--out: 无法写入“{}”", path.display()))
            }
        }
    }
}

fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".part");
    path.with_file_name(name)
}

/// Whether an error is a closed pipe (`gongkai export … | head`), which ends the export quietly.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<csv::Error>().is_some_and(
                |ce| matches!(ce.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe),
            )
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|je| je.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// `gongkai export documents --format F [--out FILE]`. Returns how many documents were written.
pub async fn export_documents(svc: &Service, format: ExportFormat, out: Option<&str>) -> anyhow::Result<u64> {
    check_export_args(format, out)?;
    let result = match format {
        ExportFormat::Xlsx => export_xlsx(svc, out.unwrap_or_default()).await,
        ExportFormat::Jsonl | ExportFormat::Csv => {
            let mut sink = Sink::open(out)?;
            let n = match format {
                ExportFormat::Csv => export_csv(svc, sink.writer()).await,
                _ => export_jsonl(svc, sink.writer()).await,
            };
            match n {
                Ok(n) => sink.finish().map(|()| n),
                Err(e) => {
                    if let Sink::File { tmp, .. } = &sink {
                        let _ = std::fs::remove_file(tmp);
                    }
                    Err(e)
                }
            }
        }
    };
    match result {
        Err(e) if out.is_none() && is_broken_pipe(&e) => Ok(0),
        Ok(n) => {
            if let Some(path) = out {
                println!("已导出 {n} 份文件到 {path}");
            }
            Ok(n)
        }
        Err(e) => Err(e),
    }
}

/// Calls `each` for every document in id order, a batch at a time.
async fn for_each_document(
    svc: &Service,
    mut each: impl FnMut(ExportRow) -> anyhow::Result<()>,
) -> anyhow::Result<u64> {
    let ctx = Ctx::system();
    let mut after = 0i64;
    let mut n = 0u64;
    loop {
        let batch = svc.export_batch(&ctx, after, EXPORT_BATCH).await?;
        let Some((last, _)) = batch.last() else { break };
        after = last.id;
        for (d, ed) in &batch {
            each(ExportRow::new(d, ed.as_ref()))?;
            n += 1;
        }
    }
    Ok(n)
}

async fn export_jsonl(svc: &Service, w: &mut dyn Write) -> anyhow::Result<u64> {
    for_each_document(svc, |row| {
        serde_json::to_writer(&mut *w, &row.json_line())?;
        w.write_all(b"\n")?;
        Ok(())
    })
    .await
}

async fn export_csv(svc: &Service, w: &mut dyn Write) -> anyhow::Result<u64> {
    // The BOM makes Excel read the file as UTF-8.
    w.write_all("\u{feff}".as_bytes())?;
    let mut cw = csv::Writer::from_writer(w);
    cw.write_record(TABLE_COLUMNS)?;
    let n = for_each_document(svc, |row| {
        cw.write_record(row.cells().iter().map(Cell::csv))?;
        Ok(())
    })
    .await?;
    cw.flush()?;
    Ok(n)
}

async fn export_xlsx(svc: &Service, out: &str) -> anyhow::Result<u64> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| anyhow!("xlsx: {e}");
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet();
    sheet.set_name("政策文件").map_err(xerr)?;
    for (col, name) in (0u16..).zip(TABLE_COLUMNS) {
        sheet.write_string_with_format(0, col, name, &bold).map_err(xerr)?;
        let width = match name {
            "title" => 60.0,
            "issuer" | "topic" | "index_no" | "doc_number" => 28.0,
            "class_label" | "validity_label" | "external_id" => 18.0,
            "id" | "public" | "withdrawn" => 8.0,
            _ => 12.0,
        };
        sheet.set_column_width(col, width).map_err(xerr)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xerr)?;
    let mut row_no: u32 = 0;
    let n = for_each_document(svc, |row| {
        row_no += 1;
        for (col, cell) in (0u16..).zip(row.cells()) {
            match cell {
                Cell::Text(s) if s.is_empty() => {}
                Cell::Text(s) => {
                    sheet.write_string(row_no, col, s).map_err(xerr)?;
                }
                Cell::Int(i) => {
                    sheet.write_number(row_no, col, i as f64).map_err(xerr)?;
                }
                Cell::Bool(b) => {
                    sheet.write_boolean(row_no, col, b).map_err(xerr)?;
                }
                Cell::Date(None) => {}
                Cell::Date(Some(d)) => {
                    let (y, m, day) = (d.year(), d.month(), d.day());
                    match (u16::try_from(y), u8::try_from(m), u8::try_from(day)) {
                        (Ok(y), Ok(m), Ok(day)) if (1900..=9999).contains(&y) => {
                            let dt = ExcelDateTime::from_ymd(y, m, day).map_err(xerr)?;
                            sheet.write_datetime_with_format(row_no, col, &dt, &date_fmt).map_err(xerr)?;
                        }
                        // Excel has no dates before 1900; keep the text.
                        _ => {
                            sheet.write_string(row_no, col, d.format("%Y-%m-%d").to_string()).map_err(xerr)?;
                        }
                    }
                }
            }
        }
        Ok(())
    })
    .await?;
    if row_no > 0 {
        sheet.autofilter(0, 0, row_no, (TABLE_COLUMNS.len() - 1) as u16).map_err(xerr)?;
    }
    let path = PathBuf::from(out);
    let tmp = part_path(&path);
    let saved = book.save(&tmp).map_err(|e| anyhow!("--out: 无法写入“{out}”：{e}"));
    if let Err(e) = saved {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, &path).with_context(|| format!("--out: 无法写入“{out}”"))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(extra: &str) -> String {
        format!(
            r#"{{"id":"x-1","title":"某某条例","doc_type":"行政法规","issuer":null,"doc_number":"国务院令第1号","promulgated":"2020-01-02","effective":"2020-03-01","validity":"已废止","category":"国务院政策文件/综合政务/政务公开","body":"第一条 内容","source":"repo@abc:path"{extra}}}"#
        )
    }

    #[test]
    fn corpus_line_maps_every_field() {
        let d = parse_line(&line("")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.external_id, "x-1");
        assert_eq!(d.fields.title, "某某条例");
        assert_eq!(d.fields.class, Some(DocClass::AdministrativeRegulation));
        assert_eq!(d.fields.issuer, "");
        assert_eq!(d.fields.doc_number.as_deref(), Some("国务院令第1号"));
        assert_eq!(d.published_on, NaiveDate::from_ymd_opt(2020, 1, 2));
        assert_eq!(d.fields.effective_on, NaiveDate::from_ymd_opt(2020, 3, 1));
        assert_eq!(d.validity, Some(Validity::Repealed));
        assert_eq!(d.fields.topic.as_deref(), Some("综合政务\\政务公开"));
        assert_eq!(d.fields.body, "第一条 内容");
    }

    #[test]
    fn a_validity_statement_may_carry_its_date() {
        let d = parse_line(&line(r#","validity_on":"2023-06-30""#)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.validity_on, NaiveDate::from_ymd_opt(2023, 6, 30));
        assert_eq!(parse_line(&line("")).map(|d| d.validity_on).ok(), Some(None), "undated without it");
        let e = parse_line(&line(r#","validity_on":"2023-02-30""#)).err().map(|e| e.to_string());
        assert!(e.unwrap_or_default().starts_with("validity_on: "));
        let no_status = line(r#","validity_on":"2023-06-30""#).replace(r#""validity":"已废止""#, r#""validity":null"#);
        let e = parse_line(&no_status).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("validity_on: "), "{e}");
    }

    #[test]
    fn strict_schema_names_the_field() {
        let e = parse_line(&line(r#","extra":1"#)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("extra: "), "{e}");
        let e = parse_line(r#"{"id":"a","body":""}"#).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("title: "), "{e}");
        let e = parse_line(&line("").replace("\"2020-01-02\"", "\"2020-13-01\"")).err().map(|e| e.to_string());
        assert!(e.unwrap_or_default().starts_with("promulgated: "));
        let e = parse_line(&line("").replace("已废止", "永久有效")).err().map(|e| e.to_string());
        assert!(e.unwrap_or_default().starts_with("validity: "));
        let e = parse_line(&line("").replace("行政法规", "圣旨")).err().map(|e| e.to_string());
        assert!(e.unwrap_or_default().starts_with("doc_type: "));
        let e = parse_line(&line(r#","class":"law""#)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("class: "), "{e}");
        let e = parse_line(&line(r#","public":false"#)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("public: "), "{e}");
        assert!(parse_line("[1]").is_err());
        assert!(parse_line("{").is_err());
    }

    #[test]
    fn categories_only_give_known_topics() {
        assert_eq!(topic_from_category("国务院政策文件/科技、教育/科技").as_deref(), Some("科技、教育\\科技"));
        assert_eq!(topic_from_category("国务院政策文件/其他").as_deref(), Some("其他"));
        assert_eq!(topic_from_category("国务院政策文件/综合政务\\政务公开").as_deref(), Some("综合政务\\政务公开"));
        assert_eq!(topic_from_category("国务院政策文件/星际航行"), None);
        assert_eq!(topic_from_category("地方性法规/浙江"), None);
        assert_eq!(topic_from_category("行政法"), None);
        let d = parse_line(&line("").replace("综合政务/政务公开", "不存在")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.fields.topic, None, "an unknown category is ignored, not an error");
    }

    #[test]
    fn an_export_line_imports_as_it_was() {
        let row = ExportRow {
            id: 7,
            index_no: "demo/2020-00001".into(),
            external_id: Some("x-1".into()),
            title: "某某条例".into(),
            issuer: "国务院".into(),
            doc_number: None,
            class: Some(DocClass::AdministrativeRegulation),
            topic: Some("综合政务\\政务公开".into()),
            genre: Some("通知".into()),
            written_on: NaiveDate::from_ymd_opt(2019, 12, 30),
            published_on: NaiveDate::from_ymd_opt(2020, 1, 2),
            effective_on: None,
            expires_on: NaiveDate::from_ymd_opt(2030, 1, 1),
            validity: Validity::Unknown,
            reg_no: Some("SFSR-2025-00003".into()),
            keywords: vec!["补贴".into(), "就业".into()],
            public: true,
            withdrawn: false,
            body: Some("正文".into()),
        };
        let json = serde_json::to_string(&row.json_line()).unwrap_or_default();
        let d = parse_line(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(d.external_id, "x-1");
        assert_eq!(d.validity, Some(Validity::Unknown));
        assert_eq!(d.fields.topic, row.topic);
        assert_eq!(d.fields.genre, row.genre);
        assert_eq!(d.fields.written_on, row.written_on);
        assert_eq!(d.fields.expires_on, row.expires_on);
        assert_eq!(d.published_on, row.published_on);
        assert_eq!(d.fields.issuer, "国务院");
        assert_eq!(d.fields.reg_no, row.reg_no);
        assert_eq!(d.fields.keywords, row.keywords);
        let e = parse_line(&line(r#","keywords":"a,b""#)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("keywords: "), "{e}");
    }

    #[test]
    fn compression_from_the_name() {
        assert_eq!(Compression::from_name("a.jsonl.zst"), Compression::Zstd);
        assert_eq!(Compression::from_name("A.JSONL.GZ"), Compression::Gzip);
        assert_eq!(Compression::from_name("a.jsonl"), Compression::Plain);
        assert_eq!(part_path(Path::new("/tmp/x.csv")), PathBuf::from("/tmp/x.csv.part"));
    }
}

/// Property-based tests of the line reader: `PROPTEST_CASES` cases each (64 unless set; see
/// CONTRIBUTING.md).
#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    use super::*;

    fn config() -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64);
        ProptestConfig { cases, ..ProptestConfig::default() }
    }

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "\\PC{0,12}".prop_map(Value::String),
            "(19|20)[0-9]{2}-[0-1][0-9]-[0-3][0-9]".prop_map(Value::String),
            Just(json!(["关键词", 1])),
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        let keys: Vec<&str> = CORPUS_KEYS.iter().chain(EXPORT_KEYS.iter()).copied().chain(["bogus"]).collect();
        prop::sample::select(keys).prop_map(str::to_owned)
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn any_text_is_a_clear_error_or_a_document(line in "\\PC{0,120}") {
            if let Err(e) = parse_line(&line) {
                prop_assert!(!e.message.is_empty());
            }
        }

        #[test]
        fn any_object_errs_naming_one_of_its_fields(map in prop::collection::btree_map(key(), scalar(), 0..12)) {
            let obj: Map<String, Value> = map.clone().into_iter().collect();
            let line = Value::Object(obj).to_string();
            match parse_line(&line) {
                Ok(d) => prop_assert_eq!(Some(&Value::String(d.external_id)), map.get("id")),
                Err(e) => {
                    prop_assert!(!e.message.is_empty());
                    if let Some(field) = &e.field {
                        let required = ["id", "title", "body"].contains(&field.as_str());
                        prop_assert!(required || map.contains_key(field), "{} not in {:?}", field, map.keys());
                    }
                }
            }
        }

        #[test]
        fn valid_lines_keep_their_text(id in "[a-z0-9-]{1,20}", title in "\\PC{1,40}", body in "\\PC{0,200}") {
            prop_assume!(!title.trim().is_empty());
            let line = json!({"id": id, "title": title, "body": body}).to_string();
            match parse_line(&line) {
                Ok(d) => {
                    prop_assert_eq!(d.external_id, id);
                    prop_assert_eq!(d.fields.title, title);
                    prop_assert_eq!(d.fields.body, body);
                }
                Err(e) => prop_assert!(!e.message.is_empty()),
            }
        }
    }
}
