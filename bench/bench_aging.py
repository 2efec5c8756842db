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
That is 200,000 open receivable lines. ``CCM_BENCH_SCALE=10`` multiplies the documents (not the
customers) by ten: 2,000,000 open lines, the scale run of issue #16 (use another database for it,
``BENCH_DB=... bash bench/run_bench.sh``).

Prints, with the targets of issue #16 beside them and the machine's load: the bare SQL aggregate
(one GROUP BY of the open receivable lines, the floor), the aging computation and its ratio to the
floor, the same as before the contact pre-sums (every line joined to its customer first) and as
grouped before that (by name, id, salesperson and grade), the screen and the screen
as before (the ORM creating the lines), the XLSX with details (export and download), the same
export in a fresh process of its own (``--export-only``: its time and peak resident memory, which
this process's other measures would otherwise raise), and the zlib levels on the exported file.
The variants of a measure alternate in each round.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from contextlib import contextmanager
from datetime import date

AS_OF = date(2025, 12, 31)
SCALE = float(os.environ.get("CCM_BENCH_SCALE", "1"))
OPEN_INVOICES = int(190_000 * SCALE)
UNAPPLIED = int(10_000 * SCALE)
HISTORY = int(100_000 * SCALE)
CUSTOMERS = 5_000
ADMIN_UID = 2
LAST_FILE = [None]  # the path of the last XLSX exported


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each measure (median reported)")
    parser.add_argument(
        "--odoo-src", default=os.environ.get("ODOO_SRC", "/opt/odoo18"), help="Odoo 18.0 source tree"
    )
    parser.add_argument("--regenerate", action="store_true", help="delete and rebuild the bench data")
    parser.add_argument(
        "--export-only", action="store_true", help="one XLSX export, its time and resident memory"
    )
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


@contextmanager
def open_book(odoo_args, regenerate=False, prepare=None):
    """The superuser's environment and the company on the bench's book, for the benches built on
    it: generated when missing (or ``regenerate``), then ``prepare(env, company)`` and fresh
    statistics of the customers, committed. The cursor is closed at the end."""
    import odoo  # noqa: PLC0415 (configured from the command line first)
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(odoo_args)
    registry = odoo.modules.registry.Registry(config["db_name"])
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env["res.company"].browse(sql_setup(cr)["company"])
        cr.execute("SELECT count(*) FROM res_partner WHERE ref LIKE 'BENCH-%%'")
        if regenerate or not cr.fetchone()[0]:
            generate(env)
        if prepare:
            prepare(env, company)
        cr.execute("ANALYZE res_partner")
        cr.commit()
        yield env, company


def credit_manager(env, company, login, name):
    """A user holding only the Credit Manager role, at the default clearance, made once."""
    user = env["res.users"].search([("login", "=", login)])
    if not user:
        user = env["res.users"].create(
            {
                "name": name,
                "login": login,
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "groups_id": [(6, 0, [env.ref("customer_credit_management.group_credit_manager").id])],
            }
        )
        env.cr.commit()
    return user


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


# The floor: the open receivable lines' residuals per customer and bucket, in one GROUP BY,
# without what the aging adds (residuals as of a past date, commercial entities, names).
BARE_AGGREGATE = """
SELECT partner_id,
       SUM(amount_residual) FILTER (WHERE %(as_of)s - COALESCE(date_maturity, date) <= 0),
       SUM(amount_residual) FILTER (WHERE %(as_of)s - COALESCE(date_maturity, date) BETWEEN 1 AND 30),
       SUM(amount_residual) FILTER (WHERE %(as_of)s - COALESCE(date_maturity, date) BETWEEN 31 AND 60),
       SUM(amount_residual) FILTER (WHERE %(as_of)s - COALESCE(date_maturity, date) BETWEEN 61 AND 90),
       SUM(amount_residual) FILTER (WHERE %(as_of)s - COALESCE(date_maturity, date) BETWEEN 91 AND 180),
       SUM(amount_residual) FILTER (WHERE %(as_of)s - COALESCE(date_maturity, date) BETWEEN 181 AND 365),
       SUM(amount_residual) FILTER (WHERE %(as_of)s - COALESCE(date_maturity, date) > 365),
       SUM(amount_residual)
  FROM account_move_line
 WHERE account_id IN (SELECT id FROM account_account WHERE account_type = 'asset_receivable')
   AND NOT reconciled AND parent_state = 'posted' AND company_id = %(company)s AND date <= %(as_of)s
 GROUP BY partner_id
"""


def uptime():
    with open("/proc/loadavg") as loadavg:
        return "load average " + ", ".join(loadavg.read().split()[:3])


def verdict(value, target):
    return f"target <= {target:g}: {'met' if value <= target else 'MISSED'}"


def alternate(functions, runs):
    """Median seconds of each of ``functions`` (name: callable), run in turn in each round, after
    a round that is not timed (the first call of each fills caches the later ones find)."""
    for function in functions.values():
        function()
    timings = {name: [] for name in functions}
    for _round in range(runs):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            timings[name].append(time.perf_counter() - started)
    return {name: (statistics.median(values), values) for name, values in timings.items()}


def old_grouping(env, wizard):
    """The aging as grouped before issue #16: by customer name, id, salesperson and grade."""
    from odoo.tools import SQL  # noqa: PLC0415 (odoo is imported once configured)

    receivable = env["credit.receivable"]
    companies = wizard._scope_companies()
    filters = wizard._query_filters()
    query = receivable._open_items_query(wizard.date_as_of, companies, **filters)
    buckets = ", ".join(
        f"COALESCE(SUM(residual) FILTER (WHERE bucket = {index}), 0) AS b{index}"
        for index in range(1, len(filters["bucket_limits"]) + 2)
    )
    receivable._flush_for_query()
    with receivable._without_jit():
        return env.execute_query(
            SQL(
                f"SELECT partner_id, partner_name, user_id, grade_id, {buckets}, SUM(residual) "
                "FROM (%s) item GROUP BY partner_id, partner_name, user_id, grade_id "
                "ORDER BY partner_name, partner_id",
                query,
            )
        )


def line_grouping(env, wizard):
    """The aging as computed before the contact pre-sums: every open line joined to its contact,
    commercial entity and late partials (``_open_items_query``), then grouped by customer id."""
    from odoo.tools import SQL  # noqa: PLC0415 (odoo is imported once configured)

    receivable = env["credit.receivable"]
    filters = wizard._query_filters()
    query = receivable._open_items_query(wizard.date_as_of, wizard._scope_companies(), **filters)
    buckets = ", ".join(
        f"COALESCE(SUM(residual) FILTER (WHERE bucket = {index}), 0) AS b{index}"
        for index in range(1, len(filters["bucket_limits"]) + 2)
    )
    receivable._flush_for_query()
    with receivable._without_jit():
        return env.execute_query(
            SQL(
                "SELECT aging.*, cp.name, cp.user_id, cp.credit_grade_id "
                f"FROM (SELECT partner_id, {buckets}, SUM(residual), "
                "COALESCE(SUM(residual) FILTER (WHERE days_overdue > 0), 0) "
                "FROM (%s) item GROUP BY partner_id) aging "
                "LEFT JOIN res_partner cp ON cp.id = aging.partner_id ORDER BY cp.name, aging.partner_id",
                query,
            )
        )


def old_screen(env, wizard):
    """The screen as before issue #16: the lines created through the ORM."""
    data = wizard._aging_data()
    wizard.line_ids.unlink()
    env["credit.aging.line"].create(
        [
            {
                "wizard_id": wizard.id,
                "partner_id": row["partner_id"],
                "partner_name": row["partner_name"],
                "user_id": row["user_id"],
                "grade_id": row["grade_id"],
                "currency_id": data["currency"].id,
                "total": row["total"],
                "overdue": row["overdue"],
                "overdue_percent": row["overdue_percent"],
                **{fname: row[fname] for fname in data["bucket_fields"]},
            }
            for row in data["rows"]
        ]
    )
    env.flush_all()


def export_and_download(env, wizard):
    """The XLSX with details as the user gets it: the export, then the file read to its end.
    Returns the file's size."""
    wizard.action_export_xlsx()
    env.flush_all()
    # As /web/content serves it: the attachment's file from the filestore, in chunks (the
    # stream itself needs an HTTP request).
    attachment = (
        env["ir.attachment"]
        .sudo()
        .search(
            [("res_model", "=", wizard._name), ("res_id", "=", wizard.id), ("res_field", "=", "xlsx_file")],
            limit=1,
        )
    )
    size = 0
    LAST_FILE[0] = attachment._full_path(attachment.store_fname)
    with open(LAST_FILE[0], "rb") as file:
        while chunk := file.read(1 << 16):
            size += len(chunk)
    return size


def compression_levels(path, levels=(6, 3, 1)):
    """CPU seconds and compressed MB of the parts of the XLSX at ``path`` at each zlib level
    (the export deflates at 1; xlsxwriter alone would at 6, zlib's default)."""
    import zipfile  # noqa: PLC0415
    import zlib  # noqa: PLC0415

    with zipfile.ZipFile(path) as archive:
        parts = [archive.read(name) for name in archive.namelist()]
    figures = {}
    for level in levels:
        started = time.process_time()
        size = 0
        for part in parts:
            compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
            size += len(compressor.compress(part)) + len(compressor.flush())
        figures[level] = (time.process_time() - started, size / 1e6)
    return sum(map(len, parts)) / 1e6, figures


def median_time(function, runs):
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), timings


def export_only(odoo_args):
    """One XLSX export with details and its download, in this process, which ran nothing before:
    prints its seconds and the resident memory before it and at its peak (MB)."""
    with open_book(odoo_args) as (env, company):
        env = env(user=ADMIN_UID, context={"allowed_company_ids": company.ids})
        wizard = env["credit.aging.wizard"].create({"date_as_of": AS_OF, "show_details": True})
        env.flush_all()
        started = time.perf_counter()
        before, peak = resident_memory_during(lambda: export_and_download(env, wizard))
        print(f"EXPORT {time.perf_counter() - started:.3f} {before:.0f} {peak:.0f}")
        env.cr.rollback()


def export_in_fresh_process():
    """(seconds, resident MB before, peak resident MB) of one export in a process of its own:
    what a server worker holds for it, not what this bench's process held from its other
    measures. None when it fails."""
    result = subprocess.run(
        [sys.executable, __file__, "--export-only", *sys.argv[1:]],
        capture_output=True,
        text=True,
        check=False,
    )
    for line in result.stdout.splitlines():
        if line.startswith("EXPORT "):
            seconds, before, peak = map(float, line.split()[1:])
            return seconds, before, peak
    print(result.stderr[-2000:])
    return None


def main():
    args, odoo_args = parse_args()
    sys.path.insert(0, args.odoo_src)
    if args.export_only:
        export_only(odoo_args)
        return
    import odoo  # noqa: PLC0415 (configured from the command line first)
    from odoo.tools import SQL, config  # noqa: PLC0415

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
        bare = {"as_of": AS_OF, "company": company.id}
        print(f"[{uptime()}] computation, {args.runs} rounds")
        compute = alternate(
            {
                "bare": lambda: env.execute_query(SQL(BARE_AGGREGATE, **bare)),
                "now": wizard._aging_data,
                "query": lambda: receivable.get_aging_by_partner(
                    AS_OF, wizard._scope_companies(), **wizard._query_filters()
                ),
                "lines": lambda: line_grouping(env, wizard),
                "old": lambda: old_grouping(env, wizard),
            },
            args.runs,
        )
        past = Wizard.create({"date_as_of": date(AS_OF.year - 1, AS_OF.month, AS_OF.day)})
        past_compute, _runs = median_time(past._aging_data, args.runs)
        print(f"[{uptime()}] screen, {args.runs} rounds")
        screen = alternate(
            {"now": wizard.action_view_aging, "old": lambda: old_screen(env, wizard)}, args.runs
        )
        wizard.action_view_aging()
        lines = len(wizard.line_ids)
        print(f"[{uptime()}] XLSX with details, {args.runs} runs")
        sizes = []
        xlsx = alternate(
            {
                "export": lambda: sizes.append(export_and_download(env, wizard)),
                "file": lambda: wizard._xlsx_content(wizard._aging_data(export=True)),
            },
            args.runs,
        )
        xlsx, xlsx_runs, xlsx_file = *xlsx["export"], xlsx["file"][0]

        rss_before, rss_export = resident_memory_during(lambda: export_and_download(env, wizard))
        print(f"[{uptime()}] the XLSX export in a fresh process, {args.runs} runs")
        # One process per run: a single run measures the machine's speed of the moment as much as
        # the export (the same loop of Python varies by a quarter from one minute to the next).
        fresh = [run for run in (export_in_fresh_process() for _ in range(args.runs)) if run]
        tracemalloc.start()
        wizard.action_export_xlsx()
        _current, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        def fmt(runs):
            return ", ".join(f"{run:.2f}" for run in runs)

        scaled = SCALE >= 10
        floor = compute["bare"][0]
        ratio = compute["now"][0] / floor
        print(
            f"bare SQL aggregate (one GROUP BY), median of {args.runs}: {floor:.3f} s  "
            f"[{fmt(compute['bare'][1])}]"
        )
        print(
            f"computation (query + totals), median: {compute['now'][0]:.3f} s  [{fmt(compute['now'][1])}] "
            f"= {ratio:.2f} x the bare aggregate ({verdict(ratio, 1.2)}"
            + (f"; {verdict(compute['now'][0], 5)} s" if scaled else "")
            + ")"
        )
        print(
            f"  its query alone (sums per contact, then per customer), median: {compute['query'][0]:.3f} s  "
            f"[{fmt(compute['query'][1])}]"
        )
        print(
            f"  every line joined to its customer before the sums (before the contact pre-sums), median: "
            f"{compute['lines'][0]:.3f} s  [{fmt(compute['lines'][1])}] "
            f"= {compute['lines'][0] / floor:.2f} x the floor"
        )
        print(
            f"  the same query grouped by name, id, salesperson and grade (before), median: "
            f"{compute['old'][0]:.3f} s  [{fmt(compute['old'][1])}]"
        )
        print(f"computation one year earlier (as-of {past.date_as_of}), median: {past_compute:.3f} s")
        print(
            f"screen (computation + {lines} aging lines), median: {screen['now'][0]:.3f} s  "
            f"[{fmt(screen['now'][1])}] ("
            + ("no target at this scale" if scaled else f"{verdict(screen['now'][0], 1)} s")
            + ")"
        )
        print(
            f"screen with the lines created by the ORM (before), median: {screen['old'][0]:.3f} s  "
            f"[{fmt(screen['old'][1])}]"
        )
        print(
            f"XLSX with details ({statistics.median(sizes) / 1e6:.1f} MB; export and download), median: "
            f"{xlsx:.3f} s  [{fmt(xlsx_runs)}] ({verdict(xlsx, 40 if scaled else 3)} s); of which computing "
            f"and writing the file (without storing and reading it): {xlsx_file:.3f} s"
        )
        print(f"peak Python memory of one XLSX export (tracemalloc): {traced_peak / 1e6:.0f} MB")
        xml_mb, levels = compression_levels(LAST_FILE[0])
        print(
            f"zlib on the file's {xml_mb:.0f} MB of parts (CPU s, MB): "
            + ", ".join(f"level {level}: {cpu:.2f} s, {mb:.1f} MB" for level, (cpu, mb) in levels.items())
        )
        if rss_export:
            print(
                f"peak resident memory during one XLSX export and download in this process: "
                f"{rss_export:.0f} MB (what the process held before it: {rss_before:.0f} MB)"
            )
        if fresh:
            seconds = statistics.median(run[0] for run in fresh)
            before, peak = max(run[1] for run in fresh), max(run[2] for run in fresh)
            print(
                f"the same in a fresh process of its own, median of {len(fresh)}: {seconds:.3f} s  "
                f"[{fmt([run[0] for run in fresh])}] ({verdict(seconds, 40 if scaled else 3)} s); "
                f"highest peak resident memory {peak:.0f} MB, {before:.0f} MB before the export "
                f"({verdict(peak, 400 if scaled else 250)} MB)"
            )
        print(f"peak resident memory of the whole process (ru_maxrss): {rss_peak:.0f} MB")
        print(uptime())
        cr.rollback()


if __name__ == "__main__":
    main()
