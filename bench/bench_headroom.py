"""Benchmark of the dated headroom (issue #20): the projection of one quotation, < 50 ms.

Usage (the project's virtualenv, a scratch database where the module is installed):

    bash bench/run_headroom_bench.sh             # creates ccm_headroom_bench, installs, runs
    $VENV/bin/python bench/bench_headroom.py -d DB --addons-path PATHS [--db_user U ...]

The book is the aging bench's (``bench_aging.generate``: 5,000 customers, 200,000 open items,
partial payments in the last 12 months that give the customers a payment history;
``CCM_BENCH_SCALE`` scales the documents). Every customer gets a manual limit of 1,000 (so that
its quotations are refused and the refusal says when they fit). For ``--customers`` customers
spread over the book, a quotation is made, then, from a cold record cache, timed: the projection
alone (``res.partner._credit_headroom_projection``, given the exposure, as the check calls it)
and the whole credit check of the quotation (exposure, refusal, projection, message). Medians
and the query counts are printed with the target.
"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_aging as aging

TARGET = 0.050


def set_limits(env, company):
    internal = env.ref("customer_credit_management.confidentiality_level_internal")
    env.cr.execute(
        """
        UPDATE res_partner
           SET confidentiality_level_id = %(level)s,
               confidentiality_rank = %(rank)s,
               credit_limit_manual = jsonb_build_object(%(company)s::text, true),
               credit_limit_manual_base = jsonb_build_object(%(company)s::text, 1000)
         WHERE ref LIKE 'BENCH-%%'
        """,
        {"company": company.id, "level": internal.id, "rank": internal.rank},
    )


def main():
    args, odoo_args = aging.parse_args()
    customers_arg = 50
    if "--customers" in odoo_args:
        index = odoo_args.index("--customers")
        customers_arg = int(odoo_args[index + 1])
        del odoo_args[index : index + 2]
    sys.path.insert(0, args.odoo_src)
    from freezegun import freeze_time  # noqa: PLC0415

    from odoo import Command  # noqa: PLC0415 (the Odoo source is on the path only now)

    def prepare(env, company):
        set_limits(env, company)
        company.credit_control_enabled = True

    with aging.open_book(odoo_args, args.regenerate, prepare) as (env, company):
        cr = env.cr
        env = env(context={"allowed_company_ids": company.ids})
        partners = env["res.partner"].search([("ref", "like", "BENCH-")], order="id")
        step = max(len(partners) // customers_arg, 1)
        sample = partners[::step][:customers_arg]
        product = env["product.product"].create({"name": "Bench headroom", "list_price": 100.0})
        clock = time.perf_counter  # freezegun freezes it too
        projection_times, check_times, queries, check_queries, fits = [], [], [], [], []
        with freeze_time(aging.AS_OF):
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "order_line": [
                            Command.create(
                                {"product_id": product.id, "product_uom_qty": 1, "price_unit": 500.0}
                            )
                        ],
                    }
                    for partner in sample
                ]
            )
            orders[:1]._credit_check()  # warm the registry's caches
            for order in orders:
                partner = order.partner_id.with_company(company)
                exposure = env["credit.exposure"]._exposure_by_partner(partner.ids, company, order.ids)
                exposure = exposure[partner.id]
                env.invalidate_all()
                partner.credit_line  # noqa: B018 (read by the check before the projection)
                partner.credit_term_days  # noqa: B018
                before = cr.sql_log_count
                started = clock()
                projection, _median = partner._credit_headroom_projection(company, exposure, order.ids)
                projection_times.append(clock() - started)
                queries.append(cr.sql_log_count - before)
                fits.append(partner._credit_fits_from(projection, 500.0))
                env.invalidate_all()
                before = cr.sql_log_count
                started = clock()
                order._credit_check()
                check_times.append(clock() - started)
                check_queries.append(cr.sql_log_count - before)
        cr.execute("SELECT count(*) FROM res_partner WHERE ref LIKE 'BENCH-%%'")
        customers = cr.fetchone()[0]
        items = len(env["credit.receivable"].get_open_items(aging.AS_OF, company))
        median = statistics.median(projection_times)
        print(f"book: {customers} customers, {items} open receivable lines, as of {aging.AS_OF}")
        print(
            f"projection of one quotation (cold record cache, {len(orders)} customers): median "
            f"{median * 1000:.1f} ms (max {max(projection_times) * 1000:.1f} ms), "
            f"{statistics.median(queries)} queries, target < {TARGET * 1000:.0f} ms: "
            f"{'ok' if median < TARGET else 'MISSED'}"
        )
        print(
            f"credit check of a refused quotation with the sentence: median "
            f"{statistics.median(check_times) * 1000:.1f} ms (max {max(check_times) * 1000:.1f} ms), "
            f"{statistics.median(check_queries)} queries; fits within 90 days: "
            f"{sum(1 for first in fits if first)} of {len(fits)}; load {os.getloadavg()[0]:.1f}"
        )
        cr.rollback()


if __name__ == "__main__":
    main()
