//! Running the real `gongkai` binary: one-shot commands, and a server child process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The binary, with no `GONGKAI_*` or `RUST_LOG` variables inherited from the test environment
/// (so a `GONGKAI_DATABASE_URL` set for other suites cannot redirect these tests), and its clock
/// started at [`CLOCK_START`].
pub fn gongkai() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("GONGKAI_") {
            c.env_remove(&k);
        }
    }
    c.env_remove("RUST_LOG");
    // The binary's clock starts on a fixed day, so no test depends on the day it runs.
    c.env("GONGKAI_SERVER__CLOCK_START", CLOCK_START);
    c.stdin(Stdio::null());
    c
}

/// Where the binary's clock starts in these tests (10:00 China time that day).
pub const CLOCK_START: &str = "2026-11-27";

/// What a finished command printed.
#[derive(Debug)]
pub struct Out {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    #[track_caller]
    pub fn ok(self) -> Out {
        assert!(self.status.success(), "command failed: {self:#?}");
        self
    }

    #[track_caller]
    pub fn failed(self) -> Out {
        assert!(!self.status.success(), "command should have failed: {self:#?}");
        self
    }
}

fn finish(mut c: Command, stdin: Option<&str>) -> Out {
    if stdin.is_some() {
        c.stdin(Stdio::piped());
    }
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(input) = stdin {
        let mut w = child.stdin.take().unwrap();
        w.write_all(input.as_bytes()).unwrap();
    }
    let o = child.wait_with_output().unwrap();
    Out {
        status: o.status,
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Runs `gongkai ARGS`.
pub fn run(args: &[&str]) -> Out {
    let mut c = gongkai();
    c.args(args);
    finish(c, None)
}

/// Runs `gongkai --data DIR ARGS`.
pub fn run_in(dir: &Path, args: &[&str]) -> Out {
    let mut c = gongkai();
    c.arg("--data").arg(dir).args(args);
    finish(c, None)
}

/// Runs `gongkai --data DIR ARGS` with `input` on standard input.
pub fn run_in_with_stdin(dir: &Path, args: &[&str], input: &str) -> Out {
    let mut c = gongkai();
    c.arg("--data").arg(dir).args(args);
    finish(c, Some(input))
}

/// A running `gongkai serve`.
pub struct Server {
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Standard output up to and including the start line.
    pub stdout_head: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `gongkai serve --listen 127.0.0.1:0 --data DIR EXTRA…` with `env`, and waits (at
    /// most 60 s) for the line `gongkai 已启动：http://ADDR/`.
    pub fn start(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut c = gongkai();
        c.arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data")
            .arg(dir)
            .args(extra)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let err_buf = Arc::new(Mutex::new(String::new()));
        {
            let err_buf = err_buf.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(stderr);
                let mut line = String::new();
                while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                    err_buf.lock().unwrap().push_str(&line);
                    line.clear();
                }
            });
        }
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            // Keep draining after the start line so the child never blocks on a full pipe.
            while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                let _ = tx.send(line.clone());
                line.clear();
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut head = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    head.push_str(&line);
                    if let Some(rest) = line.trim_end().strip_prefix("gongkai 已启动：http://") {
                        let addr = rest.trim_end_matches('/').to_owned();
                        return Server { child, addr, stdout_head: head, stderr: err_buf };
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("server did not start; stdout:\n{head}\nstderr:\n{}", err_buf.lock().unwrap());
                }
            }
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends SIGTERM and waits at most `limit` for the process to exit.
    pub fn terminate(mut self, limit: Duration) -> Option<ExitStatus> {
        let pid = self.child.id().to_string();
        let st = Command::new("kill").arg("-TERM").arg(&pid).status().unwrap();
        assert!(st.success(), "kill -TERM {pid} failed");
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Never leave a server behind when a test fails half-way.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One HTTP/1.1 response read off the wire.
#[derive(Debug)]
pub struct HttpResp {
    pub status: u16,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
}

/// Sends a raw HTTP/1.1 request (with `Connection: close`) and reads the whole answer.
pub fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> HttpResp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-length")) {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> HttpResp {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in: {}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let body = &raw[end + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line: {status_line}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_vec() };
    HttpResp { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
}

/// Decodes a `Transfer-Encoding: chunked` body.
fn dechunk(mut s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = s.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&s[..i]);
        let n = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16).unwrap_or(0);
        let rest = &s[i + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        out.extend_from_slice(&rest[..n]);
        s = rest[n..].strip_prefix(b"\r\n").unwrap_or(&rest[n..]);
    }
    out
}
