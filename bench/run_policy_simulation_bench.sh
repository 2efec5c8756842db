#!/usr/bin/env bash
# Creates (once) the scratch database ccm_simulation_bench with the module, then runs the policy
# simulator's backtest benchmark (bench_policy_simulation.py). BENCH_DB=other_name to use another
# database; CCM_BENCH_SCALE=0.2 for a smaller book; extra arguments (--runs N, --regenerate) go to it.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
run_bench_script "${BENCH_DB:-ccm_simulation_bench}" bench_policy_simulation.py "$@"
