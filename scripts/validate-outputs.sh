#!/usr/bin/env bash
# Validates gongkai's machine-readable outputs with independent tools, against a real server with
# demo content: the OpenAPI description (openapi-spec-validator) and the Atom feeds (feedparser,
# which flags malformed feeds as "bozo"), plus sitemap.xml as well-formed XML.
#
#   bash scripts/validate-outputs.sh
#
# Needs python3 and the PyPI registry (the tools are installed into a venv under target/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/debug/gongkai"
[[ -x "$BIN" ]] || cargo build -p gongkai
VENV="$TARGET/validate-venv"
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet openapi-spec-validator==0.9.0 feedparser==6.0.14
fi

DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --demo --data "$DATA" --listen "127.0.0.1:$PORT" >"$DATA/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

"$VENV/bin/python" - "http://127.0.0.1:$PORT" <<'PY'
import json, sys, urllib.request
import xml.dom.minidom
from openapi_spec_validator import validate
import feedparser

base = sys.argv[1]
get = lambda p: urllib.request.urlopen(base + p).read()
validate(json.loads(get("/api/openapi.json")))
print("openapi.json: valid OpenAPI 3.1")
failed = False
for path in ["/feeds/latest.atom", "/feeds/validity.atom", "/feeds/org/demo.atom", "/feeds/topic.atom?topic=%E7%BB%BC%E5%90%88%E6%94%BF%E5%8A%A1", "/feeds/interpretations.atom"]:
    d = feedparser.parse(get(path))
    ok = not d.bozo and d.version == "atom10" and len(d.entries) > 0
    print(f"{path}: {'valid' if ok else 'INVALID'} ({d.version}, {len(d.entries)} entries{', ' + str(d.bozo_exception) if d.bozo else ''})")
    failed |= not ok
# The 12345 export read back as JSON, every row with the fields a hotline knowledge base needs.
rows = json.loads(get("/api/v1/qa/export"))["items"]
need = {"id", "op", "question", "answer", "category", "region", "org_name", "sources", "valid_from", "valid_to", "updated_at"}
ok = len(rows) > 0 and all(need <= set(r) for r in rows)
print(f"/api/v1/qa/export: {'valid' if ok else 'INVALID'} ({len(rows)} items)")
failed |= not ok
xml.dom.minidom.parseString(get("/sitemap.xml"))
print("sitemap.xml: well-formed")
sys.exit(1 if failed else 0)
PY
