"""Benchmark of the Credit Control dashboard (issue #18) at 10,000 customers / 200,000 open items.

Usage (the project's virtualenv, a scratch database where the module is installed):

    bash bench/run_dashboard_bench.sh            # creates ccm_dashboard_bench, installs, runs
    $VENV/bin/python bench/bench_dashboard.py -d DB --addons-path PATHS [--db_user U ...]

The book is the aging bench's (``bench_aging.generate``: SQL-generated invoices, partial and
unapplied payments, paid history) with 10,000 customers instead of 5,000; every customer gets a
manual limit (lines from 1,000 to 40,000, so that the utilisation spread is filled). The dashboard
is read as a Credit Manager at the default clearance (Internal), on the book's date, every field
(tiles, figures and the rendered charts) from a cold record cache, ``--runs`` times, first without
stored receivable figures (everything computed while the user waits), then with the figures the
scheduled action keeps for the user (``credit.dashboard.figures``), which is what opening the
dashboard costs; the refresh itself (the scheduled action's work for one user) is timed too. The
medians are printed with the number of queries and the target (< 1 s).
"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_aging as aging

aging.CUSTOMERS = 10_000
TARGET = 1.0
MANAGER_LOGIN = "bench_dashboard_manager"


def set_limits(env, company):
    """Manual limits, and the default level (Internal) the SQL-made customers lack."""
    internal = env.ref("customer_credit_management.confidentiality_level_internal")
    env.cr.execute(
        """
        UPDATE res_partner
           SET confidentiality_level_id = %(level)s,
               confidentiality_rank = %(rank)s,
               credit_limit_manual = jsonb_build_object(%(company)s::text, true),
               credit_limit_manual_base = jsonb_build_object(%(company)s::text,
                                                            (substr(ref, 7)::int %% 40 + 1) * 2000)
         WHERE ref LIKE 'BENCH-%%'
        """,
        {"company": company.id, "level": internal.id, "rank": internal.rank},
    )


def main():
    args, odoo_args = aging.parse_args()
    sys.path.insert(0, args.odoo_src)
    from freezegun import freeze_time  # noqa: PLC0415

    with aging.open_book(odoo_args, args.regenerate, set_limits) as (env, company):
        cr = env.cr
        user = aging.credit_manager(env, company, MANAGER_LOGIN, "Bench Credit Manager")
        env = env(user=user, context={"allowed_company_ids": company.ids})
        dashboard = env["credit.dashboard"].browse(1)
        fnames = list(dashboard._fields)
        clock = time.perf_counter  # freezegun freezes it too

        def read_runs():
            times, queries = [], []
            for _run in range(args.runs + 1):  # the first run warms the caches of the templates
                env.invalidate_all()
                before = cr.sql_log_count
                started = clock()
                values = dashboard.read(fnames)[0]
                times.append(clock() - started)
                queries.append(cr.sql_log_count - before)
            return times[1:], queries[-1], values

        with freeze_time(aging.AS_OF):
            env["credit.dashboard.figures"].sudo().search([]).unlink()
            cold, cold_queries, _values = read_runs()
            refresh = []
            for _run in range(args.runs):
                env.invalidate_all()
                started = clock()
                dashboard.action_refresh_figures()
                refresh.append(clock() - started)
            warm, warm_queries, values = read_runs()
        cr.execute("SELECT count(*) FROM res_partner WHERE ref LIKE 'BENCH-%%'")
        customers = cr.fetchone()[0]
        items = len(env["credit.receivable"].get_open_items(aging.AS_OF, company))
        median = statistics.median(warm)
        print(f"book: {customers} customers, {items} open receivable lines, as of {aging.AS_OF}")
        print(
            f"dashboard, receivable figures stored (what opening it costs): median {median:.3f} s over "
            f"{args.runs} runs (min {min(warm):.3f} s, max {max(warm):.3f} s), {warm_queries} queries, "
            f"target < {TARGET} s: {'ok' if median < TARGET else 'MISSED'}"
        )
        print(
            f"dashboard, every figure computed while reading (no stored figures): median "
            f"{statistics.median(cold):.3f} s (min {min(cold):.3f} s, max {max(cold):.3f} s), "
            f"{cold_queries} queries"
        )
        print(
            "refreshing the stored figures of one user (the scheduled action): "
            f"median {statistics.median(refresh):.3f} s"
        )
        print(
            f"tiles: over line {values['over_line_count']}, near line {values['near_line_count']}, "
            f"on hold {values['hold_count']}, above clearance {values['hidden_count']}; "
            f"DSO {values['company_dso']:.1f} days, "
            f"average days late {values['average_days_late']:.1f}; load {os.getloadavg()[0]:.1f}"
        )
        cr.rollback()


if __name__ == "__main__":
    main()
