"""Benchmark of the receivables aging on a large book.

Usage (the project's virtualenv, a scratch database where the module is installed):

    bash bench/run_bench.sh                      # creates wt_aging_bench, installs, runs
    $VENV/bin/python bench/bench_aging.py -d DB --addons-path PATHS [--db_user U ...]

The first run fills the database; later runs reuse the data. Building 200,000 invoices through
the ORM would take hours, so the book is generated with SQL (INSERT ... SELECT FROM
generate_series): posted moves and their journal items (a receivable line and its counterpart,
balanced), with partner, company, currency, dates, debit/credit/balance, amount_residual and
reconciled flags consistent with the account.partial.reconcile rows. It is consistent enough for
the aging query, not for the rest of accounting (no taxes, no payment records, no sequences).

The book, as of AS_OF:
- 5,000 customers (every tenth one has a salesperson);
- 190,000 open invoices over the last two years, one in five half paid (a partial payment);
- 10,000 unapplied payments (open credit lines);
- 100,000 older invoices fully paid (reconciled history the query must skip quickly).
That is 200,000 open receivable lines.
"""

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import date

AS_OF = date(2025, 12, 31)
OPEN_INVOICES = 190_000
UNAPPLIED = 10_000
HISTORY = 100_000
CUSTOMERS = 5_000
ADMIN_UID = 2


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each measure (median reported)")
    parser.add_argument(
        "--odoo-src", default=os.environ.get("ODOO_SRC", "/opt/odoo18"), help="Odoo 18.0 source tree"
    )
    parser.add_argument("--regenerate", action="store_true", help="delete and rebuild the bench data")
    args, odoo_args = parser.parse_known_args()
    return args, odoo_args


def sql_setup(cr):
    """Company, accounts and journals of the bench book."""
    cr.execute("SELECT id, currency_id FROM res_company ORDER BY id LIMIT 1")
    company_id, currency_id = cr.fetchone()

    def one(query, params):
        cr.execute(query, params)
        return cr.fetchone()[0]

    return {
        "company": company_id,
        "currency": currency_id,
        "receivable": one(
            "SELECT a.id FROM account_account a JOIN account_account_res_company_rel r "
            "ON r.account_account_id = a.id WHERE a.account_type = 'asset_receivable' "
            "AND r.res_company_id = %s ORDER BY a.id LIMIT 1",
            [company_id],
        ),
        "income": one(
            "SELECT a.id FROM account_account a JOIN account_account_res_company_rel r "
            "ON r.account_account_id = a.id WHERE a.account_type = 'income' "
            "AND r.res_company_id = %s ORDER BY a.id LIMIT 1",
            [company_id],
        ),
        "cash": one(
            "SELECT a.id FROM account_account a JOIN account_account_res_company_rel r "
            "ON r.account_account_id = a.id WHERE a.account_type = 'asset_cash' "
            "AND r.res_company_id = %s ORDER BY a.id LIMIT 1",
            [company_id],
        ),
        "sale_journal": one(
            "SELECT id FROM account_journal WHERE type = 'sale' AND company_id = %s ORDER BY id LIMIT 1",
            [company_id],
        ),
        "bank_journal": one(
            "SELECT id FROM account_journal WHERE type = 'bank' AND company_id = %s ORDER BY id LIMIT 1",
            [company_id],
        ),
    }


# One batch per kind of document. The moves get their ids from the sequence up front so that
# their lines need no join back to them. ``bench_doc`` gives each document its number g,
# partner, date and amount.
FILL_DOCS = """
INSERT INTO bench_doc (move_id, ref, partner_id, doc_date, amount)
SELECT nextval('account_move_id_seq'),
       %(prefix)s || g,
       partner.id,
       %(as_of)s::date - %(min_age)s - (g * 7 %% %(age_span)s),
       round(%(share)s * (50 + (g::bigint * 7919 %% 995000) / 100.0)::numeric, 2)
  FROM generate_series(%(first)s, %(last)s) g
  JOIN bench_partner partner ON partner.n = 1 + g %% %(customers)s
 WHERE g %% %(every)s = 0
"""

INSERT_MOVES = """
INSERT INTO account_move (id, name, ref, move_type, state, date, invoice_date, invoice_date_due,
                          journal_id, company_id, currency_id, partner_id,
                          commercial_partner_id, auto_post, payment_state,
                          create_uid, create_date, write_uid, write_date)
SELECT doc.move_id, doc.ref, doc.ref, %(move_type)s, 'posted', doc.doc_date,
       CASE WHEN %(is_invoice)s THEN doc.doc_date END,
       doc.doc_date + 30, %(journal)s, %(company)s, %(currency)s, doc.partner_id,
       doc.partner_id, 'no', 'not_paid', 1, now(), 1, now()
  FROM bench_doc doc
"""

# A receivable line and its counterpart per move, balanced.
INSERT_LINES = """
INSERT INTO account_move_line (move_id, move_name, ref, date, invoice_date, parent_state, journal_id,
                               company_id,
                               company_currency_id, currency_id, account_id, partner_id, name,
                               display_type, debit, credit, balance, amount_currency,
                               amount_residual, amount_residual_currency, reconciled,
                               date_maturity, create_uid, create_date, write_uid, write_date)
SELECT doc.move_id, doc.ref, doc.ref, doc.doc_date,
       CASE WHEN %(is_invoice)s THEN doc.doc_date END, 'posted', %(journal)s, %(company)s,
       %(currency)s, %(currency)s, side.account_id, doc.partner_id, doc.ref,
       side.display_type,
       CASE WHEN side.sign > 0 THEN doc.amount ELSE 0 END,
       CASE WHEN side.sign < 0 THEN doc.amount ELSE 0 END,
       side.sign * doc.amount, side.sign * doc.amount,
       CASE WHEN side.is_receivable THEN side.sign * doc.amount ELSE 0 END,
       CASE WHEN side.is_receivable THEN side.sign * doc.amount ELSE 0 END,
       FALSE,
       CASE WHEN side.is_receivable THEN doc.doc_date + 30 END,
       1, now(), 1, now()
  FROM bench_doc doc
 CROSS JOIN (VALUES (%(receivable)s, %(receivable_sign)s, TRUE, %(receivable_type)s),
                    (%(counterpart)s, -%(receivable_sign)s, FALSE, 'product'))
       AS side(account_id, sign, is_receivable, display_type)
"""

# Payment BENCH-PAY-g settles (part of) invoice BENCH-INV-g on the payment's date.
INSERT_PARTIALS = """
CREATE TEMP TABLE bench_pair ON COMMIT DROP AS
SELECT inv.id AS debit_id, pay.id AS credit_id, -pay.balance AS amount, pay.date AS max_date
  FROM account_move_line pay
  JOIN account_move_line inv ON inv.ref = 'BENCH-INV-' || substr(pay.ref, 11)
 WHERE pay.ref LIKE 'BENCH-PAY-%%' AND pay.account_id = %(receivable)s
   AND inv.account_id = %(receivable)s
   AND substr(pay.ref, 11)::int BETWEEN %(first)s AND %(last)s;
INSERT INTO account_partial_reconcile (debit_move_id, credit_move_id, amount,
                                       debit_amount_currency, credit_amount_currency,
                                       debit_currency_id, credit_currency_id, company_id,
                                       max_date, create_uid, create_date, write_uid, write_date)
SELECT debit_id, credit_id, amount, amount, amount, %(currency)s, %(currency)s, %(company)s,
       max_date, 1, now(), 1, now()
  FROM bench_pair;
UPDATE account_move_line line
   SET amount_residual = 0, amount_residual_currency = 0, reconciled = TRUE
  FROM bench_pair pair
 WHERE line.id = pair.credit_id;
UPDATE account_move_line line
   SET amount_residual = line.balance - pair.amount,
       amount_residual_currency = line.balance - pair.amount,
       reconciled = (line.balance = pair.amount)
  FROM bench_pair pair
 WHERE line.id = pair.debit_id;
DROP TABLE bench_pair;
"""


def insert_docs(cr, values):
    cr.execute(
        "CREATE TEMP TABLE IF NOT EXISTS bench_doc "
        "(move_id int, ref varchar, partner_id int, doc_date date, amount numeric)"
    )
    cr.execute("TRUNCATE bench_doc")
    cr.execute(FILL_DOCS, values)
    cr.execute("ANALYZE bench_doc")
    cr.execute(INSERT_MOVES, values)
    cr.execute(INSERT_LINES, values)


def generate(env):
    cr = env.cr
    ids = sql_setup(cr)
    started = time.perf_counter()
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, ref, is_company, active, type, autopost_bills,
                                 lang, user_id, create_uid, create_date, write_uid, write_date)
        SELECT 'Bench Customer ' || lpad(g::text, 5, '0'), 'Bench Customer ' || lpad(g::text, 5, '0'),
               'BENCH-' || g, TRUE, TRUE, 'contact', 'ask', 'en_US',
               CASE WHEN g %% 10 = 0 THEN %(admin)s END, 1, now(), 1, now()
          FROM generate_series(1, %(customers)s) g
        """,
        {"customers": CUSTOMERS, "admin": ADMIN_UID},
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE ref LIKE 'BENCH-%%'")
    cr.execute(
        "CREATE TEMP TABLE bench_partner AS SELECT substr(ref, 7)::int AS n, id FROM res_partner "
        "WHERE ref LIKE 'BENCH-%%'"
    )
    cr.execute("CREATE INDEX IF NOT EXISTS bench_aml_ref ON account_move_line (ref)")
    invoice = {
        "prefix": "BENCH-INV-",
        "move_type": "out_invoice",
        "is_invoice": True,
        "journal": ids["sale_journal"],
        "receivable_sign": 1,
        "receivable_type": "payment_term",
        "counterpart": ids["income"],
    }
    payment = {
        "prefix": "BENCH-PAY-",
        "move_type": "entry",
        "is_invoice": False,
        "journal": ids["bank_journal"],
        "receivable_sign": -1,
        "receivable_type": "product",
        "counterpart": ids["cash"],
    }
    common = {**ids, "as_of": AS_OF, "customers": CUSTOMERS, "share": 1, "every": 1}
    history = (OPEN_INVOICES + UNAPPLIED + 1, OPEN_INVOICES + UNAPPLIED + HISTORY)
    batches = [
        # open invoices, 10 to 729 days old
        (invoice, 1, OPEN_INVOICES, {"min_age": 10, "age_span": 720}),
        # one open invoice in five half paid, 5 days before the invoice is 5 days old at least
        (payment, 1, OPEN_INVOICES, {"min_age": 5, "age_span": 720, "share": 0.5, "every": 5}),
        # unapplied payments of the last 60 days
        (payment, OPEN_INVOICES + 1, OPEN_INVOICES + UNAPPLIED, {"min_age": 0, "age_span": 60}),
        # history: invoices 800 to 1529 days old, paid in full 30 days later
        (invoice, *history, {"min_age": 800, "age_span": 730}),
        (payment, *history, {"min_age": 770, "age_span": 730}),
    ]
    for kind, first, last, extra in batches:
        insert_docs(cr, {**common, **kind, "first": first, "last": last, **extra})
    cr.execute("ANALYZE account_move_line")
    cr.execute(INSERT_PARTIALS, {**common, "first": 1, "last": OPEN_INVOICES})
    cr.execute(INSERT_PARTIALS, {**common, "first": history[0], "last": history[1]})
    cr.execute("ANALYZE account_move, account_move_line, account_partial_reconcile, res_partner")
    env.invalidate_all()
    print(f"generated the book in {time.perf_counter() - started:.1f} s")


def vm_status_mb(key):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0


def resident_memory_during(function):
    """Resident memory before ``function`` and at its peak, in MB (Linux: the peak is reset
    through /proc/self/clear_refs first). Counts what tracemalloc does not see, such as the
    rows libpq holds. (0, 0) where the kernel does not offer it."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return 0, 0
    before = vm_status_mb("VmRSS")
    function()
    return before, vm_status_mb("VmHWM")


def median_time(function, runs):
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), timings


def main():
    args, odoo_args = parse_args()
    sys.path.insert(0, args.odoo_src)
    import odoo  # noqa: PLC0415 (configured from the command line first)
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(odoo_args)
    db_name = config["db_name"]
    if not db_name:
        sys.exit("give the scratch database with -d")
    registry = odoo.modules.registry.Registry(db_name)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        cr.execute("SELECT count(*) FROM res_partner WHERE ref LIKE 'BENCH-%%'")
        if args.regenerate or not cr.fetchone()[0]:
            if args.regenerate:
                cr.execute("DELETE FROM account_move WHERE ref LIKE 'BENCH-%%'")
                cr.execute("DELETE FROM res_partner WHERE ref LIKE 'BENCH-%%'")
            generate(env)
            cr.commit()

        company = env["res.company"].browse(sql_setup(cr)["company"])
        env = odoo.api.Environment(cr, ADMIN_UID, {"allowed_company_ids": company.ids})
        Wizard = env["credit.aging.wizard"]
        receivable = env["credit.receivable"]
        items = receivable.get_open_items(AS_OF, company)
        customers = len({item["partner_id"] for item in items})
        print(f"book: {len(items)} open receivable lines, {customers} customers, as of {AS_OF}")
        del items

        wizard = Wizard.create({"date_as_of": AS_OF, "show_details": True})
        compute, compute_runs = median_time(wizard._aging_data, args.runs)
        screen, screen_runs = median_time(wizard.action_view_aging, args.runs)
        xlsx, xlsx_runs = median_time(wizard.action_export_xlsx, args.runs)
        size = len(wizard.xlsx_file or b"") * 3 // 4
        past = Wizard.create({"date_as_of": date(AS_OF.year - 1, AS_OF.month, AS_OF.day)})
        past_compute, _runs = median_time(past._aging_data, args.runs)

        rss_before, rss_export = resident_memory_during(wizard.action_export_xlsx)
        tracemalloc.start()
        wizard.action_export_xlsx()
        _current, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        def fmt(runs):
            return ", ".join(f"{run:.2f}" for run in runs)

        print(f"computation (query + totals), median of {args.runs}: {compute:.3f} s  [{fmt(compute_runs)}]")
        print(f"computation one year earlier (as-of {past.date_as_of}), median: {past_compute:.3f} s")
        print(
            f"screen (computation + {len(wizard.line_ids)} aging lines), "
            f"median: {screen:.3f} s  [{fmt(screen_runs)}]"
        )
        print(f"XLSX with details ({size / 1e6:.1f} MB), median: {xlsx:.3f} s  [{fmt(xlsx_runs)}]")
        print(f"peak Python memory of one XLSX export (tracemalloc): {traced_peak / 1e6:.0f} MB")
        if rss_export:
            print(
                f"peak resident memory during one XLSX export: {rss_export:.0f} MB "
                f"(process before the export: {rss_before:.0f} MB)"
            )
        print(f"peak resident memory of the whole process (ru_maxrss): {rss_peak:.0f} MB")
        cr.rollback()


if __name__ == "__main__":
    main()
