#!/usr/bin/env bash
# Creates (once) the scratch database ccm_aging_bench with the module, then runs the aging benchmark.
# BENCH_DB=other_name to use another database; extra arguments go to bench_aging.py.
# CCM_BENCH_SCALE=10 BENCH_DB=ccm_aging_bench_2m for a book of 2,000,000 open lines.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
run_bench_script "${BENCH_DB:-ccm_aging_bench}" bench_aging.py "$@"
