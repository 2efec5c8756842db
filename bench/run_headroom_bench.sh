#!/usr/bin/env bash
# Creates (once) the scratch database ccm_headroom_bench with the module, then runs the dated
# headroom benchmark (bench_headroom.py). BENCH_DB=other_name to use another database;
# CCM_BENCH_SCALE=0.1 for a small book; extra arguments (--customers N, --regenerate) go to it.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
run_bench_script "${BENCH_DB:-ccm_headroom_bench}" bench_headroom.py "$@"
