#!/bin/sh
# Mutua's income-model benchmark at scale: population fit on a 2,000-worker sample, then the
# per-worker update, 12-month forecasts and savings targets for 100,000 workers (and pool
# pricing when available). Prints the time and peak memory of each stage.
set -eu
cd "$(dirname "$0")/.."
exec .venv/bin/python -m actuarial bench --workers "${WORKERS:-100000}" --months "${MONTHS:-24}" \
    --platforms "${PLATFORMS:-3}" "$@"
