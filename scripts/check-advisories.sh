#!/usr/bin/env bash
# Checks Cargo.lock against the RustSec advisory database, offline, with cargo-deny.
#
#   bash scripts/check-advisories.sh [SNAPSHOT_DIR]
#
# SNAPSHOT_DIR (default: ../shared/advisory-db beside the clone) is a plain copy of the RustSec
# advisory-db repository (its SNAPSHOT file names the commit). cargo-deny reads databases only
# from git repositories under its `db-path`, in a folder named after the database URL, so the
# snapshot is copied into a temporary git repository there and `cargo deny --offline` never
# fetches anything. An advisory against any crate in Cargo.lock fails the check unless deny.toml
# ignores it with a written reason.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SNAPSHOT="${1:-../shared/advisory-db}"
if [[ ! -d "$SNAPSHOT/crates" ]]; then
    printf '[advisories] ERROR: no advisory database snapshot at %s (expected its crates/ folder)\n' "$SNAPSHOT" >&2
    exit 1
fi
command -v cargo-deny >/dev/null 2>&1 || {
    printf '[advisories] ERROR: cargo-deny is not installed (cargo install --locked cargo-deny --version ^0.20)\n' >&2
    exit 1
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/gongkai-advisories.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# The folder cargo-deny 0.20 derives from the default URL https://github.com/rustsec/advisory-db.
DB="$WORK/advisory-dbs/advisory-db-3157b0e258782691"
mkdir -p "$DB"
cp -R "$SNAPSHOT"/. "$DB"/
chmod -R u+w "$DB"
git -C "$DB" init -q
git -C "$DB" add -A
git -C "$DB" -c user.name=gongkai -c user.email=ci@localhost -c commit.gpgsign=false commit -q -m snapshot
printf '[advisories] database: %s\n' "$(head -n 1 "$SNAPSHOT/SNAPSHOT" 2>/dev/null || echo "$SNAPSHOT")"

# `cargo deny --offline` reads `cargo metadata` offline too: every crate of Cargo.lock (all
# targets) must be in the local registry cache first. crates.io is reachable; the advisory
# database is not.
cargo fetch --locked --quiet
GONGKAI_ADVISORY_DBS="$WORK/advisory-dbs" cargo deny --offline --locked check advisories
