#!/usr/bin/env bash
# Fuzzes a running platform with its own OpenAPI document (schemathesis, every check): no 5xx, no schema-valid
# request refused, no schema-invalid request accepted, no reply outside its schema.
#
#   .ci/schemathesis.sh [DB]
#
# DB is what `sanban-platform serve --db` takes; without it, a throw-away SQLite file. The platform is started on
# loopback with a freshly registered kiosk, fuzzed with bounded example counts, and stopped. Exits non-zero on any
# failure. SCHEMATHESIS_EXAMPLES (default 40) bounds the examples per operation and phase.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-40}"
CI_TMP="${TMPDIR:-/tmp}/sanban-ci"
VENV="$CI_TMP/schemathesis-$SCHEMATHESIS_VERSION"
WORK="$(mktemp -d "$CI_TMP/schemathesis-run.XXXXXX" 2>/dev/null || { mkdir -p "$CI_TMP"; mktemp -d "$CI_TMP/schemathesis-run.XXXXXX"; })"
DB="${1:-$WORK/platform.db}"

if [ ! -x "$VENV/bin/st" ]; then
    echo "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
    # A fresh Debian has python3 without venv/ensurepip (and maybe no python3 at all): install them first.
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    fi
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --quiet --locked -p sanban-platform
PLATFORM="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/sanban-platform"

export SANBAN_KIOSK=K07
# A store used before (a database URL given again) already has the kiosk: issue it a new token.
SANBAN_TOKEN="$("$PLATFORM" kiosk add "$SANBAN_KIOSK" --db "$DB" 2>/dev/null ||
    "$PLATFORM" kiosk add "$SANBAN_KIOSK" --rotate --db "$DB" 2>/dev/null)"
export SANBAN_TOKEN

"$PLATFORM" serve --listen 127.0.0.1:0 --db "$DB" >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER=$!
stop() {
    if kill -0 "$SERVER" 2>/dev/null; then
        kill -TERM "$SERVER"
        wait "$SERVER"
    fi
}
trap 'stop || true' EXIT
for _ in $(seq 100); do
    grep -q '^listening on ' "$WORK/serve.out" && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/serve.log"; exit 1; }
    sleep 0.1
done
ADDR="$(sed -n 's/^listening on //p' "$WORK/serve.out")"
[ -n "$ADDR" ] || { echo "the platform did not start listening"; cat "$WORK/serve.log"; exit 1; }
echo "platform on $ADDR (db $DB), kiosk $SANBAN_KIOSK"

status=0
# One worker: on Python 3.11 before 3.11.8, ast parsing from two threads at once can fail inside the fuzzer
# ("AST constructor recursion depth mismatch"), an error of the tool, not of the platform.
# Run from the work directory: schemathesis keeps its cache where it runs.
CI_DIR="$PWD/.ci"
(cd "$WORK" && SCHEMATHESIS_HOOKS="$CI_DIR/schemathesis_hooks.py" \
    "$VENV/bin/st" --config-file "$CI_DIR/schemathesis.toml" run "http://$ADDR/v1/openapi.json" \
    --checks all \
    --max-examples "$EXAMPLES" \
    --seed "${SCHEMATHESIS_SEED:-20261126}" \
    --workers 1 \
    --request-timeout 10 \
    --generation-database none \
    --no-color \
    --report junit --report-dir "$WORK/report") || status=$?
trap - EXIT
if ! stop; then
    echo "the platform did not shut down cleanly on SIGTERM"
    status=1
fi
if grep -aqE 'ERROR|panicked' "$WORK/serve.log"; then
    echo "the platform logged errors during the run:"
    grep -aE 'ERROR|panicked' "$WORK/serve.log" | head -20
    status=1
fi
echo "schemathesis report: $WORK/report"
exit "$status"
