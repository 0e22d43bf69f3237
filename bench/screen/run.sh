#!/usr/bin/env bash
# Screening throughput (公开前审查) side by side with ripgrep on the same text, same run.
#
# Builds the screen benchmark (release), prepares the text (the shared corpus bodies with
# personal-data sentences inserted, see prepare.py), then runs, interleaved, ROUNDS rounds of:
#   - `screen_bench --once TEXT`: one process that reads the file, checks UTF-8, normalises and
#     screens it (default configuration: personal data and markings), printing the count;
#   - ripgrep, one thread, with an equivalent pattern set (below), counting matching lines (-c);
#   - the same printing every match (-o), closer to what the screen produces;
# and reports the median wall time of each (process start to exit, file in the page cache).
# `screen_bench` without --once also prints its in-process median (screening only).
# Usage: bash bench/screen/run.sh [CORPUS]   (needs cargo, python3, zstd, ripgrep)
set -euo pipefail
cd "$(dirname "$0")/../.."
CORPUS=${1:-../shared/corpus/laws.jsonl.zst}
WORK=${WORK:-/tmp/gongkai-bench-screen}
TARGET=${CARGO_TARGET_DIR:-target}
mkdir -p "$WORK"
command -v rg >/dev/null || { echo "ripgrep missing: apt-get install -y ripgrep" >&2; exit 2; }
command -v zstd >/dev/null || { echo "zstd missing: apt-get install -y zstd" >&2; exit 2; }

cargo build --release -q -p gongkai-domain --example screen_bench
BIN="$TARGET/release/examples/screen_bench"
TEXT="$WORK/text.txt"
python3 bench/screen/prepare.py "$CORPUS" "$TEXT"

# Equivalent patterns, as close as a regex gets without check digits: 18- and 15-digit ID
# numbers (region, birth date), mobiles (also 3-4-4 with space or hyphen), 16–19-digit and
# grouped card numbers, e-mail, licence plates, passports after a label, classified markings.
D='(?:^|[^0-9])'
E='(?:[^0-9]|$)'
ID18="[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
ID15="[1-9][0-9]{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}"
MOB="1[3-9][0-9](?:[0-9]{8}|[ -][0-9]{4}[ -][0-9]{4})"
CARD="[0-9]{16,19}|[0-9]{4}(?: [0-9]{4}){3}(?: [0-9]{1,3})?"
MAIL="[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
PLATE="[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·•]?[A-HJ-NP-Z0-9]{5,6}"
PASS="(?:护照|通行证)[^0-9A-Z]{0,12}[EGDSP][A-Z0-9]?[0-9]{7,8}"
MARK="绝密|机密|秘密|工作秘密|内部资料|内部使用|仅供内部使用|内部文件|内部参考|不得外传|注意保存|内部传阅"
PATTERN="${D}(?:${ID18}|${ID15}|${MOB}|${CARD})${E}|${MAIL}|${PLATE}|${PASS}|${MARK}"
echo "$PATTERN" > "$WORK/pattern.txt"

ROUNDS=${ROUNDS:-7} python3 - "$BIN" "$TEXT" "$WORK/pattern.txt" <<'PY'
import os, platform, statistics, subprocess, sys, time
binary, text, pattern_file = sys.argv[1:4]
pattern = open(pattern_file, encoding="utf-8").read().strip()
size = os.path.getsize(text)

def wall(cmd):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=False, stdout=subprocess.PIPE).stdout
    return time.perf_counter() - t, out

def cpu():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()

rg_version = subprocess.run(["rg", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
print(f"machine: {cpu()}, {os.cpu_count()} cores (shared), {platform.system()} {platform.release()}")
print(f"tools: {rustc}; {rg_version}")
print(f"data: {text}, {size} bytes ({size / 1e6:.1f} MB)")
print(f"pattern: {pattern_file}")

line = subprocess.run([binary, text], check=True, capture_output=True, text=True).stdout.strip()
inner = float(line.split("median_s=")[1].split()[0])
print(f"screen_bench in-process: {line}")
cmds = [
    ("gongkai screen (screen_bench --once)", [binary, "--once", text]),
    ("ripgrep -j1 -c (count matching lines)", ["rg", "-j1", "-c", "-e", pattern, text]),
    ("ripgrep -j1 -o (print every match)", ["rg", "-j1", "-o", "-e", pattern, text]),
]
rounds = int(os.environ.get("ROUNDS", "7"))
times = {name: [] for name, _ in cmds}
outputs = {}
for _ in range(rounds):
    for name, cmd in cmds:
        s, o = wall(cmd)
        times[name].append(s)
        outputs[name] = o
for name, _ in cmds:
    o = outputs[name].decode(errors="replace")
    print(f"{name}: output {o.strip() if len(o) < 40 else str(len(o.splitlines())) + ' lines'}")
print(f"rounds: {rounds}, interleaved; load average (1 min) after the runs: {os.getloadavg()[0]:.1f}")
rows = [(name, statistics.median(times[name])) for name, _ in cmds]
base = rows[0][1]
print()
print("| run | median wall s | MB/s | screen throughput ÷ this |")
print("| --- | ---: | ---: | ---: |")
for name, s in rows:
    print(f"| {name} | {s:.3f} | {size / 1e6 / s:.0f} | {s / base:.2f}× |")
PY
