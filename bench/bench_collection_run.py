"""Benchmark of the collection run on the large book of ``bench_aging.py``.

    BENCH_DB=ccm_collection_bench bash bench/run_collection_bench.sh

Reuses (or generates) the aging bench's book: 5,000 customers, 200,000 open receivable lines, and
adds, once, a valid payment promise on every tenth customer's items and an approved dispute on one
open line in a hundred (SQL, as the book). Then times, as the administrator, a collection run of
every customer as of the book's date (one draft letter per debtor with its overdue documents, the
worklist filled), rolled back after each round, and the receivables query with and without the
dispute and promise joins. Target (issue #19): the run under 30 s.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

import bench_aging

AS_OF = bench_aging.AS_OF
TARGET = 30.0


def add_promises_and_disputes(env, company):
    cr = env.cr
    cr.execute("SELECT count(*) FROM credit_payment_promise WHERE note = 'BENCH'")
    if cr.fetchone()[0]:
        return
    cr.execute(
        """
        INSERT INTO credit_payment_promise (partner_id, company_id, amount, date, promise_date,
                                            channel, note, scope, state,
                                            create_uid, create_date, write_uid, write_date)
        SELECT p.id, %(company)s, 1000, %(as_of)s::date - 5, %(as_of)s::date + 10,
               'call', 'BENCH', 'customer', 'valid', 1, now(), 1, now()
          FROM res_partner p WHERE p.ref LIKE 'BENCH-%%' AND substr(p.ref, 7)::int %% 10 = 3
        """,
        {"company": company.id, "as_of": AS_OF},
    )
    cr.execute(
        """
        INSERT INTO credit_payment_promise_move_line_rel (promise_id, move_line_id)
        SELECT pr.id, aml.id
          FROM credit_payment_promise pr
          JOIN account_move_line aml ON aml.partner_id = pr.partner_id
          JOIN account_account acc ON acc.id = aml.account_id AND acc.account_type = 'asset_receivable'
         WHERE pr.note = 'BENCH' AND aml.reconciled IS NOT TRUE AND aml.amount_residual > 0
        """
    )
    cr.execute(
        """
        INSERT INTO credit_collection_block (move_line_id, partner_id, company_id, block_type, reason,
                                             owner_id, date_end, user_id, approved_by_id, state,
                                             create_uid, create_date, write_uid, write_date)
        SELECT aml.id, aml.partner_id, aml.company_id, 'dispute', 'BENCH', 1, %(as_of)s::date + 30, 1, 1,
               'approved', 1, now(), 1, now()
          FROM account_move_line aml
          JOIN account_account acc ON acc.id = aml.account_id AND acc.account_type = 'asset_receivable'
         WHERE aml.reconciled IS NOT TRUE AND aml.amount_residual > 0 AND aml.id %% 100 = 7
        """,
        {"as_of": AS_OF},
    )
    cr.execute(
        "ANALYZE credit_payment_promise, credit_payment_promise_move_line_rel, credit_collection_block"
    )


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--odoo-src", default=os.environ.get("ODOO_SRC", "/opt/odoo18"))
    args, odoo_args = parser.parse_known_args()
    sys.path.insert(0, args.odoo_src)
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(odoo_args)
    registry = odoo.modules.registry.Registry(config["db_name"])
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        cr.execute("SELECT count(*) FROM res_partner WHERE ref LIKE 'BENCH-%%'")
        if not cr.fetchone()[0]:
            bench_aging.generate(env)
            cr.commit()
        company = env["res.company"].browse(bench_aging.sql_setup(cr)["company"])
        add_promises_and_disputes(env, company)
        cr.commit()
        env = odoo.api.Environment(cr, bench_aging.ADMIN_UID, {"allowed_company_ids": company.ids})
        receivable = env["credit.receivable"]
        plain, items = timed(lambda: receivable.get_open_items(AS_OF, company))
        flagged, _items = timed(lambda: receivable.get_open_items(AS_OF, company, exclude_blocked=True))
        print(
            f"book: {len(items)} open lines, {sum(1 for i in items if i['blocked'])} disputed, "
            f"{sum(1 for i in items if i['promised'])} promised; receivables query {plain:.2f} s, "
            f"excluding disputes {flagged:.2f} s"
        )
        overdue = {}
        for item in items:
            if item["partner_id"] and item["days_overdue"] > 0 and not item["blocked"]:
                overdue.setdefault(item["partner_id"], []).append(item)
        del items
        # The worklist's part of a run, alone: its cases created (first time) then updated.
        Case = env["credit.collection.case"]
        cr.execute("SAVEPOINT bench_worklist")
        first, _none = timed(lambda: Case._fill_from_run(AS_OF, company, overdue, env["credit.reminder"]))
        again, _none = timed(lambda: Case._fill_from_run(AS_OF, company, overdue, env["credit.reminder"]))
        cr.execute("ROLLBACK TO SAVEPOINT bench_worklist")
        env.invalidate_all()
        print(f"worklist of {len(overdue)} debtors: {first:.2f} s when created, {again:.2f} s when updated")
        times = []
        for _round in range(args.runs):
            cr.execute("SAVEPOINT bench_run")
            queries = cr.sql_log_count
            elapsed, (letters, _hidden) = timed(
                lambda: env["credit.reminder"]._propose_letters(AS_OF, company)
            )
            env.flush_all()
            elapsed_flushed = elapsed
            cases = env["credit.collection.case"].search_count([("refreshed_date", "=", AS_OF)])
            lines = env["credit.reminder.line"].search_count([("reminder_id", "in", letters.ids)])
            print(
                f"run: {len(letters)} letters, {lines} documents, {cases} worklist lines, "
                f"{elapsed_flushed:.1f} s, {cr.sql_log_count - queries} queries"
            )
            times.append(elapsed_flushed)
            cr.execute("ROLLBACK TO SAVEPOINT bench_run")
            env.invalidate_all()
        median = statistics.median(times)
        verdict = "OK" if median < TARGET else "OVER"
        print(f"collection run of every customer: median {median:.1f} s (target < {TARGET:.0f} s) {verdict}")
        cr.rollback()


if __name__ == "__main__":
    main()
