#!/usr/bin/env bash
# Measures the whole moderation pipeline (rules + the built-in model) on the labelled
# evaluation set in this folder, which is never trained or tuned on: precision and recall per
# language and per category, and the verdict time per comment. See README.md here.
#
#   bench/moderation/run.sh                 # the evaluation set, as on a quiet evening
#   bench/moderation/run.sh --evening       # ... as in match-evening mode
#   BENCH_NO_BUILD=1 bench/moderation/run.sh   # use the release binary as it is
#   EVAL=bench/moderation/eval-2.jsonl bench/moderation/run.sh   # another labelled set
#                                       # (default eval.jsonl; see README-eval.md)
set -euo pipefail
# A relative EVAL is taken from where the script is started, else from the repository root.
if [ -n "${EVAL:-}" ] && [ -e "$EVAL" ]; then
  EVAL="$(cd "$(dirname "$EVAL")" && pwd)/$(basename "$EVAL")"
fi
cd "$(dirname "$0")/../.."
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cargo build --release -q -p tribune
fi
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
mkdir -p bench/out/moderation
eval_set="${EVAL:-bench/moderation/eval.jsonl}"
# The report is named after the set: eval.jsonl -> eval.txt, eval-2.jsonl -> eval-2.txt.
report="bench/out/moderation/$(basename "$eval_set" .jsonl).txt"
# A fresh site: the built-in model, no lessons yet.
./target/release/tribune --data-dir "$data" moderation evaluate "$eval_set" "$@" \
  | tee "$report"
