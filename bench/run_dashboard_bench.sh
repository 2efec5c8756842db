#!/usr/bin/env bash
# Creates (once) the scratch database ccm_dashboard_bench with the module, then runs the dashboard
# benchmark (bench_dashboard.py). BENCH_DB=other_name to use another database; extra arguments go to it.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
run_bench_script "${BENCH_DB:-ccm_dashboard_bench}" bench_dashboard.py "$@"
