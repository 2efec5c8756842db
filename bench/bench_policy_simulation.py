"""Benchmark of the policy simulator's backtest (issue #20): 12 month-ends, 5,000 customers,
200,000 open items, < 30 s.

Usage (the project's virtualenv, a scratch database where the module is installed):

    bash bench/run_policy_simulation_bench.sh    # creates ccm_simulation_bench, installs, runs
    $VENV/bin/python bench/bench_policy_simulation.py -d DB --addons-path PATHS [--db_user U ...]

The book is the aging bench's (``bench_aging.generate``; ``CCM_BENCH_SCALE`` scales its
documents), plus confirmed orders made with SQL: ``ORDERS_PER_CUSTOMER_MONTH`` a month for each
customer over the 13 months before the book's date (the limits' volumes and the orders judged).
Every third customer gets a score (so the grade table moves lines), every fifth a manual limit.
The company holds after 400 days overdue (the book is old); a simulation as a Credit Manager
(every factor times 0.8, hold after 300 days, month basis) is
replayed ``--runs`` times on the book's date; the median duration is printed with the result
lines and the target.
"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_aging as aging

TARGET = 30.0
MONTHS = 12
ORDERS_PER_CUSTOMER_MONTH = 2
MANAGER_LOGIN = "bench_simulation_manager"


def prepare(env, company):
    cr = env.cr
    company.credit_overdue_hold_days = 400
    internal = env.ref("customer_credit_management.confidentiality_level_internal")
    cr.execute(
        """
        UPDATE res_partner
           SET confidentiality_level_id = %(level)s,
               confidentiality_rank = %(rank)s,
               customer_rank = 1,
               credit_term_days_override = 60,
               credit_score = CASE WHEN substr(ref, 7)::int %% 3 = 0 THEN 40 + substr(ref, 7)::int %% 60 END,
               credit_score_date = CASE WHEN substr(ref, 7)::int %% 3 = 0 THEN %(as_of)s::date END,
               credit_limit_manual = jsonb_build_object(%(company)s::text, substr(ref, 7)::int %% 5 = 0),
               credit_limit_manual_base = jsonb_build_object(%(company)s::text, 20000)
         WHERE ref LIKE 'BENCH-%%'
        """,
        {"company": company.id, "level": internal.id, "rank": internal.rank, "as_of": aging.AS_OF},
    )
    cr.execute("SELECT count(*) FROM sale_order WHERE name LIKE 'BENCH-SO-%%'")
    if not cr.fetchone()[0]:
        started = time.perf_counter()
        cr.execute(
            """
            INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id,
                                    company_id, state, date_order, amount_total, amount_untaxed,
                                    currency_rate, currency_id, picking_policy,
                                    create_uid, create_date, write_uid, write_date)
            SELECT 'BENCH-SO-' || p.id || '-' || g, p.id, p.id, p.id, %(company)s, 'sale',
                   %(as_of)s::timestamp - (g * 197 %% 395) * interval '1 day',
                   1000 + (p.id * 31 + g * 17) %% 9000, 1000 + (p.id * 31 + g * 17) %% 9000, 1,
                   %(currency)s, 'direct', 1, now(), 1, now()
              FROM res_partner p, generate_series(1, %(per_customer)s) g
             WHERE p.ref LIKE 'BENCH-%%'
            """,
            {
                "company": company.id,
                "as_of": aging.AS_OF,
                "currency": company.currency_id.id,
                "per_customer": ORDERS_PER_CUSTOMER_MONTH * 13,
            },
        )
        cr.execute("ANALYZE sale_order")
        print(f"generated the orders in {time.perf_counter() - started:.1f} s")
    # Grades follow the SQL-set scores.
    partners = env["res.partner"].search([("ref", "like", "BENCH-"), ("credit_score_date", "!=", False)])
    env.add_to_compute(partners._fields["credit_grade_id"], partners)
    partners.flush_recordset(["credit_grade_id"])


def main():
    args, odoo_args = aging.parse_args()
    sys.path.insert(0, args.odoo_src)
    from freezegun import freeze_time  # noqa: PLC0415

    with aging.open_book(odoo_args, args.regenerate, prepare) as (env, company):
        cr = env.cr
        user = aging.credit_manager(env, company, MANAGER_LOGIN, "Bench Simulation Manager")
        env = env(user=user, context={"allowed_company_ids": company.ids})
        times = []
        clock = time.perf_counter  # freezegun freezes it too
        with freeze_time(aging.AS_OF):
            simulation = env["credit.policy.simulation"].create(
                {"name": "Bench", "months": MONTHS, "overdue_hold_days": 300, "limit_period": "month"}
            )
            for line in simulation.grade_ids:
                line.risk_factor = round(line.risk_factor * 0.8, 2)
            for _run in range(args.runs):
                env.invalidate_all()
                started = clock()
                simulation.action_simulate()
                times.append(clock() - started)
        cr.execute("SELECT count(*) FROM res_partner WHERE ref LIKE 'BENCH-%%'")
        customers = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM sale_order WHERE name LIKE 'BENCH-SO-%%'")
        orders = cr.fetchone()[0]
        items = len(env["credit.receivable"].sudo().get_open_items(aging.AS_OF, company))
        median = statistics.median(times)
        print(
            f"book: {customers} customers, {items} open receivable lines, {orders} orders, "
            f"as of {aging.AS_OF}"
        )
        print(
            f"backtest of {MONTHS} month-ends: median {median:.2f} s over {args.runs} runs "
            f"(min {min(times):.2f} s, max {max(times):.2f} s), {len(simulation.line_ids)} result lines, "
            f"target < {TARGET:.0f} s: {'ok' if median < TARGET else 'MISSED'}"
        )
        print(
            f"orders {simulation.order_count}, refused now {simulation.refused_current_count}, "
            f"refused proposed {simulation.refused_proposed_count}, overdue avoided "
            f"{simulation.stopped_overdue_amount:.2f}; load {os.getloadavg()[0]:.1f}"
        )
        cr.rollback()


if __name__ == "__main__":
    main()
