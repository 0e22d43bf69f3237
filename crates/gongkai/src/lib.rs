//! The `gongkai` binary: command line, configuration, start-up and wiring. `main.rs` only parses
//! the command line and calls [`run`]; [`serve`] takes a bound listener and a shutdown future so
//! tests can start a real server on port 0 and stop it cleanly.
//!
//! Start-up order: parse the command line, load and validate the configuration, start logging,
//! open the store (migrating SQLite; PostgreSQL must be migrated with `gongkai migrate`), build the
//! router, serve until SIGINT/SIGTERM, let running requests finish, close the store.

pub mod calendar;
pub mod cli;
pub mod config;
mod foi_config;
mod foi_import;
pub mod qa_transfer;
pub mod report;
pub mod review;
pub mod scan;
pub mod transfer;

use std::future::Future;
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use gongkai_domain::role::Role;
use gongkai_service::{Backend, Ctx, OpenOptions, Service, ShiftedClock, Store, SystemClock};

use crate::cli::{
    AuditCommand, Cli, Command, ConfigCommand, ListFormat, OrgCommand, ServeArgs, TokenCommand, UserCommand,
};
use crate::config::{Config, Overrides};

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    if matches!(cli.command, Command::Import(_)) {
        one_cpu();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Keeps the process (the threads it starts from now on) on one CPU. An import is a chain of
/// small statements, each a hand-over between the command's thread and the database driver's;
/// on a virtual machine a hand-over to another CPU costs tens of microseconds, and on one CPU the
/// same import ran about four times faster (20,000 small documents: 48 s → 12 s on 2 vCPUs). It
/// also leaves the other CPUs to a running `gongkai serve`. Best effort: nothing happens where
/// the call is not available.
fn one_cpu() {
    #[cfg(target_os = "linux")]
    {
        use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
        use nix::unistd::Pid;
        let me = Pid::from_raw(0);
        let Ok(allowed) = sched_getaffinity(me) else { return };
        let Some(cpu) = (0..CpuSet::count()).find(|&i| allowed.is_set(i).unwrap_or(false)) else { return };
        let mut one = CpuSet::new();
        if one.set(cpu).is_ok() {
            let _ = sched_setaffinity(me, &one);
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let listen = match &cli.command {
        Command::Serve(s) => s.listen.clone(),
        _ => None,
    };
    let overrides = Overrides { data: cli.data.clone(), database_url: cli.database_url.clone(), listen };
    let env: Vec<(String, String)> = std::env::vars().filter(|(k, _)| k.starts_with("GONGKAI_")).collect();
    Config::load(cli.config.as_deref(), &env, &overrides).map_err(|e| anyhow!(e))
}

fn init_logging(cfg: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&cfg.log.level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if cfg.log.format == "json" { builder.json().try_init() } else { builder.try_init() };
}

/// Opens the store named by the configuration. SQLite: creates the data directory, checks it is
/// writable, migrates. PostgreSQL: migrates only when `migrate` is true, otherwise refuses to run
/// on an out-of-date schema.
pub async fn open_store(cfg: &Config, migrate: bool) -> anyhow::Result<Store> {
    let url = cfg.database_url();
    if cfg.is_sqlite() {
        let dir = cfg.data_path();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("server.data_dir: 无法创建数据目录“{}”", dir.display()))?;
        let probe = dir.join(".write-test");
        std::fs::write(&probe, b"ok").with_context(|| format!("server.data_dir: 数据目录“{}”不可写", dir.display()))?;
        let _ = std::fs::remove_file(&probe);
    }
    let mut opts = OpenOptions::new(&url);
    opts.max_connections = cfg.server.max_connections;
    let store = Store::open(&opts).await.map_err(|e| anyhow!("{e}"))?;
    if store.backend() == Backend::Sqlite || migrate {
        store.migrate().await.map_err(|e| anyhow!("{e}"))?;
    } else {
        let pending = store.pending_migrations().await.map_err(|e| anyhow!("{e}"))?;
        if !pending.is_empty() {
            bail!(
                "database_url: PostgreSQL 数据库结构不是最新（待执行迁移：{}），请先运行 `gongkai migrate`",
                pending.join(", ")
            );
        }
    }
    Ok(store)
}

fn service(cfg: &Config, store: Store) -> Service {
    // `clock_start` was checked when the configuration was loaded.
    let clock: Arc<dyn gongkai_service::Clock> = match cfg.clock_start_ms().ok().flatten() {
        Some(ms) => Arc::new(ShiftedClock::starting_at(ms)),
        None => Arc::new(SystemClock),
    };
    Service::new(store, cfg.service(), clock)
        .with_library(cfg.library())
        .with_foi(cfg.foi.service())
        .with_screener(Arc::new(cfg.screener()))
        .with_extraction(cfg.extraction())
}

fn read_password_stdin() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).context("无法从标准输入读取密码")?;
    let p = s.trim_end_matches(['\n', '\r']).to_owned();
    if p.is_empty() {
        bail!("--password-stdin: 标准输入中没有密码");
    }
    Ok(p)
}

fn fmt_ms(ms: i64) -> String {
    gongkai_web::templates::fmt_ms(ms)
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Config(ConfigCommand::PrintDefault) = &cli.command {
        print!("{}", config::DEFAULT_TOML);
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Scan(args) = &cli.command {
        return Ok(scan::run(load_config(&cli), args));
    }
    if let Command::Calendar(c) = &cli.command
        && c.is_pure()
    {
        calendar::run(c)?;
        return Ok(ExitCode::SUCCESS);
    }
    let cfg = load_config(&cli)?;
    init_logging(&cfg);
    let ctx = Ctx::system();
    match cli.command {
        // Handled above, before the configuration is loaded.
        Command::Config(ConfigCommand::PrintDefault) => {}
        Command::Scan(_) => {}
        Command::Calendar(c) => {
            let svc = service(&cfg, open_store(&cfg, false).await?);
            calendar::run_stored(&svc, &c).await?;
        }
        Command::Config(ConfigCommand::Check) => {
            println!("配置有效。\n{cfg:#?}");
        }
        Command::Serve(args) => return serve_command(cfg, args).await,
        Command::Migrate => {
            let store = open_store(&cfg, true).await?;
            println!("数据库迁移完成（{}）。", config::redact(&cfg.database_url()));
            store.close().await;
        }
        Command::Reindex => {
            let store = open_store(&cfg, false).await?;
            let svc = service(&cfg, store.clone());
            let started = std::time::Instant::now();
            let n = svc.rebuild_search(&cfg.search_dir(), cfg.search_writer()).await?;
            println!(
                "检索索引已重建：{n} 条，用时 {:.1} 秒（{}）。运行中的服务将在下次同步时切换到新索引。",
                started.elapsed().as_secs_f64(),
                cfg.search_dir().display()
            );
            store.close().await;
        }
        Command::Report(c) => {
            let store = open_store(&cfg, false).await?;
            report::run(&service(&cfg, store), &c).await?;
        }
        Command::Review(c) => {
            let svc = service(&cfg, open_store(&cfg, false).await?);
            return review::run(&svc, &c).await;
        }
        Command::Backup { out } => {
            let store = open_store(&cfg, false).await?;
            store.backup_sqlite(std::path::Path::new(&out)).await.map_err(|e| anyhow!("{e}"))?;
            println!("已备份到 {out}");
            store.close().await;
        }
        Command::Org(c) => {
            let svc = service(&cfg, open_store(&cfg, false).await?);
            return org_command(&svc, &ctx, c).await;
        }
        Command::User(c) => {
            let svc = service(&cfg, open_store(&cfg, false).await?);
            user_command(&svc, &ctx, c).await?;
        }
        Command::Token(c) => {
            let svc = service(&cfg, open_store(&cfg, false).await?);
            token_command(&svc, &ctx, c).await?;
        }
        Command::Audit(AuditCommand::Verify) => {
            let svc = service(&cfg, open_store(&cfg, false).await?);
            let r = svc.audit_verify(&ctx).await?;
            match r.broken {
                None => println!("审计日志哈希链完整：共校验 {} 条记录。", r.checked),
                Some(b) => {
                    println!("审计日志哈希链已被破坏：{b}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        Command::Import(cli::ImportCommand::Documents { file, org }) => {
            let svc = service(&cfg, open_store(&cfg, false).await?);
            return transfer::import_documents(&svc, &file, org.as_deref()).await;
        }
        Command::Import(cli::ImportCommand::Foi { file }) => {
            let svc = service(&cfg, open_store(&cfg, false).await?);
            return foi_import::run(&svc, &file).await;
        }
        Command::Import(cli::ImportCommand::Qa { file }) => {
            let svc = service(&cfg, open_store(&cfg, false).await?);
            return qa_transfer::import_qa(&svc, &file).await;
        }
        Command::Export(cli::ExportCommand::Qa { format, since, out }) => {
            transfer::check_export_args(format, out.as_deref())?;
            let since = qa_transfer::parse_since(since.as_deref())?;
            let svc = service(&cfg, open_store(&cfg, false).await?);
            qa_transfer::export_qa(&svc, format, since, out.as_deref()).await?;
        }
        Command::Export(cli::ExportCommand::Documents { format, out }) => {
            transfer::check_export_args(format, out.as_deref())?;
            let svc = service(&cfg, open_store(&cfg, false).await?);
            transfer::export_documents(&svc, format, out.as_deref()).await?;
        }
        Command::Audit(AuditCommand::Export { out }) => {
            let svc = service(&cfg, open_store(&cfg, false).await?);
            let csv = svc.audit_csv(&ctx, &gongkai_service::AuditFilter::default()).await?;
            std::fs::write(&out, csv).with_context(|| format!("--out: 无法写入“{out}”"))?;
            println!("已导出到 {out}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn org_command(svc: &Service, ctx: &Ctx, c: OrgCommand) -> anyhow::Result<ExitCode> {
    match c {
        OrgCommand::Add { code, name, parent, kind, division_code, credit_code } => {
            let kind = gongkai_domain::org::OrgKind::parse(&kind).ok_or_else(|| {
                anyhow!("--kind: 未知的机构类型“{kind}”（可用：province, city, county, township, department, office）")
            })?;
            let input =
                gongkai_domain::org::OrgInput { code, name, kind, parent_code: parent, division_code, credit_code };
            let org = svc.add_org(ctx, &input).await?;
            println!("已新增机构 {}（{}）", org.name, org.code);
        }
        OrgCommand::SetIndexFormat { code, format, default: _ } => {
            svc.set_index_format(ctx, &code, format.as_deref()).await?;
            match format {
                Some(f) => println!("已设置 {code} 的索引号格式：{f}"),
                None => println!("已恢复 {code} 的默认索引号格式。"),
            }
        }
        OrgCommand::List { under, format } => {
            let orgs = svc.list_orgs(under.as_deref()).await?;
            match format {
                ListFormat::Table => {
                    for o in &orgs {
                        let indent = "  ".repeat(o.depth.max(0) as usize);
                        println!(
                            "{indent}{}\t{}\t{}\t{}",
                            o.code,
                            o.name,
                            o.kind.key(),
                            o.division_code.as_deref().unwrap_or("")
                        );
                    }
                }
                ListFormat::Json => {
                    for o in &orgs {
                        let parent = o.parent_id.and_then(|p| orgs.iter().find(|x| x.id == p)).map(|p| p.code.clone());
                        let v = serde_json::json!({
                            "code": o.code, "name": o.name, "kind": o.kind.key(), "parent": parent,
                            "division_code": o.division_code, "credit_code": o.credit_code,
                        });
                        println!("{v}");
                    }
                }
            }
        }
        OrgCommand::Import { file, format } => {
            let format = match format {
                Some(cli::FileFormat::Csv) => gongkai_service::ImportFormat::Csv,
                Some(cli::FileFormat::Jsonl) => gongkai_service::ImportFormat::Jsonl,
                None => gongkai_service::ImportFormat::from_path(&file).ok_or_else(|| {
                    anyhow!("--format: 无法从文件名“{file}”判断格式，请指定 --format csv 或 --format jsonl")
                })?,
            };
            let bytes = std::fs::read(&file).with_context(|| format!("无法读取文件“{file}”"))?;
            let text = String::from_utf8(bytes).map_err(|e| {
                anyhow!("文件“{file}”不是有效的 UTF-8 文本（第 {} 字节附近）", e.utf8_error().valid_up_to())
            })?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            let (lines, unreadable) = gongkai_service::parse_org_file(text, format);
            match svc.import_orgs(ctx, &lines, unreadable).await {
                Ok(r) => println!("导入完成：新增 {} 个，未变 {} 个。", r.created, r.unchanged),
                Err(errors) => {
                    let mut err = std::io::stderr().lock();
                    for (line, msg) in &errors {
                        let _ = writeln!(err, "{file}:{line}: {msg}");
                    }
                    let _ = writeln!(err, "导入失败：{} 处错误，未写入任何机构。", errors.len());
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_role(s: &str) -> anyhow::Result<Role> {
    Role::parse(s).ok_or_else(|| {
        let keys: Vec<&str> = Role::ALL.iter().map(|r| r.key()).collect();
        anyhow!("--role: 未知的角色“{s}”（可用：{}）", keys.join(", "))
    })
}

async fn user_command(svc: &Service, ctx: &Ctx, c: UserCommand) -> anyhow::Result<()> {
    match c {
        UserCommand::Add { username, name, password_stdin } => {
            let pw = if password_stdin { Some(read_password_stdin()?) } else { None };
            let (user, password) = svc.add_user(ctx, &username, &name, pw.as_deref()).await?;
            println!("已新增账号 {}（{}）。", user.username, user.display_name);
            if pw.is_none() {
                println!("初始密码（仅显示一次，首次登录须修改）：{password}");
            }
        }
        UserCommand::Grant { username, role, org } => {
            svc.grant(ctx, &username, parse_role(&role)?, &org).await?;
            println!("已授予 {username} 角色 {role}（{org} 及其下级）。");
        }
        UserCommand::Revoke { username, role, org } => {
            svc.revoke(ctx, &username, parse_role(&role)?, &org).await?;
            println!("已撤销 {username} 在 {org} 的角色 {role}。");
        }
        UserCommand::SetPassword { username, password_stdin } => {
            let pw = if password_stdin { Some(read_password_stdin()?) } else { None };
            let password = svc.reset_password(ctx, &username, pw.as_deref()).await?;
            if pw.is_none() {
                println!("新密码（仅显示一次，登录后须修改）：{password}");
            } else {
                println!("已设置 {username} 的密码（登录后须修改）。");
            }
        }
        UserCommand::List { format } => {
            for u in svc.list_users(ctx).await? {
                let grants: Vec<String> = u.grants.iter().map(|g| format!("{}@{}", g.role.key(), g.org_code)).collect();
                match format {
                    ListFormat::Table => println!(
                        "{}\t{}\t{}\t{}{}",
                        u.user.username,
                        u.user.display_name,
                        grants.join(","),
                        if u.user.disabled { "disabled" } else { "active" },
                        if u.user.totp_enabled { ",2fa" } else { "" }
                    ),
                    ListFormat::Json => println!(
                        "{}",
                        serde_json::json!({"username": u.user.username, "display_name": u.user.display_name,
                            "roles": grants, "disabled": u.user.disabled, "totp_enabled": u.user.totp_enabled})
                    ),
                }
            }
        }
        UserCommand::Disable { username } => {
            svc.set_disabled(ctx, &username, true).await?;
            println!("已停用 {username}。");
        }
        UserCommand::Enable { username } => {
            svc.set_disabled(ctx, &username, false).await?;
            println!("已启用 {username}。");
        }
        UserCommand::Reset2fa { username } => {
            svc.reset_totp(ctx, &username).await?;
            println!("已清除 {username} 的动态口令，下次登录须重新绑定。");
        }
    }
    Ok(())
}

async fn token_command(svc: &Service, ctx: &Ctx, c: TokenCommand) -> anyhow::Result<()> {
    match c {
        TokenCommand::Create { username, name, days } => {
            let (t, secret) = svc.create_token(ctx, &username, &name, days).await?;
            println!("令牌 {}（{}，有效期至 {}），仅显示一次：", t.id, t.name, fmt_ms(t.expires_at_ms));
            println!("{secret}");
        }
        TokenCommand::Revoke { id } => {
            svc.revoke_token(ctx, id).await?;
            println!("已撤销令牌 {id}。");
        }
        TokenCommand::List { username } => {
            let now = svc.now_ms();
            for t in svc.list_tokens(ctx, username.as_deref()).await? {
                let state = if t.revoked_at_ms.is_some() {
                    "revoked"
                } else if t.is_active(now) {
                    "active"
                } else {
                    "expired"
                };
                println!("{}\t{}\t{}\t{}…\t{}\t{state}", t.id, t.username, t.name, t.prefix, fmt_ms(t.expires_at_ms));
            }
        }
    }
    Ok(())
}

async fn serve_command(cfg: Config, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(&cfg.server.listen)
        .await
        .with_context(|| format!("server.listen: 无法监听 {}（端口已被占用或无权限）", cfg.server.listen))?;
    let store = open_store(&cfg, args.migrate).await?;
    let home = gongkai_service::search_index::SearchHome::open(&cfg.search_dir(), cfg.search_writer())
        .map_err(|e| anyhow!("search: {e}"))?;
    let svc = service(&cfg, store.clone()).with_search(home, cfg.search());
    if args.demo {
        let created = svc.seed_demo().await?;
        print_demo(&created);
        let docs = svc.seed_demo_documents().await?;
        if docs > 0 {
            println!(
                "已创建 {docs} 份演示政策文件（涵盖现行有效、尚未生效、已修改、部分失效、已失效、已废止、未标注）。"
            );
        }
        let interps = svc.seed_demo_interpretations().await?;
        if interps > 0 {
            println!("已创建 {interps} 篇演示政策解读（图解、视频、文字、专家解读）。");
        }
        let qa = svc.seed_demo_qa().await?;
        if qa > 0 {
            println!("已创建 {qa} 条演示政策问答。");
        }
        let applications = svc.seed_demo_foi().await?;
        if applications > 0 {
            println!(
                "已创建 {applications} 件演示政府信息公开申请（待确认、办理中、待补正、延期、征求意见、已办结）。"
            );
        }
    }
    // Calendar data shipped with this binary (a new year's notice) re-dates open deadlines; each change is audited.
    let moved = svc.foi_recompute_open(&Ctx::system()).await?;
    if moved > 0 {
        tracing::info!(applications = moved, "open disclosure deadlines recomputed for the current calendar");
    }
    let background = cfg.server.background_tasks && !args.no_background_tasks;
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    tracing::info!(listen = %addr, database = %config::redact(&cfg.database_url()), "gongkai serving");
    println!("gongkai 已启动：http://{addr}/");
    serve(cfg, svc, listener, background, shutdown_signal()).await?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn print_demo(created: &[gongkai_service::DemoAccount]) {
    if created.is_empty() {
        println!("演示数据已存在：未新建账号（密码只在首次创建时显示）。");
        return;
    }
    println!("已创建演示机构与账号。以下密码仅显示这一次：");
    println!("{:<18} {:<26} {:<18} 密码", "用户名", "角色", "机构");
    for a in created {
        println!("{:<20} {:<24} {:<20} {}", a.username, a.role.key(), a.org_code, a.password);
    }
    println!("三员（系统管理员、安全保密管理员、安全审计员）首次登录须绑定动态口令（TOTP）。");
}

/// Serves `svc` on `listener` until `shutdown` resolves, then lets running requests finish (up to
/// the configured grace period). Background jobs run when `background` is true.
pub async fn serve(
    cfg: Config,
    svc: Service,
    listener: tokio::net::TcpListener,
    background: bool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = gongkai_web::AppState::new(svc.clone(), cfg.web()).map_err(|e| anyhow!(e))?;
    let app = gongkai_web::router(state);
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let jobs = if background {
        let svc = svc.clone();
        let mut rx = stop_tx.subscribe();
        Some(tokio::spawn(async move {
            // Scheduled publishing every 15 s; validity and housekeeping every 10 minutes (and at start).
            let mut tick = tokio::time::interval(Duration::from_secs(15));
            let mut n: u64 = 0;
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        match svc.run_scheduled_publishing().await {
                            Ok(0) => {}
                            Ok(k) => tracing::info!(published = k, "scheduled publishing"),
                            Err(e) => tracing::warn!(error = %e, "scheduled publishing failed"),
                        }
                        if n.is_multiple_of(40) {
                            match svc.refresh_validity().await {
                                Ok(0) => {}
                                Ok(k) => tracing::info!(changed = k, "validity refreshed"),
                                Err(e) => tracing::warn!(error = %e, "validity refresh failed"),
                            }
                            if let Err(e) = svc.housekeeping().await {
                                tracing::warn!(error = %e, "housekeeping failed");
                            }
                        }
                        n += 1;
                    }
                    _ = rx.changed() => break,
                }
            }
        }))
    } else {
        None
    };
    // Every node runs its own indexer, fed from the shared change log (catching up at start).
    let indexer = if svc.has_search() {
        let svc = svc.clone();
        let mut rx = stop_tx.subscribe();
        let poll = Duration::from_millis(u64::from(cfg.search.poll_interval_ms));
        Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(poll);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut last_flush = std::time::Instant::now();
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        match svc.sync_search().await {
                            Ok(0) => {}
                            Ok(k) => tracing::debug!(changes = k, "search index updated"),
                            Err(e) => tracing::warn!(error = %e, "search index update failed"),
                        }
                        if last_flush.elapsed() >= Duration::from_secs(10) {
                            last_flush = std::time::Instant::now();
                            if let Err(e) = svc.flush_search_log().await {
                                tracing::warn!(error = %e, "search log flush failed");
                            }
                        }
                    }
                    _ = rx.changed() => {
                        let _ = svc.flush_search_log().await;
                        break;
                    }
                }
            }
        }))
    } else {
        None
    };
    let grace = Duration::from_secs(cfg.server.shutdown_grace_secs);
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing running requests");
            let _ = stop_tx.send(true);
        });
    let server = tokio::spawn(async move { server.await });
    let result = tokio::select! {
        r = server => r.map_err(|e| anyhow!("server task: {e}"))?.map_err(|e| anyhow!("server: {e}")),
        _ = async {
            let _ = stop_rx.changed().await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("grace period over: closing remaining connections");
            Ok(())
        }
    };
    if let Some(j) = jobs {
        let _ = j.await;
    }
    if let Some(j) = indexer {
        let _ = j.await;
    }
    result
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Whether standard output is a terminal (for progress bars in later commands).
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}
