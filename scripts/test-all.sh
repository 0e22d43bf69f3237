#!/usr/bin/env bash
# Run every test of the project: the one command the README names.
#
#   bash scripts/test-all.sh [extra cargo test args, e.g. -- --nocapture]
#
# 1. `cargo test --workspace` on SQLite (GONGKAI_TEST_DATABASE_URL unset).
# 2. `cargo test --workspace` again on PostgreSQL, with GONGKAI_TEST_DATABASE_URL
#    set (the store/service tests create a fresh schema per test in it):
#      - if GONGKAI_TEST_DATABASE_URL is set to a postgres:// URL, that database;
#      - otherwise a local server is looked for at 127.0.0.1:5432 and, if it
#        answers, postgres://postgres@127.0.0.1:5432/gongkai_test is used;
#        if it does not, the PostgreSQL run is skipped with a message
#        (or fails when GONGKAI_REQUIRE_POSTGRES=1).
#    The database named in the URL is created if it is missing.
# 3. Independent validation of the OpenAPI description and the Atom feeds
#    (scripts/validate-outputs.sh: openapi-spec-validator and feedparser from PyPI).
# 4. The browser tests, `bash e2e/run.sh`, if e2e/package.json exists.
#
# Exits non-zero on the first failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DEFAULT_PG_URL="postgres://postgres@127.0.0.1:5432/gongkai_test"
REQUIRE_PG="${GONGKAI_REQUIRE_POSTGRES:-0}"
SCRIPT_START=$SECONDS

section() {
    printf '\n==================== %s ====================\n' "$*"
}

note() {
    printf '[test-all] %s\n' "$*"
}

die() {
    printf '[test-all] ERROR: %s\n' "$*" >&2
    exit 1
}

# Run a titled step, printing how long it took.
run_step() {
    local title="$1"
    shift
    section "$title"
    local start=$SECONDS rc=0
    "$@" || rc=$?
    if [[ $rc -ne 0 ]]; then
        printf '[test-all] FAILED: %s (exit %d, after %ds)\n' "$title" "$rc" "$((SECONDS - start))" >&2
        exit "$rc"
    fi
    note "$title: done in $((SECONDS - start))s"
}

# ---------------------------------------------------------------------------
# Decide on the PostgreSQL URL (if any) before running anything, so that a
# misconfiguration fails fast instead of after the SQLite run.
# ---------------------------------------------------------------------------
PG_URL=""
PG_EXPLICIT=0
if [[ -n "${GONGKAI_TEST_DATABASE_URL:-}" ]]; then
    case "$GONGKAI_TEST_DATABASE_URL" in
        postgres://* | postgresql://*)
            PG_URL="$GONGKAI_TEST_DATABASE_URL"
            PG_EXPLICIT=1
            ;;
        *)
            die "GONGKAI_TEST_DATABASE_URL must be a postgres:// URL (or unset for SQLite only); got '${GONGKAI_TEST_DATABASE_URL%%://*}://…'"
            ;;
    esac
fi

# Split a postgres URL into the part before the database name, the database
# name, and the query string: postgres://user@host:port/db?x=y
PG_BASE="" PG_DB="" PG_QUERY=""
split_pg_url() {
    local url="$1"
    local re='^(postgres(ql)?://[^/?]*)/?([^?]*)(\?.*)?$'
    [[ "$url" =~ $re ]] || die "cannot parse PostgreSQL URL"
    PG_BASE="${BASH_REMATCH[1]}"
    PG_DB="${BASH_REMATCH[3]}"
    PG_QUERY="${BASH_REMATCH[4]:-}"
}

# The URL with any password hidden, for messages.
redact() {
    sed -E 's#(://[^:/@]+):[^@/]*@#\1:***@#' <<<"$1"
}

# Skip the PostgreSQL run with a message, or fail if PostgreSQL is required.
pg_unavailable() {
    if [[ "$REQUIRE_PG" == "1" ]]; then
        die "$1 (GONGKAI_REQUIRE_POSTGRES=1)"
    fi
    note "$1: skipping the PostgreSQL run"
    PG_URL=""
}

# Make sure the server answers and the database exists (create it if not).
prepare_pg() {
    split_pg_url "$PG_URL"
    local shown
    shown="$(redact "$PG_URL")"

    if ! command -v pg_isready >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
        if [[ "$PG_EXPLICIT" == "1" ]]; then
            note "pg_isready/psql not installed: cannot check $shown; running the tests against it anyway"
            return 0
        fi
        pg_unavailable "PostgreSQL not reachable at $shown (pg_isready/psql not installed)"
        return 0
    fi

    if ! pg_isready -q -t 5 -d "$PG_URL" >/dev/null 2>&1; then
        if [[ "$PG_EXPLICIT" == "1" ]]; then
            die "PostgreSQL not reachable at $shown (GONGKAI_TEST_DATABASE_URL is set)"
        fi
        pg_unavailable "PostgreSQL not reachable at $shown"
        return 0
    fi

    [[ -n "$PG_DB" ]] || return 0
    # Connect to the maintenance database to look for / create ours.
    local admin_url="${PG_BASE}/postgres${PG_QUERY}"
    local exists
    if ! exists="$(psql "$admin_url" -w -X -q -tA -v ON_ERROR_STOP=1 \
        -c "SELECT 1 FROM pg_database WHERE datname = '${PG_DB//\'/\'\'}'" 2>&1)"; then
        if [[ "$PG_EXPLICIT" == "1" ]]; then
            die "cannot connect to PostgreSQL at $(redact "$admin_url"): $exists"
        fi
        pg_unavailable "PostgreSQL at $shown answers but refused the connection ($exists)"
        return 0
    fi
    if [[ "$exists" != "1" ]]; then
        note "creating database \"$PG_DB\""
        local out
        if ! out="$(psql "$admin_url" -w -X -q -v ON_ERROR_STOP=1 \
            -c "CREATE DATABASE \"${PG_DB//\"/\"\"}\"" 2>&1)"; then
            # Another run may have created it meanwhile.
            if [[ "$out" != *"already exists"* ]]; then
                die "could not create database \"$PG_DB\": $out"
            fi
        fi
    fi
    note "using PostgreSQL at $shown"
}

if [[ -z "$PG_URL" ]]; then
    PG_URL="$DEFAULT_PG_URL"
fi
section "PostgreSQL check"
prepare_pg

# ---------------------------------------------------------------------------
# The test runs.
# ---------------------------------------------------------------------------
run_step "cargo test --workspace (SQLite)" \
    env -u GONGKAI_TEST_DATABASE_URL cargo test --workspace "$@"

if [[ -n "$PG_URL" ]]; then
    run_step "cargo test --workspace (PostgreSQL)" \
        env GONGKAI_TEST_DATABASE_URL="$PG_URL" cargo test --workspace "$@"
else
    section "cargo test --workspace (PostgreSQL)"
    note "skipped (see above)"
fi

run_step "OpenAPI and Atom validation (scripts/validate-outputs.sh)" bash scripts/validate-outputs.sh

if [[ -d e2e && -f e2e/package.json ]]; then
    [[ -f e2e/run.sh ]] || die "e2e/package.json exists but e2e/run.sh is missing: cannot run the browser tests"
    run_step "browser tests (e2e/run.sh)" bash e2e/run.sh
else
    section "browser tests"
    note "no e2e/package.json: no browser tests to run"
fi

section "all tests passed"
note "total time $((SECONDS - SCRIPT_START))s"
