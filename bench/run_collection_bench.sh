#!/usr/bin/env bash
# Creates (once) the scratch database (BENCH_DB, default ccm_collection_bench) with the module and
# the aging bench's book, then times the collection run of every customer (bench_collection_run.py).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
run_bench_script "${BENCH_DB:-ccm_collection_bench}" bench_collection_run.py "$@"
