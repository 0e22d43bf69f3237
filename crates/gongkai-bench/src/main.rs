//! `gongkai-bench`: the search benchmark (全文检索基准) behind BENCHMARKS.md.
//!
//! * `gen` — the shared corpus, optionally scaled by a deterministic generator that recombines
//!   real paragraphs under new titles and metadata, as import JSONL;
//! * `queries` — known-item queries built from the corpus: full title, 2–3 title words, a body
//!   phrase, a short term, a 发文字号 written with other brackets;
//! * `engines` — the same queries, same data, same run, against gongkai's index (opened from a
//!   data directory built by `gongkai import documents` + `gongkai reindex`), SQLite FTS5 with
//!   the trigram tokenizer, and PostgreSQL with pg_trgm (`ILIKE '%…%'` on GIN trigram indexes):
//!   recall@1, recall@10, MRR per kind, latency p50/p99, throughput;
//! * `http` — latency and throughput of `GET /api/v1/search` on a running server at several
//!   concurrencies.
//!
//! This is a measuring tool, not part of the product; it holds the baselines' SQL itself.

use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use gongkai_search::analyze::jieba_words;
use gongkai_search::{Audience, Filters, SearchHome, SearchRequest, Sort, WriterOptions, parse_query};
use serde_json::{Value, json};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag =
        |name: &str| -> Option<String> { args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned() };
    match args.first().map(String::as_str) {
        Some("gen") => gen_corpus(
            &flag("--corpus").context("--corpus FILE")?,
            flag("--docs").map(|s| s.parse()).transpose()?.unwrap_or(0),
            &flag("--out").context("--out FILE")?,
        ),
        Some("queries") => make_queries(
            &flag("--corpus").context("--corpus FILE")?,
            flag("--collection").as_deref(),
            flag("--per-kind").map(|s| s.parse()).transpose()?.unwrap_or(200),
            &flag("--out").context("--out FILE")?,
        ),
        Some("engines") => {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            rt.block_on(engines(
                PathBuf::from(flag("--data").context("--data DIR")?),
                flag("--docs").context("--docs FILE (the imported JSONL)")?,
                flag("--queries").context("--queries FILE")?,
                flag("--pg"),
                flag("--budget-s").map(|s| s.parse()).transpose()?.unwrap_or(600.0),
                flag("--out").context("--out FILE")?,
            ))
        }
        Some("http") => {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
            rt.block_on(http(
                &flag("--addr").context("--addr HOST:PORT")?,
                &flag("--queries").context("--queries FILE")?,
                flag("--seconds").map(|s| s.parse()).transpose()?.unwrap_or(10),
                &flag("--out").context("--out FILE")?,
            ))
        }
        _ => bail!("usage: gongkai-bench gen|queries|engines|http …  (see bench/search/run.sh)"),
    }
}

fn read_jsonl(path: &str) -> anyhow::Result<Vec<Value>> {
    let f = std::fs::File::open(path).with_context(|| path.to_owned())?;
    let r: Box<dyn Read> =
        if path.ends_with(".zst") { Box::new(zstd::stream::read::Decoder::new(f)?) } else { Box::new(f) };
    let mut out = Vec::new();
    for line in std::io::BufReader::new(r).lines() {
        let line = line?;
        if !line.trim().is_empty() {
            out.push(serde_json::from_str(&line)?);
        }
    }
    Ok(out)
}

/// Deterministic pseudo-random numbers (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn gen_corpus(corpus: &str, docs: usize, out: &str) -> anyhow::Result<()> {
    let real = read_jsonl(corpus)?;
    let mut w = BufWriter::new(std::fs::File::create(out)?);
    for d in &real {
        serde_json::to_writer(&mut w, d)?;
        w.write_all(b"\n")?;
    }
    let paragraphs: Vec<&str> = real
        .iter()
        .filter_map(|d| d["body"].as_str())
        .flat_map(|b| b.lines())
        .filter(|p| p.chars().count() >= 30)
        .collect();
    let words: Vec<String> = real
        .iter()
        .filter_map(|d| d["title"].as_str())
        .flat_map(|t| jieba_words(t).into_iter().map(|w| w.2.to_owned()).collect::<Vec<_>>())
        .filter(|w| w.chars().count() >= 2)
        .collect();
    let issuers =
        ["示范省人民政府", "清江市人民政府", "示范省教育厅", "示范省财政厅", "云岭县人民政府", "示范省卫生健康委员会"];
    let genres = ["通知", "意见", "办法", "规定", "实施细则", "决定"];
    let agencies = ["示府发", "清府办", "示教发", "示财规", "云政发", "示卫发"];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in real.len()..docs {
        let k = rng.below(issuers.len());
        let title = format!(
            "{}关于{}{}和{}的{}",
            issuers[k],
            words[rng.below(words.len())],
            words[rng.below(words.len())],
            words[rng.below(words.len())],
            genres[rng.below(genres.len())]
        );
        let n = 2 + rng.below(3);
        let body: Vec<&str> = (0..n).map(|_| paragraphs[rng.below(paragraphs.len())]).collect();
        let year = 2010 + rng.below(16);
        let d = json!({
            "id": format!("gen-{i:06}"),
            "title": title,
            "doc_type": "其他",
            "issuer": issuers[k],
            "doc_number": format!("{}〔{year}〕{}号", agencies[k], 1 + rng.below(300)),
            "promulgated": format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
            "effective": null,
            "validity": if rng.below(5) == 0 { "已废止" } else { "现行有效" },
            "category": "生成文件/基准",
            "body": body.join("\n"),
            "source": "gongkai-bench gen",
        });
        serde_json::to_writer(&mut w, &d)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    println!("wrote {} documents to {out}", docs.max(real.len()));
    Ok(())
}

const STOP: &[&str] = &["关于", "中华人民共和国", "规定", "办法", "条例", "决定", "通知", "实施", "管理", "若干"];

/// Builds the known-item queries. Each query line is `kind TAB text TAB ids`: `ids` is the source
/// document first, then every other document that satisfies the query exactly as well as the
/// source does (the same title; a title with all the words; a body with the same phrase; the same
/// 发文字号; a title with the short term). Those are duplicates no engine can tell apart from the source:
/// the scaled corpus reuses real paragraphs and title words, so a body phrase occurs in several
/// documents. A short term is the title word (2–4 characters) in the fewest titles of the whole
/// collection: one title where there is such a word (always in the shipped corpus, rarely at scale).
fn make_queries(corpus: &str, collection: Option<&str>, per_kind: usize, out: &str) -> anyhow::Result<()> {
    // Queries come from the real documents of `corpus`; right answers and uniqueness are judged over
    // the whole `collection` searched (the scaled set), which holds the corpus too.
    let sources = read_jsonl(corpus)?;
    let docs = match collection {
        Some(c) => read_jsonl(c)?,
        None => sources.clone(),
    };
    let field = |d: &Value, k: &str| d[k].as_str().unwrap_or_default().to_owned();
    let titles: Vec<String> = docs.iter().map(|d| field(d, "title")).collect();
    let bodies: Vec<String> = docs.iter().map(|d| field(d, "body")).collect();
    let numbers: Vec<String> = docs.iter().map(|d| field(d, "doc_number")).collect();
    let ids: Vec<String> = docs.iter().map(|d| field(d, "id")).collect();
    // Document frequency of title words, to pick a distinctive short term.
    let mut df: HashMap<String, usize> = HashMap::new();
    for t in &titles {
        let mut seen: Vec<&str> = jieba_words(t).into_iter().map(|w| w.2).collect();
        seen.sort();
        seen.dedup();
        for w in seen {
            *df.entry(w.to_owned()).or_insert(0) += 1;
        }
    }
    let in_titles = |needle: &str| titles.iter().filter(|t| t.contains(needle)).count();
    // (kind, text, index of the source document)
    let mut picked: Vec<(&'static str, String, usize)> = Vec::new();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut emit = |picked: &mut Vec<_>, kind: &'static str, q: String, i: usize| {
        if q.contains('\t') || q.contains('\n') || q.trim().is_empty() {
            return;
        }
        let c = counts.entry(kind).or_insert(0);
        if *c < per_kind {
            *c += 1;
            picked.push((kind, q, i));
        }
    };
    let at: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let source_at: Vec<usize> = sources
        .iter()
        .map(|d| {
            at.get(d["id"].as_str().unwrap_or_default()).copied().context("a corpus document is not in the collection")
        })
        .collect::<anyhow::Result<_>>()?;
    // Every `step`-th source document, then the ones in between, until every kind has its share.
    let step = (source_at.len() / per_kind).max(1);
    let order = (0..step).flat_map(|o| (o..source_at.len()).step_by(step));
    for k in order {
        let i = source_at[k];
        let (title, body) = (&titles[i], &bodies[i]);
        emit(&mut picked, "title", title.clone(), i);
        let tw: Vec<&str> = jieba_words(title)
            .into_iter()
            .map(|x| x.2)
            .filter(|x| x.chars().count() >= 2 && !STOP.contains(x))
            .collect();
        let mut uniq: Vec<&str> = Vec::new();
        for x in tw {
            if !uniq.iter().any(|u| u.contains(x) || x.contains(u)) {
                uniq.push(x);
            }
        }
        if uniq.len() >= 2 {
            let pick: Vec<&str> =
                if uniq.len() >= 3 { vec![uniq[0], uniq[uniq.len() / 2], uniq[uniq.len() - 1]] } else { uniq.clone() };
            emit(&mut picked, "title_words", pick.join(" "), i);
        }
        let mut shorts: Vec<&str> = uniq.iter().copied().filter(|x| (2..=4).contains(&x.chars().count())).collect();
        shorts.sort_by_key(|x| df.get(*x).copied().unwrap_or(0));
        // The candidate in the fewest titles (one, where there is such a term).
        if let Some((_, short)) = shorts.into_iter().take(3).map(|x| (in_titles(x), x)).min_by_key(|(n, _)| *n) {
            emit(&mut picked, "short_term", short.to_owned(), i);
        }
        // A body phrase: 10 characters from the middle of a long paragraph.
        let paras: Vec<&str> = body.lines().filter(|p| p.chars().count() >= 40).collect();
        if !paras.is_empty() {
            let p: Vec<char> = paras[paras.len() / 2].chars().collect();
            let start = p.len() / 3;
            emit(&mut picked, "body_phrase", p[start..start + 10].iter().collect(), i);
        }
        let n = &numbers[i];
        if n.contains('〔') && k % 2 == 0 {
            emit(&mut picked, "doc_number", n.replace('〔', "[").replace('〕', "]"), i);
        }
        if picked.len() >= 5 * per_kind {
            break;
        }
    }
    // The documents equally right for each query.
    let phrases: Vec<&str> =
        picked.iter().filter(|(k, _, _)| *k == "body_phrase").map(|(_, q, _)| q.as_str()).collect();
    let ac = aho_corasick::AhoCorasick::new(&phrases)?;
    let mut with_phrase: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, b) in bodies.iter().enumerate() {
        let mut found: Vec<usize> = ac.find_overlapping_iter(b.as_str()).map(|m| m.pattern().as_usize()).collect();
        found.sort_unstable();
        found.dedup();
        for f in found {
            with_phrase.entry(phrases[f]).or_default().push(i);
        }
    }
    let mut w = BufWriter::new(std::fs::File::create(out)?);
    for (kind, q, src) in &picked {
        let same: Vec<usize> = match *kind {
            "title" => (0..docs.len()).filter(|&i| titles[i] == *q).collect(),
            "title_words" => (0..docs.len()).filter(|&i| q.split(' ').all(|x| titles[i].contains(x))).collect(),
            "body_phrase" => with_phrase.get(q.as_str()).cloned().unwrap_or_default(),
            "short_term" => (0..docs.len()).filter(|&i| titles[i].contains(q.as_str())).collect(),
            "doc_number" => (0..docs.len()).filter(|&i| numbers[i] == numbers[*src]).collect(),
            _ => Vec::new(),
        };
        let mut expected = vec![ids[*src].as_str()];
        expected.extend(same.iter().filter(|&&i| i != *src).map(|&i| ids[i].as_str()));
        writeln!(w, "{kind}\t{q}\t{}", expected.join(","))?;
    }
    w.flush()?;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (kind, _, _) in &picked {
        *counts.entry(kind).or_insert(0) += 1;
    }
    println!("queries: {counts:?}");
    Ok(())
}

#[derive(Clone)]
struct Query {
    kind: String,
    text: String,
    /// The source document first, then its exact duplicates for this query.
    expected: Vec<String>,
}

fn read_queries(path: &str) -> anyhow::Result<Vec<Query>> {
    let mut out = Vec::new();
    for line in std::fs::read_to_string(path)?.lines() {
        let mut it = line.splitn(3, '\t');
        let (Some(k), Some(t), Some(e)) = (it.next(), it.next(), it.next()) else { continue };
        out.push(Query { kind: k.into(), text: t.into(), expected: e.split(',').map(str::to_owned).collect() });
    }
    Ok(out)
}

/// Terms of a query as a user types them (quotes stripped).
fn terms(q: &str) -> Vec<String> {
    q.split_whitespace().map(|t| t.trim_matches('"').to_owned()).filter(|t| !t.is_empty()).collect()
}

#[derive(Default)]
struct Tally {
    n: usize,
    at1: usize,
    at10: usize,
    rr: f64,
}

impl Tally {
    /// Counts one query whose first right answer was at `pos` (0-based) in the top ten, or not there.
    fn add(&mut self, pos: Option<usize>) {
        self.n += 1;
        if let Some(pos) = pos {
            if pos == 0 {
                self.at1 += 1;
            }
            self.at10 += 1;
            self.rr += 1.0 / (pos as f64 + 1.0);
        }
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

type Engine = Arc<
    dyn Fn(String) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<Vec<String>>> + Send>>
        + Send
        + Sync,
>;

async fn engines(
    data: PathBuf,
    docs_path: String,
    queries: String,
    pg: Option<String>,
    budget_s: f64,
    out: String,
) -> anyhow::Result<()> {
    use sqlx::Row;
    let queries = read_queries(&queries)?;
    let docs = read_jsonl(&docs_path)?;
    let mut report = json!({ "docs": docs.len(), "queries": queries.len(), "engines": {} });

    // gongkai: the index of the data directory (the server must be stopped).
    let home = Arc::new(SearchHome::open(&data.join("search"), WriterOptions::default()).map_err(|e| anyhow!("{e}"))?);
    let g = Arc::clone(&home);
    let gongkai: Engine = Arc::new(move |q: String| {
        let g = Arc::clone(&g);
        Box::pin(async move {
            let req = SearchRequest {
                query: parse_query(&q).map_err(|e| anyhow!("{e}"))?,
                filters: Filters::default(),
                sort: Sort::Relevance,
                offset: 0,
                limit: 10,
                audience: Audience::Public,
                facets: true,
            };
            let r = tokio::task::spawn_blocking(move || g.index().search(&req)).await?.map_err(|e| anyhow!("{e}"))?;
            Ok(r.hits.into_iter().filter_map(|h| h.external_id).collect())
        })
    });

    // SQLite FTS5, trigram tokenizer (bundled SQLite 3.51).
    let fts_path = data.join("bench-fts5.db");
    let _ = std::fs::remove_file(&fts_path);
    let sqlite = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(&fts_path).create_if_missing(true))
        .await?;
    sqlx::query("CREATE VIRTUAL TABLE docs USING fts5(ext UNINDEXED, title, body, tokenize='trigram')")
        .execute(&sqlite)
        .await?;
    let t0 = Instant::now();
    let mut tx = sqlite.begin().await?;
    for d in &docs {
        sqlx::query("INSERT INTO docs (ext, title, body) VALUES ($1, $2, $3)")
            .bind(d["id"].as_str())
            .bind(d["title"].as_str())
            .bind(d["body"].as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let fts_load = t0.elapsed().as_secs_f64();
    let fts_size = std::fs::metadata(&fts_path)?.len();
    report["engines"]["sqlite_fts5_trigram"] = json!({ "load_s": fts_load, "size_bytes": fts_size });
    let s2 = sqlite.clone();
    let fts: Engine = Arc::new(move |q: String| {
        let s = s2.clone();
        Box::pin(async move {
            let ts = terms(&q);
            let (long, short): (Vec<String>, Vec<String>) = ts.into_iter().partition(|t| t.chars().count() >= 3);
            let mut sql = String::from("SELECT ext FROM docs WHERE 1=1");
            let mut binds: Vec<String> = Vec::new();
            if !long.is_empty() {
                sql.push_str(" AND docs MATCH $1");
                binds.push(
                    long.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" AND "),
                );
            }
            for t in &short {
                let n = binds.len() + 1;
                // instr(): a plain substring scan (LIKE on the FTS table cannot be combined with MATCH).
                sql.push_str(&format!(" AND (instr(title, ${n}) > 0 OR instr(body, ${n}) > 0)"));
                binds.push(t.clone());
            }
            if long.is_empty() {
                sql.push_str(" LIMIT 10");
            } else {
                sql.push_str(" ORDER BY bm25(docs, 0.0, 10.0, 1.0) LIMIT 10");
            }
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for b in &binds {
                query = query.bind(b);
            }
            let rows = query.fetch_all(&s).await?;
            Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
        })
    });

    let mut engines: Vec<(&str, Engine)> = vec![("gongkai", gongkai), ("sqlite_fts5_trigram", fts)];
    // Round-robin over the kinds: the i-th query of every kind, then the (i+1)-th.
    let mut kinds: Vec<&str> = Vec::new();
    for q in &queries {
        if !kinds.contains(&q.kind.as_str()) {
            kinds.push(&q.kind);
        }
    }
    let mut order = Vec::with_capacity(queries.len());
    for i in 0.. {
        let before = order.len();
        for k in &kinds {
            if let Some(q) = queries.iter().filter(|q| q.kind == *k).nth(i) {
                order.push(q.clone());
            }
        }
        if order.len() == before {
            break;
        }
    }

    // PostgreSQL pg_trgm: GIN trigram indexes, ILIKE per term, ordered by title similarity.
    if let Some(url) = pg {
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect(&url).await?;
        sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute(&pool).await?;
        sqlx::query("DROP TABLE IF EXISTS bench_docs").execute(&pool).await?;
        sqlx::query("CREATE TABLE bench_docs (ext TEXT PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL)")
            .execute(&pool)
            .await?;
        let t0 = Instant::now();
        for chunk in docs.chunks(500) {
            let mut tx = pool.begin().await?;
            for d in chunk {
                sqlx::query("INSERT INTO bench_docs VALUES ($1, $2, $3)")
                    .bind(d["id"].as_str())
                    .bind(d["title"].as_str().unwrap_or_default())
                    .bind(d["body"].as_str().unwrap_or_default())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        sqlx::query("CREATE INDEX bench_title_trgm ON bench_docs USING gin (title gin_trgm_ops)")
            .execute(&pool)
            .await?;
        sqlx::query("CREATE INDEX bench_body_trgm ON bench_docs USING gin (body gin_trgm_ops)").execute(&pool).await?;
        sqlx::query("ANALYZE bench_docs").execute(&pool).await?;
        let pg_load = t0.elapsed().as_secs_f64();
        pool.close().await;
        // Queries only (not the load above): one running longer than 15 s is cancelled and counted as a
        // miss (an error) at 15 s.
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("SET statement_timeout = '15s'").execute(conn).await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let size: i64 = sqlx::query_scalar("SELECT pg_total_relation_size('bench_docs')").fetch_one(&pool).await?;
        report["engines"]["postgresql_pg_trgm"] = json!({ "load_s": pg_load, "size_bytes": size });
        let pg: Engine = Arc::new(move |q: String| {
            let p = pool.clone();
            Box::pin(async move {
                let ts = terms(&q);
                let mut sql = String::from("SELECT ext FROM bench_docs WHERE 1=1");
                for (i, _) in ts.iter().enumerate() {
                    sql.push_str(&format!(" AND (title ILIKE ${n} OR body ILIKE ${n})", n = i + 2));
                }
                sql.push_str(" ORDER BY similarity(title, $1) DESC LIMIT 10");
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(q.clone());
                for t in &ts {
                    let esc = t.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    query = query.bind(format!("%{esc}%"));
                }
                let rows = query.fetch_all(&p).await?;
                Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
            })
        });
        engines.push(("postgresql_pg_trgm", pg));
    }

    for (name, engine) in &engines {
        // Warm-up, then one timed pass (single caller) for quality and latency, in round-robin order over
        // the kinds so that a pass cut short by the time budget still covers every kind alike.
        for q in order.iter().take(10) {
            let _ = engine(q.text.clone()).await;
        }
        let mut by_kind: HashMap<String, Tally> = HashMap::new();
        let mut strict_by_kind: HashMap<String, Tally> = HashMap::new();
        let mut lat: Vec<f64> = Vec::new();
        let mut errors = 0;
        let started = Instant::now();
        let mut run = 0usize;
        for q in &order {
            if started.elapsed().as_secs_f64() > budget_s {
                break;
            }
            run += 1;
            let t = Instant::now();
            let r = engine(q.text.clone()).await;
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
            let ids = match r {
                Ok(ids) => ids,
                Err(e) => {
                    errors += 1;
                    if errors < 3 {
                        eprintln!("{name}: {e}");
                    }
                    Vec::new()
                }
            };
            let any = ids.iter().position(|x| q.expected.contains(x));
            let strict = ids.iter().position(|x| q.expected.first() == Some(x));
            for kind in [q.kind.as_str(), "all"] {
                by_kind.entry(kind.to_owned()).or_default().add(any);
                strict_by_kind.entry(kind.to_owned()).or_default().add(strict);
            }
        }
        let quality = |tallies: &HashMap<String, Tally>| -> Value {
            tallies
                .iter()
                .map(|(k, t)| {
                    let n = t.n.max(1) as f64;
                    let v = json!({ "n": t.n, "recall_at_1": t.at1 as f64 / n, "recall_at_10": t.at10 as f64 / n, "mrr": t.rr / n });
                    (k.clone(), v)
                })
                .collect::<serde_json::Map<String, Value>>()
                .into()
        };
        let mut l2 = lat.clone();
        let p50 = percentile(&mut l2, 0.5);
        let p99 = percentile(&mut l2, 0.99);
        // Throughput: two callers (the machine's cores) over the mix for up to 20 s.
        let t0 = Instant::now();
        let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for w in 0..2 {
            let engine = Arc::clone(engine);
            let qs: Vec<String> = queries.iter().skip(w).step_by(2).map(|q| q.text.clone()).collect();
            let done = Arc::clone(&done);
            tasks.push(tokio::spawn(async move {
                for q in qs.iter().cycle() {
                    if t0.elapsed() > Duration::from_secs(20) {
                        break;
                    }
                    let _ = engine(q.clone()).await;
                    if done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1 >= 2 * qs.len().max(1) {
                        break;
                    }
                }
            }));
        }
        for t in tasks {
            t.await?;
        }
        let qps = done.load(std::sync::atomic::Ordering::Relaxed) as f64 / t0.elapsed().as_secs_f64();
        let entry = report["engines"][name].as_object().cloned().unwrap_or_default();
        let mut entry = Value::Object(entry);
        entry["quality"] = quality(&by_kind);
        entry["quality_source_only"] = quality(&strict_by_kind);
        entry["latency_ms"] = json!({ "p50": p50, "p99": p99 });
        entry["throughput_qps_2_callers"] = json!(qps);
        entry["errors"] = json!(errors);
        entry["queries_run"] = json!(run);
        report["engines"][name] = entry;
        println!(
            "{name}: p50 {p50:.2} ms, p99 {p99:.2} ms, {qps:.0} q/s, all {}",
            report["engines"][name]["quality"]["all"]
        );
    }
    std::fs::write(&out, serde_json::to_string_pretty(&report)?)?;
    Ok(())
}

async fn http(addr: &str, queries: &str, seconds: u64, out: &str) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let qs: Arc<Vec<String>> = Arc::new(
        read_queries(queries)?
            .into_iter()
            .map(|q| {
                let enc: String = url::form_urlencoded::byte_serialize(q.text.as_bytes()).collect();
                format!("GET /api/v1/search?q={enc} HTTP/1.1\r\nHost: {addr}\r\n\r\n")
            })
            .collect(),
    );
    let mut report = Vec::new();
    for conc in [1usize, 16, 64] {
        let t0 = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..conc {
            let qs = Arc::clone(&qs);
            let addr = addr.to_owned();
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut errors = 0usize;
                let mut s = tokio::net::TcpStream::connect(&addr).await?;
                s.set_nodelay(true)?;
                let mut buf = vec![0u8; 1 << 16];
                let mut i = w * 7;
                while t0.elapsed() < Duration::from_secs(seconds) {
                    let req = &qs[i % qs.len()];
                    i += 1;
                    let t = Instant::now();
                    s.write_all(req.as_bytes()).await?;
                    // Read headers, then exactly Content-Length bytes.
                    let mut have = Vec::new();
                    let (head_end, len) = loop {
                        let n = s.read(&mut buf).await?;
                        if n == 0 {
                            bail!("connection closed");
                        }
                        have.extend_from_slice(&buf[..n]);
                        if let Some(p) = have.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&have[..p]).to_ascii_lowercase();
                            if !head.starts_with("http/1.1 200") {
                                errors += 1;
                            }
                            let len = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>()))
                                .transpose()?
                                .ok_or_else(|| anyhow!("no content-length"))?;
                            break (p + 4, len);
                        }
                    };
                    while have.len() < head_end + len {
                        let n = s.read(&mut buf).await?;
                        if n == 0 {
                            bail!("connection closed");
                        }
                        have.extend_from_slice(&buf[..n]);
                    }
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                Ok::<_, anyhow::Error>((lat, errors))
            }));
        }
        let mut lat = Vec::new();
        let mut errors = 0;
        for t in tasks {
            let (l, e) = t.await??;
            lat.extend(l);
            errors += e;
        }
        let secs = t0.elapsed().as_secs_f64();
        let n = lat.len();
        let p50 = percentile(&mut lat, 0.5);
        let p99 = percentile(&mut lat, 0.99);
        println!(
            "concurrency {conc}: {n} requests, {:.0} req/s, p50 {p50:.2} ms, p99 {p99:.2} ms, errors {errors}",
            n as f64 / secs
        );
        report.push(json!({ "concurrency": conc, "requests": n, "rps": n as f64 / secs, "p50_ms": p50, "p99_ms": p99, "errors": errors }));
    }
    std::fs::write(out, serde_json::to_string_pretty(&report)?)?;
    Ok(())
}
