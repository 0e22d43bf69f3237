//! The command line, run as a real process against a SQLite data directory.

use std::path::Path;

use clap::CommandFactory;

use crate::support::{run, run_in, run_in_with_stdin};

const PASSWORD: &str = "Correct-Horse-9";

fn data() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// `org list --format json`, one object per line.
fn org_list(dir: &Path) -> Vec<serde_json::Value> {
    let out = run_in(dir, &["org", "list", "--format", "json"]).ok();
    out.stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

fn codes(list: &[serde_json::Value]) -> Vec<String> {
    list.iter().map(|o| o["code"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn command_line_definition_is_consistent() {
    gongkai::cli::Cli::command().debug_assert();
}

#[test]
fn help_version_and_usage_errors() {
    let out = run(&["--help"]).ok();
    for sub in ["serve", "migrate", "org", "user", "token", "audit", "config", "backup"] {
        assert!(out.stdout.contains(sub), "{sub}: {}", out.stdout);
    }
    let out = run(&["--version"]).ok();
    assert!(out.stdout.starts_with("gongkai "), "{}", out.stdout);
    // Usage errors exit 2 (clap), before anything is opened.
    let out = run(&["--no-such-flag", "org", "list"]);
    assert_eq!(out.code(), Some(2), "{out:#?}");
    assert!(out.stderr.contains("--no-such-flag"), "{}", out.stderr);
    let out = run(&["org", "list", "--format", "xml"]);
    assert_eq!(out.code(), Some(2), "{out:#?}");
    let out = run(&[]);
    assert_eq!(out.code(), Some(2), "{out:#?}");
    let out = run(&["frobnicate"]);
    assert_eq!(out.code(), Some(2), "{out:#?}");
}

#[test]
fn org_add_then_list() {
    let d = data();
    let out = run_in(
        d.path(),
        &["org", "add", "--code", "qj", "--name", "清江市人民政府", "--kind", "city", "--division-code", "990100"],
    )
    .ok();
    assert!(out.stdout.contains("清江市人民政府"), "{}", out.stdout);
    run_in(d.path(), &["org", "add", "--code", "qj-edu", "--name", "清江市教育局", "--parent", "qj"]).ok();
    let list = org_list(d.path());
    assert_eq!(codes(&list), ["qj", "qj-edu"]);
    assert_eq!(list[0]["kind"], "city");
    assert_eq!(list[0]["division_code"], "990100");
    assert_eq!(list[0]["parent"], serde_json::Value::Null);
    assert_eq!(list[1]["kind"], "department", "the default kind");
    assert_eq!(list[1]["parent"], "qj");
    assert_eq!(list[1]["name"], "清江市教育局");
    // The table form is indented by depth.
    let out = run_in(d.path(), &["org", "list"]).ok();
    assert!(out.stdout.contains("\n  qj-edu\t清江市教育局"), "{}", out.stdout);
    // A subtree.
    let out = run_in(d.path(), &["org", "list", "--under", "qj-edu", "--format", "json"]).ok();
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);

    // Errors name what is wrong, and change nothing.
    let out = run_in(d.path(), &["org", "add", "--code", "x", "--name", "某地", "--kind", "planet"]).failed();
    assert!(out.stderr.contains("--kind"), "{}", out.stderr);
    let out = run_in(d.path(), &["org", "add", "--code", "qj", "--name", "重复"]).failed();
    assert!(out.stderr.contains("qj"), "{}", out.stderr);
    let out = run_in(d.path(), &["org", "add", "--code", "x", "--name", "某部门", "--parent", "nowhere"]).failed();
    assert!(out.stderr.contains("nowhere"), "{}", out.stderr);
    assert_eq!(codes(&org_list(d.path())), ["qj", "qj-edu"]);
}

#[test]
fn csv_import_with_a_missing_parent_writes_nothing() {
    let d = data();
    let file = d.path().join("orgs.csv");
    std::fs::write(
        &file,
        "code,name,kind,parent\n\
         imp-a,甲市人民政府,city,\n\
         imp-b,甲市教育局,department,imp-a\n\
         imp-c,乙局,department,missing-parent\n",
    )
    .unwrap();
    let file_s = file.to_str().unwrap();
    let out = run_in(d.path(), &["org", "import", file_s]).failed();
    assert!(out.stderr.contains(&format!("{file_s}:4:")), "file and line not named: {}", out.stderr);
    assert!(out.stderr.contains("missing-parent"), "{}", out.stderr);
    assert!(!out.stderr.contains(&format!("{file_s}:2:")), "{}", out.stderr);
    assert!(out.stderr.contains("未写入任何机构"), "{}", out.stderr);
    // All or nothing: the good lines were not written either.
    assert!(org_list(d.path()).is_empty());

    // Fixed, the same file imports; parents defined on earlier lines are fine.
    std::fs::write(
        &file,
        "code,name,kind,parent\n\
         imp-a,甲市人民政府,city,\n\
         imp-b,甲市教育局,department,imp-a\n",
    )
    .unwrap();
    let out = run_in(d.path(), &["org", "import", file_s]).ok();
    assert!(out.stdout.contains("新增 2 个"), "{}", out.stdout);
    assert_eq!(codes(&org_list(d.path())), ["imp-a", "imp-b"]);
}

#[test]
fn several_bad_lines_are_all_reported() {
    let d = data();
    let file = d.path().join("bad.jsonl");
    std::fs::write(
        &file,
        "{\"code\":\"ok-1\",\"name\":\"某省\",\"kind\":\"province\"}\n\
         not json\n\
         {\"code\":\"bad code\",\"name\":\"某局\"}\n\
         {\"code\":\"ok-2\",\"name\":\"某局\",\"kind\":\"galaxy\",\"parent\":\"ok-1\"}\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let out = run_in(d.path(), &["org", "import", f]).failed();
    for line in [2, 3, 4] {
        assert!(out.stderr.contains(&format!("{f}:{line}:")), "line {line}: {}", out.stderr);
    }
    assert!(!out.stderr.contains(&format!("{f}:1:")), "{}", out.stderr);
    assert!(org_list(d.path()).is_empty());
    // An unknown extension needs --format.
    let other = d.path().join("orgs.txt");
    std::fs::write(&other, "").unwrap();
    let out = run_in(d.path(), &["org", "import", other.to_str().unwrap()]).failed();
    assert!(out.stderr.contains("--format"), "{}", out.stderr);
}

#[test]
fn jsonl_import_is_idempotent() {
    let d = data();
    let file = d.path().join("orgs.jsonl");
    std::fs::write(
        &file,
        "{\"code\":\"jl\",\"name\":\"示例省人民政府\",\"kind\":\"province\",\"division_code\":\"990000\"}\n\
         \n\
         {\"code\":\"jl-edu\",\"name\":\"示例省教育厅\",\"kind\":\"department\",\"parent\":\"jl\"}\n\
         {\"code\":\"jl-qj\",\"name\":\"清江市人民政府\",\"kind\":\"市\",\"parent\":\"jl\"}\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let first = run_in(d.path(), &["org", "import", f]).ok();
    assert!(first.stdout.contains("新增 3 个，未变 0 个"), "{}", first.stdout);
    let second = run_in(d.path(), &["org", "import", f]).ok();
    assert!(second.stdout.contains("新增 0 个，未变 3 个"), "{}", second.stdout);
    let list = org_list(d.path());
    assert_eq!(codes(&list), ["jl", "jl-edu", "jl-qj"]);
    assert_eq!(list[2]["kind"], "city");
    // The same code with a different name is an error, not a silent update.
    std::fs::write(&file, "{\"code\":\"jl-edu\",\"name\":\"改了名字\",\"kind\":\"department\",\"parent\":\"jl\"}\n")
        .unwrap();
    let out = run_in(d.path(), &["org", "import", f]).failed();
    assert!(out.stderr.contains(&format!("{f}:1:")), "{}", out.stderr);
    assert_eq!(org_list(d.path())[1]["name"], "示例省教育厅");
}

#[test]
fn user_add_reads_the_password_from_stdin() {
    let d = data();
    let out = run_in_with_stdin(
        d.path(),
        &["user", "add", "--username", "zhang-san", "--name", "张三", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    )
    .ok();
    assert!(out.stdout.contains("zhang-san"), "{}", out.stdout);
    // The password given is not echoed, and none is generated.
    assert!(!out.stdout.contains(PASSWORD), "{}", out.stdout);
    assert!(!out.stdout.contains("初始密码"), "{}", out.stdout);

    // A weak password is refused, naming the rule.
    let out = run_in_with_stdin(
        d.path(),
        &["user", "add", "--username", "li-si", "--name", "李四", "--password-stdin"],
        "short\n",
    )
    .failed();
    assert!(out.stderr.contains("密码至少需要"), "{}", out.stderr);
    // An empty standard input is refused.
    let out =
        run_in_with_stdin(d.path(), &["user", "add", "--username", "li-si", "--name", "李四", "--password-stdin"], "")
            .failed();
    assert!(out.stderr.contains("--password-stdin"), "{}", out.stderr);
    // Without --password-stdin a password is generated and shown once.
    let out = run_in(d.path(), &["user", "add", "--username", "wang-wu", "--name", "王五"]).ok();
    assert!(out.stdout.contains("初始密码"), "{}", out.stdout);
    // The same name twice is refused.
    let out = run_in(d.path(), &["user", "add", "--username", "zhang-san", "--name", "张三"]).failed();
    assert!(out.stderr.contains("已被使用"), "{}", out.stderr);

    let out = run_in(d.path(), &["user", "list", "--format", "json"]).ok();
    let users: Vec<serde_json::Value> = out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let names: Vec<&str> = users.iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"zhang-san") && names.contains(&"wang-wu"), "{names:?}");
    let zs = users.iter().find(|u| u["username"] == "zhang-san").unwrap();
    assert_eq!(zs["display_name"], "张三");
    assert_eq!(zs["disabled"], false);
}

#[test]
fn three_administrator_roles_are_exclusive() {
    let d = data();
    run_in(d.path(), &["org", "add", "--code", "p", "--name", "示范省人民政府", "--kind", "province"]).ok();
    run_in_with_stdin(
        d.path(),
        &["user", "add", "--username", "admin1", "--name", "管理员", "--password-stdin"],
        PASSWORD,
    )
    .ok();
    run_in(d.path(), &["user", "grant", "--username", "admin1", "--role", "system_admin", "--org", "p"]).ok();
    let out =
        run_in(d.path(), &["user", "grant", "--username", "admin1", "--role", "audit_admin", "--org", "p"]).failed();
    assert!(out.stderr.contains("三员分立"), "{}", out.stderr);
    // Non-admin roles may be added; unknown roles are named.
    run_in(d.path(), &["user", "grant", "--username", "admin1", "--role", "editor", "--org", "p"]).ok();
    let out = run_in(d.path(), &["user", "grant", "--username", "admin1", "--role", "king", "--org", "p"]).failed();
    assert!(out.stderr.contains("--role"), "{}", out.stderr);
    let out = run_in(d.path(), &["user", "list", "--format", "json"]).ok();
    let u: serde_json::Value = serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
    let mut roles: Vec<&str> = u["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    roles.sort();
    assert_eq!(roles, ["editor@p", "system_admin@p"]);
    // The refusal itself is in the audit log, and the chain is intact.
    let out = run_in(d.path(), &["audit", "verify"]).ok();
    assert!(out.stdout.contains("哈希链完整"), "{}", out.stdout);
    let csv = d.path().join("audit.csv");
    run_in(d.path(), &["audit", "export", "--out", csv.to_str().unwrap()]).ok();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains("separation_of_duties"), "{text}");
}

#[test]
fn audit_verify_detects_tampering() {
    let d = data();
    run_in(d.path(), &["org", "add", "--code", "p", "--name", "示范省人民政府", "--kind", "province"]).ok();
    run_in(d.path(), &["org", "add", "--code", "p-edu", "--name", "示范省教育厅", "--parent", "p"]).ok();
    let out = run_in(d.path(), &["audit", "verify"]).ok();
    assert!(out.stdout.contains("共校验 2 条"), "{}", out.stdout);

    // Rewrite the first entry behind gongkai's back.
    let url = format!("sqlite://{}", d.path().join("gongkai.db").display());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = gongkai_service::Store::open(&gongkai_service::OpenOptions::new(&url)).await.unwrap();
        store.tamper_audit_for_test(1, "org.delete").await.unwrap();
        store.close().await;
    });
    let out = run_in(d.path(), &["audit", "verify"]);
    assert_eq!(out.code(), Some(1), "{out:#?}");
    assert!(out.stdout.contains("已被破坏"), "{}", out.stdout);
}

#[test]
fn backup_writes_a_sqlite_file() {
    let d = data();
    run_in(d.path(), &["org", "add", "--code", "p", "--name", "示范省人民政府", "--kind", "province"]).ok();
    let out_dir = tempfile::tempdir().unwrap();
    let file = out_dir.path().join("backup.db");
    let f = file.to_str().unwrap();
    let out = run_in(d.path(), &["backup", "--out", f]).ok();
    assert!(out.stdout.contains(f), "{}", out.stdout);
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.len() > 100);
    assert_eq!(&bytes[..16], b"SQLite format 3\0");
    // The copy is a working installation.
    let copy = out_dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    std::fs::copy(&file, copy.join("gongkai.db")).unwrap();
    assert_eq!(codes(&org_list(&copy)), ["p"]);
    run_in(&copy, &["audit", "verify"]).ok();
    // An existing file is never overwritten.
    let out = run_in(d.path(), &["backup", "--out", f]).failed();
    assert!(out.stderr.contains("已存在"), "{}", out.stderr);
}

#[test]
fn tokens_are_printed_once_and_listed_without_the_secret() {
    let d = data();
    run_in_with_stdin(
        d.path(),
        &["user", "add", "--username", "robot", "--name", "同步程序", "--password-stdin"],
        PASSWORD,
    )
    .ok();
    let out = run_in(d.path(), &["token", "create", "--username", "robot", "--name", "sync", "--days", "7"]).ok();
    let secret = out
        .stdout
        .lines()
        .find(|l| l.starts_with("gk_"))
        .unwrap_or_else(|| panic!("no token printed: {}", out.stdout))
        .to_owned();
    let out = run_in(d.path(), &["token", "list"]).ok();
    assert!(out.stdout.contains("robot\tsync"), "{}", out.stdout);
    assert!(out.stdout.contains("active"), "{}", out.stdout);
    assert!(!out.stdout.contains(&secret), "{}", out.stdout);
    assert!(out.stdout.contains(&secret[..10]), "prefix shown: {}", out.stdout);
    let out = run_in(d.path(), &["token", "create", "--username", "robot", "--name", "x", "--days", "9999"]).failed();
    assert!(out.stderr.contains("有效期"), "{}", out.stderr);
    run_in(d.path(), &["token", "revoke", "--id", "1"]).ok();
    let out = run_in(d.path(), &["token", "list"]).ok();
    assert!(out.stdout.contains("revoked"), "{}", out.stdout);
    run_in(d.path(), &["token", "revoke", "--id", "1"]).failed();
}

#[test]
fn config_print_default_parses_as_the_default() {
    let out = run(&["config", "print-default"]).ok();
    let cfg: gongkai::config::Config = toml::from_str(&out.stdout).unwrap();
    assert!(cfg == gongkai::config::Config::default());
    // It works without a data directory and touches nothing.
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn config_check_validates_and_redacts() {
    let d = data();
    let out = run_in(d.path(), &["config", "check", "--database-url", "postgres://gk:s3cret@db.example/gongkai"]).ok();
    assert!(out.stdout.contains("配置有效"), "{}", out.stdout);
    assert!(out.stdout.contains("gk:***@db.example"), "{}", out.stdout);
    assert!(!out.stdout.contains("s3cret"), "{}", out.stdout);
    // A configuration file with an unknown key is refused, naming the file.
    let file = d.path().join("bad.toml");
    std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:1\"\nnope = 1\n").unwrap();
    let out = run(&["--config", file.to_str().unwrap(), "config", "check"]).failed();
    assert!(out.stderr.contains("bad.toml"), "{}", out.stderr);
    // Environment settings are applied and checked too.
    let out = {
        let mut c = crate::support::gongkai();
        c.args(["config", "check"]).env("GONGKAI_AUTH__LOCKOUT_THRESHOLD", "many");
        c.output().unwrap()
    };
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("GONGKAI_AUTH__LOCKOUT_THRESHOLD"), "{out:?}");
}

#[test]
fn unsupported_database_url_is_named() {
    let d = data();
    let out = run_in(d.path(), &["--database-url", "mysql://x", "org", "list"]).failed();
    assert_ne!(out.code(), Some(0));
    assert!(out.stderr.contains("database_url"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

#[test]
fn unusable_data_dir_is_named() {
    let d = data();
    let file = d.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let under = file.join("data");
    let out = run_in(&under, &["org", "list"]).failed();
    assert!(out.stderr.contains("data_dir"), "{}", out.stderr);
    assert!(out.stderr.contains("a-file"), "{}", out.stderr);
    // The same for the server, before it listens.
    let out = crate::support::run(&["serve", "--listen", "127.0.0.1:0", "--data", under.to_str().unwrap()]).failed();
    assert!(out.stderr.contains("data_dir"), "{}", out.stderr);
    assert!(!out.stdout.contains("已启动"), "{}", out.stdout);
}

#[test]
fn bad_listen_address_is_named() {
    let d = data();
    let out = run_in(d.path(), &["serve", "--listen", "localhost"]).failed();
    assert!(out.stderr.contains("server.listen"), "{}", out.stderr);
}

#[test]
fn review_chains_are_set_shown_and_unset_per_org_and_class() {
    let d = data();
    run_in(d.path(), &["org", "add", "--code", "qj", "--name", "清江市人民政府", "--kind", "city"]).ok();
    let out =
        run_in(d.path(), &["review", "chain", "set", "--org", "qj", "--class", "normative", "legal,signoff"]).ok();
    assert!(out.stdout.contains("法制审核 → 签发"), "{}", out.stdout);
    let out = run_in(d.path(), &["review", "chain", "show"]).ok();
    assert!(out.stdout.lines().any(|l| l == "qj\tnormative\tlegal,signoff"), "{}", out.stdout);
    assert!(out.stdout.lines().any(|l| l == "*\tfoi_reply\tsecrecy,legal,signoff"), "{}", out.stdout);
    let out = run_in(d.path(), &["review", "chain", "set", "--org", "qj", "--class", "normative", "secrecy"]).failed();
    assert!(out.stderr.contains("签发"), "{}", out.stderr);
    let out = run_in(d.path(), &["review", "chain", "set", "--org", "nowhere", "--class", "other", "signoff"]).failed();
    assert!(out.stderr.contains("nowhere"), "{}", out.stderr);
    run_in(d.path(), &["review", "chain", "unset", "--org", "qj", "--class", "normative"]).ok();
    let out = run_in(d.path(), &["review", "chain", "show"]).ok();
    assert!(!out.stdout.contains("qj\t"), "{}", out.stdout);
}
