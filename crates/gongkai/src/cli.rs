//! The command line (clap). Doc comments are the `--help` text.

use clap::{Args, Parser, Subcommand};

/// gongkai — 政务公开一体化平台 (government-openness platform).
#[derive(Debug, Parser)]
#[command(name = "gongkai", version, about, propagate_version = true)]
pub struct Cli {
    /// Configuration file (TOML).
    #[arg(long, global = true, env = "GONGKAI_CONFIG", value_name = "FILE")]
    pub config: Option<String>,
    /// Data directory: SQLite file, search index, attachments [default: ./gongkai-data].
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<String>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB [default: SQLite in the data directory].
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server.
    Serve(ServeArgs),
    /// Apply database migrations (required before `serve` on PostgreSQL).
    Migrate,
    /// Organisations (机构).
    #[command(subcommand)]
    Org(OrgCommand),
    /// Staff accounts and roles (账号与角色).
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The audit log (审计日志).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Import data from files (政策文件).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export data to files (政策文件).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Rebuild this node's search index from the database (online: a new index is built beside
    /// the live one and swapped in atomically; a running server switches to it within seconds).
    Reindex,
    /// Screen files before publication (公开前审查): personal data, markings, word lists, hidden content.
    Scan(crate::scan::ScanArgs),
    /// Reports (政府信息公开工作年度报告).
    #[command(subcommand)]
    Report(crate::report::ReportCommand),
    /// Pre-publication review (公开前审查): review chains per organisation and content class.
    #[command(subcommand)]
    Review(crate::review::ReviewCommand),
    /// Working-day calendar (工作日历, with 调休).
    #[command(subcommand)]
    Calendar(crate::calendar::CalendarCommand),
    /// Consistent online copy of a SQLite installation.
    Backup {
        /// Where to write the copy (must not exist).
        #[arg(long, value_name = "FILE")]
        out: String,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Create demo organisations and one account per role (idempotent; passwords printed once).
    #[arg(long)]
    pub demo: bool,
    /// Apply pending migrations first (PostgreSQL; SQLite always migrates on start).
    #[arg(long)]
    pub migrate: bool,
    /// Do not run periodic jobs (for all but one node of a cluster).
    #[arg(long)]
    pub no_background_tasks: bool,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an organisation.
    Add {
        /// Stable code (letters, digits, - and _), used in URLs.
        #[arg(long)]
        code: String,
        /// Name, e.g. 清江市人民政府.
        #[arg(long)]
        name: String,
        /// Code of the parent organisation.
        #[arg(long)]
        parent: Option<String>,
        /// province, city, county, township, department or office (or 省, 市, 县, 乡镇, 部门 …).
        #[arg(long, default_value = "department")]
        kind: String,
        /// 行政区划代码 (6, 9 or 12 digits).
        #[arg(long)]
        division_code: Option<String>,
        /// 统一社会信用代码 (18 characters).
        #[arg(long)]
        credit_code: Option<String>,
    },
    /// Set the 索引号 format of an organisation's new documents (placeholders: {org}, {credit},
    /// {division}, {year}, {seq}, {seq:N}); `--default` restores `{credit}/{year}-{seq:05}`.
    SetIndexFormat {
        #[arg(long)]
        code: String,
        #[arg(long, conflicts_with = "default", required_unless_present = "default")]
        format: Option<String>,
        #[arg(long)]
        default: bool,
    },
    /// List organisations in tree order.
    List {
        /// Only the subtree under this organisation.
        #[arg(long)]
        under: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Import organisations from CSV or JSON Lines (all or nothing; errors by line number).
    Import {
        /// File with columns/keys code, name, kind, parent, division_code, credit_code.
        file: String,
        /// File format [default: from the file name].
        #[arg(long, value_enum)]
        format: Option<FileFormat>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FileFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; prints a generated password once unless --password-stdin.
    Add {
        #[arg(long)]
        username: String,
        /// Display name, e.g. 张三.
        #[arg(long)]
        name: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Grant a role on an organisation and everything below it.
    Grant {
        #[arg(long)]
        username: String,
        /// system_admin, security_admin, audit_admin, editor, confidentiality_reviewer,
        /// legal_reviewer, signer, disclosure_officer, responder, supervisor, evaluator.
        #[arg(long)]
        role: String,
        /// Organisation code.
        #[arg(long)]
        org: String,
    },
    /// Revoke a role.
    Revoke {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        org: String,
    },
    /// Set a password (generated and printed once unless --password-stdin); must be changed at login.
    SetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts with their roles.
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Disable an account (ends its sessions).
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Re-enable an account.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// Remove an account's second factor (lost phone); it enrols again at next login.
    Reset2fa {
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an account; the token is printed once.
    Create {
        #[arg(long)]
        username: String,
        /// What the token is for.
        #[arg(long)]
        name: String,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// Revoke a token by id.
    Revoke {
        #[arg(long)]
        id: i64,
    },
    /// List tokens (never the secrets).
    List {
        #[arg(long)]
        username: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain of the whole audit log; exit 1 when it is broken.
    Verify,
    /// Export the audit log as CSV.
    Export {
        #[arg(long, value_name = "FILE")]
        out: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import policy documents from JSON Lines in the shared corpus schema (upsert by `id`; a
    /// second run changes nothing). Bad lines are reported as FILE:LINE and skipped; the exit
    /// status is 1 when any line failed.
    Documents {
        /// JSON Lines file: plain, .gz or .zst (by the name's ending); `-` reads plain JSON Lines
        /// from standard input.
        file: String,
        /// Code of the organisation the documents are filed under [default: the only top-level
        /// organisation].
        #[arg(long, value_name = "CODE")]
        org: Option<String>,
    },
    /// Import past applications for disclosure (依申请公开) from a legacy system: JSON Lines with
    /// external_id, org, applicant_type, channel, received_on, closed_on, outcome (upsert by
    /// external_id; bad lines reported as FILE:LINE and skipped; exit status 1 when any failed).
    Foi {
        /// JSON Lines file (plain, .gz or .zst); `-` reads standard input.
        file: String,
    },
    /// Import policy Q&A items (政策问答) from JSON Lines: id, question, answer, org, sources
    /// ("文件 第十二条" or {document, anchor}), category, tags, audience, region, valid_from,
    /// valid_to. All or nothing: every line is checked first and errors are reported as
    /// FILE:LINE: field: reason; a second run changes nothing (upsert by id).
    Qa {
        /// JSON Lines file (plain, .gz or .zst); `-` reads standard input.
        file: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Export every document with its metadata: jsonl (with the body; re-importable with
    /// `import documents`), csv (UTF-8 with BOM) or xlsx (both without the body).
    Documents {
        /// Output format.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Output file (required for xlsx) [default: standard output].
        #[arg(long, value_name = "FILE")]
        out: Option<String>,
    },
    /// Export the policy Q&A knowledge base for the 12345 hotline (field mapping in
    /// docs/12345-export.md): stable ids, `op` upsert/delete; with --since only items changed on or
    /// after that date (withdrawals included), otherwise every published item.
    Qa {
        /// Output format.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Only items changed on or after this date (YYYY-MM-DD, China time).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Output file (required for xlsx) [default: standard output].
        #[arg(long, value_name = "FILE")]
        out: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
    Xlsx,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the documented default configuration (TOML).
    PrintDefault,
    /// Load and validate the configuration, then print it with secrets redacted.
    Check,
}
