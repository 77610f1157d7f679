#!/usr/bin/env bash
# Measures the whole moderation pipeline (rules + the built-in model) on the labelled
# evaluation set in this folder, which is never trained or tuned on: precision and recall per
# language and per category, and the verdict time per comment. See README.md here.
#
#   bench/moderation/run.sh                 # the evaluation set, as on a quiet evening
#   bench/moderation/run.sh --evening       # ... as in match-evening mode
#   BENCH_NO_BUILD=1 bench/moderation/run.sh   # use the release binary as it is
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cargo build --release -q -p tribune
fi
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
mkdir -p bench/out/moderation
# A fresh site: the built-in model, no lessons yet.
./target/release/tribune --data-dir "$data" moderation evaluate bench/moderation/eval.jsonl "$@" \
  | tee bench/out/moderation/eval.txt
