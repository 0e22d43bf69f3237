//! Screening throughput: reads a UTF-8 text file, screens it once to warm up and `RUNS` times
//! measured, and prints the median time and MB/s, and the findings per kind. With `--once` it
//! reads, screens once and prints the number of findings (for wall-clock comparisons with other
//! processes). Used by `bench/screen/run.sh`:
//! `cargo run --release -p gongkai-domain --example screen_bench -- [--once] FILE [WORDS]`.

use std::collections::BTreeMap;
use std::time::Instant;

use gongkai_domain::screen::{ScreenConfig, Screener, parse_word_lists};

const RUNS: usize = 5;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1).peekable();
    let once = args.next_if(|a| a == "--once").is_some();
    let path = args.next().ok_or("usage: screen_bench [--once] FILE [WORDS]")?;
    let bytes = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
    // As `gongkai scan` does (gongkai-extract): SIMD UTF-8 validation.
    let text = simdutf8::basic::from_utf8(&bytes).map_err(|_| format!("{path}: not UTF-8"))?;
    let config = match args.next() {
        Some(w) => {
            let words = std::fs::read_to_string(&w).map_err(|e| format!("{w}: {e}"))?;
            parse_word_lists(&words, ScreenConfig::default()).map_err(|e| e.to_string())?
        }
        None => ScreenConfig::default(),
    };
    let screener = Screener::new(&config).map_err(|e| e.to_string())?;
    let findings = screener.screen(text);
    if once {
        println!("{}", findings.len());
        return Ok(());
    }
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let n = screener.screen(text).len();
        times.push(t.elapsed().as_secs_f64());
        assert_eq!(n, findings.len());
    }
    times.sort_by(f64::total_cmp);
    let median = times[RUNS / 2];
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &findings {
        *by_kind.entry(f.kind.as_str()).or_default() += 1;
    }
    println!(
        "bytes={} findings={} median_s={median:.4} mb_s={:.1} runs={RUNS} by_kind={by_kind:?}",
        text.len(),
        findings.len(),
        text.len() as f64 / 1e6 / median
    );
    Ok(())
}
