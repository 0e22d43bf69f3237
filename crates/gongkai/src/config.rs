//! Configuration: defaults, then an optional TOML file (`--config` / `GONGKAI_CONFIG`), then
//! `GONGKAI_*` environment variables, then command-line flags. Loaded once here and passed down.
//!
//! Every setting can come from the environment as `GONGKAI_<SECTION>__<KEY>` (for example
//! `GONGKAI_AUTH__LOCKOUT_THRESHOLD=10`); the most used also have short names: `GONGKAI_DATA`,
//! `GONGKAI_DATABASE_URL`, `GONGKAI_LISTEN`. Validation happens before anything starts, and every
//! error names the setting. The database URL's password never appears in logs or `Debug`.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The documented default configuration, as printed by `gongkai config print-default`.
pub const DEFAULT_TOML: &str = include_str!("default-config.toml");

#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: Server,
    pub site: Site,
    pub auth: Auth,
    pub audit: Audit,
    pub library: Library,
    pub search: Search,
    pub screen: Screen,
    pub foi: crate::foi_config::Foi,
    pub log: Log,
    /// The word lists read from `screen.words_file` at load time (not a setting).
    #[serde(skip)]
    pub screen_lists: gongkai_domain::screen::ScreenConfig,
}

/// Pre-publication screening (公开前审查).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Screen {
    pub words_file: String,
    pub sensitive_severity: String,
    pub prohibited_severity: String,
    pub misstatement_severity: String,
    /// Largest file `POST /api/v1/screen` accepts, in MB.
    pub max_upload_mb: u32,
    /// Most characters one extraction may produce (the extraction-bomb budget).
    pub max_extracted_chars: u64,
    /// Extractions running at once (0 = one per CPU); more wait their turn.
    pub max_concurrent: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Search {
    pub poll_interval_ms: u32,
    pub gap_grace_secs: u32,
    pub writer_threads: u32,
    pub writer_memory_mb: u32,
    pub hot_min_count: u32,
    pub hot_days: u32,
    /// Searches run at the same time; more wait their turn (0 = one per CPU).
    pub max_concurrent: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Library {
    pub max_attachment_mb: u32,
    pub normative_years: u32,
    pub provisional_years: u32,
    pub review_months: u32,
    pub interp_copy_warn_percent: u32,
}

#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    pub listen: String,
    pub data_dir: String,
    pub database_url: String,
    pub max_connections: u32,
    pub public_url: String,
    pub trust_forwarded_for: bool,
    pub body_limit_bytes: u64,
    pub request_timeout_secs: u64,
    pub shutdown_grace_secs: u64,
    pub background_tasks: bool,
    /// Run as if the clock read this instant at start (RFC 3339, or `YYYY-MM-DD` for 10:00 China
    /// time that day), then let it run on: rehearsals of a deadline and reproducible tests. Empty:
    /// the system clock.
    pub clock_start: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Site {
    pub name: String,
    pub site_code: String,
    pub icp: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Auth {
    pub password_min_length: u32,
    pub password_min_classes: u32,
    pub lockout_threshold: u32,
    pub lockout_window_minutes: u32,
    pub lockout_duration_minutes: u32,
    pub login_delay_base_seconds: u32,
    pub login_delay_max_seconds: u32,
    pub login_trusted_address_hours: u32,
    pub ip_failure_limit: u32,
    pub session_idle_minutes: u32,
    pub session_absolute_hours: u32,
    pub token_max_days: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Audit {
    pub retention_days: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Log {
    pub level: String,
    pub format: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server: Server::default(),
            site: Site { name: "政务公开平台".into(), site_code: String::new(), icp: String::new() },
            auth: Auth {
                password_min_length: 12,
                password_min_classes: 3,
                lockout_threshold: 5,
                lockout_window_minutes: 15,
                lockout_duration_minutes: 15,
                login_delay_base_seconds: 1,
                login_delay_max_seconds: 60,
                login_trusted_address_hours: 24,
                ip_failure_limit: 100,
                session_idle_minutes: 30,
                session_absolute_hours: 12,
                token_max_days: 365,
            },
            audit: Audit { retention_days: 180 },
            library: Library {
                max_attachment_mb: 20,
                normative_years: 5,
                provisional_years: 2,
                review_months: 6,
                interp_copy_warn_percent: 30,
            },
            search: Search {
                poll_interval_ms: 1000,
                gap_grace_secs: 600,
                writer_threads: 1,
                writer_memory_mb: 64,
                hot_min_count: 3,
                hot_days: 30,
                max_concurrent: 0,
            },
            screen: Screen {
                words_file: String::new(),
                sensitive_severity: "warn".into(),
                prohibited_severity: "block".into(),
                misstatement_severity: "block".into(),
                max_upload_mb: 20,
                max_extracted_chars: gongkai_extract::DEFAULT_MAX_CHARS,
                max_concurrent: 0,
            },
            foi: crate::foi_config::Foi::default(),
            log: Log { level: "info".into(), format: "text".into() },
            screen_lists: gongkai_domain::screen::ScreenConfig::default(),
        }
    }
}

impl Default for Server {
    fn default() -> Self {
        Server {
            listen: "127.0.0.1:8080".into(),
            data_dir: "./gongkai-data".into(),
            database_url: String::new(),
            max_connections: 10,
            public_url: String::new(),
            trust_forwarded_for: false,
            body_limit_bytes: 2 * 1024 * 1024,
            request_timeout_secs: 30,
            shutdown_grace_secs: 20,
            background_tasks: true,
            clock_start: String::new(),
        }
    }
}

impl Default for Site {
    fn default() -> Self {
        Config::default().site
    }
}
impl Default for Auth {
    fn default() -> Self {
        Config::default().auth
    }
}
impl Default for Audit {
    fn default() -> Self {
        Config::default().audit
    }
}
impl Default for Library {
    fn default() -> Self {
        Config::default().library
    }
}
impl Default for Search {
    fn default() -> Self {
        Config::default().search
    }
}
impl Default for Screen {
    fn default() -> Self {
        Config::default().screen
    }
}
impl Default for Log {
    fn default() -> Self {
        Config::default().log
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact(&self.database_url))
            .field("max_connections", &self.max_connections)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("server", &self.server)
            .field("site", &self.site)
            .field("auth", &self.auth)
            .field("audit", &self.audit)
            .field("library", &self.library)
            .field("search", &self.search)
            .field("screen", &self.screen)
            .field("foi", &self.foi)
            .field("log", &self.log)
            .finish()
    }
}

/// A URL with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***@{}", &url[..s], &url[at + 1..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Values given on the command line (highest precedence).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub data: Option<String>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
}

impl Config {
    /// Loads the layered configuration. `file` is the path of the optional TOML file.
    pub fn load(file: Option<&str>, env: &[(String, String)], cli: &Overrides) -> Result<Config, String> {
        let mut cfg = match file {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|e| format!("config: 无法读取配置文件“{path}”：{e}"))?;
                toml::from_str::<Config>(&text).map_err(|e| format!("config: 配置文件“{path}”有误：{e}"))?
            }
            None => Config::default(),
        };
        cfg.apply_env(env)?;
        let short = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        if let Some(v) = short("GONGKAI_DATA") {
            cfg.server.data_dir = v;
        }
        if let Some(v) = short("GONGKAI_DATABASE_URL") {
            cfg.server.database_url = v;
        }
        if let Some(v) = short("GONGKAI_LISTEN") {
            cfg.server.listen = v;
        }
        if let Some(v) = &cli.data {
            cfg.server.data_dir = v.clone();
        }
        if let Some(v) = &cli.database_url {
            cfg.server.database_url = v.clone();
        }
        if let Some(v) = &cli.listen {
            cfg.server.listen = v.clone();
        }
        cfg.validate()?;
        cfg.screen_lists = cfg.read_screen_lists()?;
        Ok(cfg)
    }

    /// Reads `screen.words_file` (if set) into the screening configuration with the configured
    /// severities; errors name the setting and the line.
    pub fn read_screen_lists(&self) -> Result<gongkai_domain::screen::ScreenConfig, String> {
        use gongkai_domain::screen::{ScreenConfig, Screener, Severity, parse_word_lists};
        let sev = |key: &str, v: &str| {
            Severity::parse(v).ok_or_else(|| format!("screen.{key}: “{v}”无效，应为 block、warn 或 info"))
        };
        let s = &self.screen;
        let base = ScreenConfig {
            sensitive_severity: sev("sensitive_severity", &s.sensitive_severity)?,
            prohibited_severity: sev("prohibited_severity", &s.prohibited_severity)?,
            misstatement_severity: sev("misstatement_severity", &s.misstatement_severity)?,
            ..ScreenConfig::default()
        };
        if s.words_file.trim().is_empty() {
            return Ok(base);
        }
        let path = s.words_file.trim();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("screen.words_file: 无法读取词表“{path}”：{e}"))?;
        let lists = parse_word_lists(&text, base).map_err(|e| {
            let msgs: Vec<String> =
                e.0.iter().map(|f| format!("{path}:{}: {}", f.field.trim_start_matches("words:"), f.message)).collect();
            format!("screen.words_file: 词表有误：\n{}", msgs.join("\n"))
        })?;
        Screener::new(&lists).map_err(|e| format!("screen.words_file: {e}"))?;
        Ok(lists)
    }

    /// The screening engine for the loaded word lists.
    pub fn screener(&self) -> gongkai_domain::screen::Screener {
        // The lists were checked when the configuration was loaded.
        gongkai_domain::screen::Screener::new(&self.screen_lists).unwrap_or_default()
    }

    /// `server.clock_start` as milliseconds since the epoch, or `None` for the system clock.
    pub fn clock_start_ms(&self) -> Result<Option<i64>, String> {
        let v = self.server.clock_start.trim();
        if v.is_empty() {
            return Ok(None);
        }
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) {
            return Ok(Some(t.timestamp_millis()));
        }
        if let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            // 10:00 China time (UTC+8) is 02:00 UTC: the same calendar day in both.
            let t = d.and_hms_opt(2, 0, 0).map(|t| t.and_utc().timestamp_millis());
            return Ok(t);
        }
        Err(format!("server.clock_start: “{v}”不是 RFC 3339 时间（2026-11-27T10:00:00+08:00）或日期（2026-11-27）"))
    }

    /// Applies `GONGKAI_<SECTION>__<KEY>` variables, typed by the setting they replace.
    fn apply_env(&mut self, env: &[(String, String)]) -> Result<(), String> {
        let mut table = toml::Table::try_from(&*self).map_err(|e| format!("config: {e}"))?;
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("GONGKAI_") else {
                continue;
            };
            let Some((section, key)) = rest.split_once("__") else {
                continue;
            };
            let (section, key) = (section.to_lowercase(), key.to_lowercase());
            let Some(toml::Value::Table(sec)) = table.get_mut(&section) else {
                return Err(format!("{name}: 未知的配置节“{section}”"));
            };
            let Some(slot) = sec.get_mut(&key) else {
                return Err(format!("{name}: 配置节“{section}”中没有设置项“{key}”"));
            };
            *slot = match slot {
                toml::Value::Integer(_) => {
                    toml::Value::Integer(value.trim().parse().map_err(|_| format!("{name}: “{value}”不是整数"))?)
                }
                toml::Value::Boolean(_) => toml::Value::Boolean(match value.trim() {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" => false,
                    _ => return Err(format!("{name}: “{value}”不是布尔值（true/false）")),
                }),
                _ => toml::Value::String(value.clone()),
            };
        }
        *self = table.try_into().map_err(|e| format!("config: 环境变量中的设置有误：{e}"))?;
        Ok(())
    }

    /// Checks values that types alone cannot; each error names the setting.
    pub fn validate(&self) -> Result<(), String> {
        let s = &self.server;
        s.listen
            .parse::<SocketAddr>()
            .map_err(|_| format!("server.listen: “{}”不是有效的监听地址（例如 127.0.0.1:8080）", s.listen))?;
        if s.data_dir.trim().is_empty() {
            return Err("server.data_dir: 数据目录不能为空".into());
        }
        if !s.database_url.is_empty() {
            let scheme = s.database_url.split(':').next().unwrap_or_default();
            if !matches!(scheme, "sqlite" | "postgres" | "postgresql") {
                return Err(format!(
                    "server.database_url: 不支持的数据库地址“{}”（应以 sqlite:// 或 postgres:// 开头）",
                    redact(&s.database_url)
                ));
            }
        }
        if s.max_connections == 0 || s.max_connections > 1000 {
            return Err("server.max_connections: 应为 1–1000".into());
        }
        let scheme_ok = s.public_url.starts_with("http://") || s.public_url.starts_with("https://");
        if !s.public_url.is_empty() && !scheme_ok {
            return Err(format!("server.public_url: “{}”应以 http:// 或 https:// 开头", s.public_url));
        }
        if s.body_limit_bytes < 1024 {
            return Err("server.body_limit_bytes: 至少 1024".into());
        }
        if s.request_timeout_secs == 0 {
            return Err("server.request_timeout_secs: 至少 1 秒".into());
        }
        self.clock_start_ms()?;
        let a = &self.auth;
        if a.password_min_length < 8 {
            return Err("auth.password_min_length: 至少 8（工作人员建议 12 以上）".into());
        }
        if a.password_min_classes > 4 {
            return Err("auth.password_min_classes: 应为 0–4".into());
        }
        if a.lockout_threshold == 0 {
            return Err("auth.lockout_threshold: 至少 1".into());
        }
        if a.lockout_window_minutes == 0 || a.lockout_duration_minutes == 0 {
            return Err("auth.lockout_window_minutes / auth.lockout_duration_minutes: 至少 1 分钟".into());
        }
        // ASVS 2.2.1: at most 100 failed logins per account and hour. Past the threshold every
        // guess waits the growing delay, so its ceiling must be at least 3600 s / 100.
        if a.login_delay_max_seconds < 36 || a.login_delay_base_seconds == 0 {
            return Err("auth.login_delay_max_seconds: 至少 36 秒（每账号每小时失败不超过 100 次）；\
                        auth.login_delay_base_seconds: 至少 1 秒"
                .into());
        }
        if a.login_delay_base_seconds > a.login_delay_max_seconds {
            return Err("auth.login_delay_base_seconds: 不能大于 auth.login_delay_max_seconds".into());
        }
        if a.session_idle_minutes == 0 || a.session_absolute_hours == 0 {
            return Err("auth.session_idle_minutes / auth.session_absolute_hours: 至少为 1".into());
        }
        if a.token_max_days == 0 {
            return Err("auth.token_max_days: 至少 1 天".into());
        }
        if self.audit.retention_days < 180 {
            return Err(format!(
                "audit.retention_days: 审计日志至少保存 180 天（网络安全法第二十一条），当前为 {}",
                self.audit.retention_days
            ));
        }
        let sr = &self.search;
        if !(100..=60_000).contains(&sr.poll_interval_ms) {
            return Err("search.poll_interval_ms: 应为 100–60000".into());
        }
        if !(10..=86_400).contains(&sr.gap_grace_secs) {
            return Err("search.gap_grace_secs: 应为 10–86400".into());
        }
        if !(1..=8).contains(&sr.writer_threads) {
            return Err("search.writer_threads: 应为 1–8".into());
        }
        if !(16..=4096).contains(&sr.writer_memory_mb) {
            return Err("search.writer_memory_mb: 应为 16–4096".into());
        }
        if sr.hot_min_count == 0 || !(1..=365).contains(&sr.hot_days) {
            return Err("search.hot_min_count / search.hot_days: 应大于 0，天数不超过 365".into());
        }
        if sr.max_concurrent > 256 {
            return Err("search.max_concurrent: 应为 0–256（0 表示每个 CPU 一个）".into());
        }
        self.foi.validate()?;
        let l = &self.library;
        if l.max_attachment_mb == 0 || l.max_attachment_mb > 1024 {
            return Err("library.max_attachment_mb: 应为 1–1024".into());
        }
        if self.screen.max_upload_mb == 0 || self.screen.max_upload_mb > 1024 {
            return Err("screen.max_upload_mb: 应为 1–1024".into());
        }
        if !(10_000..=1_000_000_000).contains(&self.screen.max_extracted_chars) {
            return Err("screen.max_extracted_chars: 应为 10000–1000000000".into());
        }
        if self.screen.max_concurrent > 256 {
            return Err("screen.max_concurrent: 应为 0–256（0 表示每个 CPU 一个）".into());
        }
        if l.normative_years == 0 || l.provisional_years == 0 || l.provisional_years > l.normative_years {
            return Err(
                "library.normative_years / library.provisional_years: 应大于 0，且暂行、试行的期限不长于一般期限"
                    .into(),
            );
        }
        if l.review_months == 0 || l.review_months > 24 {
            return Err("library.review_months: 应为 1–24".into());
        }
        if l.interp_copy_warn_percent == 0 || l.interp_copy_warn_percent > 100 {
            return Err("library.interp_copy_warn_percent: 应为 1–100".into());
        }
        for (key, v) in [
            ("sensitive_severity", &self.screen.sensitive_severity),
            ("prohibited_severity", &self.screen.prohibited_severity),
            ("misstatement_severity", &self.screen.misstatement_severity),
        ] {
            if gongkai_domain::screen::Severity::parse(v).is_none() {
                return Err(format!("screen.{key}: “{v}”无效，应为 block、warn 或 info"));
            }
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return Err(format!("log.format: “{}”无效，应为 text 或 json", self.log.format));
        }
        Ok(())
    }

    /// The database URL in effect: the configured one, or the SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        if self.server.database_url.is_empty() {
            format!("sqlite://{}", self.data_path().join("gongkai.db").display())
        } else {
            self.server.database_url.clone()
        }
    }

    pub fn data_path(&self) -> PathBuf {
        PathBuf::from(&self.server.data_dir)
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }

    /// The service-layer settings.
    pub fn service(&self) -> gongkai_service::ServiceConfig {
        let a = &self.auth;
        gongkai_service::ServiceConfig {
            password_policy: gongkai_domain::password::PasswordPolicy {
                min_length: a.password_min_length as usize,
                max_length: 128,
                min_classes: a.password_min_classes as usize,
            },
            lockout: gongkai_domain::account::LockoutPolicy {
                threshold: a.lockout_threshold,
                window_ms: i64::from(a.lockout_window_minutes) * 60_000,
                duration_ms: i64::from(a.lockout_duration_minutes) * 60_000,
                delay_base_ms: i64::from(a.login_delay_base_seconds) * 1_000,
                delay_max_ms: i64::from(a.login_delay_max_seconds) * 1_000,
                trusted_ms: i64::from(a.login_trusted_address_hours) * 3_600_000,
            },
            ip_failure_limit: a.ip_failure_limit,
            session_idle_ms: i64::from(a.session_idle_minutes) * 60_000,
            session_absolute_ms: i64::from(a.session_absolute_hours) * 3_600_000,
            token_max_days: i64::from(a.token_max_days),
            audit_retention_days: i64::from(self.audit.retention_days),
            totp_issuer: self.site.name.clone(),
        }
    }

    /// The library's settings.
    pub fn library(&self) -> gongkai_service::LibraryConfig {
        let l = &self.library;
        gongkai_service::LibraryConfig {
            attachments_dir: self.data_path().join("attachments"),
            max_attachment_bytes: l.max_attachment_mb as usize * 1024 * 1024,
            normative_years: l.normative_years as i32,
            provisional_years: l.provisional_years as i32,
            review_months: l.review_months,
            interp_copy_warn_percent: l.interp_copy_warn_percent,
        }
    }

    /// Where this node keeps its search index (derived data, rebuilt from the database).
    pub fn search_dir(&self) -> PathBuf {
        self.data_path().join("search")
    }

    /// Attachment extraction: the character budget and the number of slots.
    pub fn extraction(&self) -> gongkai_service::ExtractionConfig {
        gongkai_service::ExtractionConfig {
            max_extracted_chars: self.screen.max_extracted_chars,
            max_concurrent: self.screen.max_concurrent as usize,
        }
    }

    /// The limits of `gongkai scan` for files of at most `max_input` bytes.
    pub fn extract_limits(&self, max_input: u64) -> gongkai_extract::Limits {
        gongkai_extract::Limits {
            max_input,
            max_chars: self.screen.max_extracted_chars,
            ..gongkai_extract::Limits::default()
        }
    }

    /// The search settings.
    pub fn search(&self) -> gongkai_service::SearchConfig {
        let sr = &self.search;
        gongkai_service::SearchConfig {
            gap_grace_ms: i64::from(sr.gap_grace_secs) * 1000,
            writer: self.search_writer(),
            hot_min_count: i64::from(sr.hot_min_count),
            hot_days: i64::from(sr.hot_days),
            max_concurrent: sr.max_concurrent as usize,
            ..gongkai_service::SearchConfig::default()
        }
    }

    /// The index writer's settings.
    pub fn search_writer(&self) -> gongkai_service::search_index::WriterOptions {
        gongkai_service::search_index::WriterOptions {
            threads: self.search.writer_threads as usize,
            memory_bytes: self.search.writer_memory_mb as usize * 1024 * 1024,
        }
    }

    /// The web-layer settings.
    pub fn web(&self) -> gongkai_web::WebConfig {
        let none_if_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        gongkai_web::WebConfig {
            site_name: self.site.name.clone(),
            secure_cookies: self.server.public_url.starts_with("https://"),
            trust_forwarded: self.server.trust_forwarded_for,
            body_limit: self.server.body_limit_bytes as usize,
            // The larger of the screening upload and the attachment limits, plus room for the
            // multipart envelope.
            upload_limit: (self.screen.max_upload_mb.max(self.library.max_attachment_mb) as usize + 1) * 1024 * 1024,
            request_timeout: std::time::Duration::from_secs(self.server.request_timeout_secs),
            site_code: none_if_empty(&self.site.site_code),
            icp: none_if_empty(&self.site.icp),
            public_url: none_if_empty(&self.server.public_url),
            screener: std::sync::Arc::new(self.screener()),
            ..gongkai_web::WebConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn printed_default_is_the_default() {
        let parsed: Config = toml::from_str(DEFAULT_TOML).unwrap_or_else(|e| panic!("{e}"));
        assert!(parsed == Config::default(), "default-config.toml and Config::default() differ");
    }

    #[test]
    fn docs_config_md_carries_the_default() {
        let doc = include_str!("../../../docs/CONFIG.md");
        assert!(
            doc.contains(DEFAULT_TOML.trim()),
            "docs/CONFIG.md is out of date: paste `gongkai config print-default` into it"
        );
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "[server]\nlisten = \"127.0.0.1:9000\"\ndata_dir = \"/from-file\"\n[auth]\nlockout_threshold = 7\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let path = file.to_string_lossy().to_string();
        let c = Config::load(Some(&path), &[], &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.server.listen, "127.0.0.1:9000");
        assert_eq!(c.auth.lockout_threshold, 7);
        let e = env(&[("GONGKAI_AUTH__LOCKOUT_THRESHOLD", "9"), ("GONGKAI_DATA", "/from-env")]);
        let c = Config::load(Some(&path), &e, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.auth.lockout_threshold, 9);
        assert_eq!(c.server.data_dir, "/from-env");
        let cli = Overrides { data: Some("/from-flag".into()), ..Overrides::default() };
        let c = Config::load(Some(&path), &e, &cli).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.server.data_dir, "/from-flag");
    }

    #[test]
    fn errors_name_the_setting() {
        let e = Config::load(None, &env(&[("GONGKAI_AUTH__LOCKOUT_THRESHOLD", "many")]), &Overrides::default());
        assert!(e.err().unwrap_or_default().starts_with("GONGKAI_AUTH__LOCKOUT_THRESHOLD"));
        let e = Config::load(None, &env(&[("GONGKAI_AUTH__NOPE", "1")]), &Overrides::default());
        assert!(e.err().unwrap_or_default().contains("nope"));
        let cli = Overrides { database_url: Some("mysql://root@h/db".into()), ..Overrides::default() };
        assert!(Config::load(None, &[], &cli).err().unwrap_or_default().starts_with("server.database_url"));
        let cli = Overrides { listen: Some("localhost".into()), ..Overrides::default() };
        assert!(Config::load(None, &[], &cli).err().unwrap_or_default().starts_with("server.listen"));
        let e = Config::load(None, &env(&[("GONGKAI_AUDIT__RETENTION_DAYS", "30")]), &Overrides::default());
        assert!(e.err().unwrap_or_default().starts_with("audit.retention_days"));
    }

    #[test]
    fn corrupt_file_is_named() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "[server\nlisten = 1").unwrap_or_else(|e| panic!("{e}"));
        let path = file.to_string_lossy().to_string();
        let e = Config::load(Some(&path), &[], &Overrides::default()).err().unwrap_or_default();
        assert!(e.starts_with("config:") && e.contains("bad.toml"), "{e}");
    }

    #[test]
    fn secrets_are_redacted() {
        let mut c = Config::default();
        c.server.database_url = "postgres://gk:s3cret@db/gongkai".into();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("s3cret") && dbg.contains("gk:***@db"), "{dbg}");
    }
}
