"""Benchmark of the credit check and of the credit limit recompute on a large book.

Run inside `odoo-bin shell` on a scratch database where the module is installed
(`bash bench/run_credit_bench.sh` creates one and runs this):

    CCM_BENCH_SCALE=1.0 odoo-bin shell -d DB ... < bench/bench_credit.py

At scale 1.0 the book has 10,000 customers, 100,000 posted invoices (200,000 journal items:
receivable and income lines) and 50,000 orders confirmed in the previous quarter. Building that
through the ORM would take hours, so it is generated once with SQL (INSERT ... SELECT FROM
generate_series), consistent for the queries measured: posted moves with receivable lines and
residuals, confirmed orders with amounts and rates. Later runs reuse it.

Prints the median time of: the exposure of one customer and of 5,000; the credit check of one
order; Odoo's confirmation of a one-line order with enforcement off and on (and their query
counts); the recompute of every limit; each with the target of issue #16 beside it, and the plan
(EXPLAIN ANALYZE, through auto_explain) of the exposure query for one customer.

With ``CCM_BENCH_BASELINE_DB`` (a database with the module's dependencies and not the module,
which ``run_credit_bench.sh`` makes), the same book is generated there too, and Odoo's
confirmation of the same order there and here with enforcement off alternate in this one process:
what installing the module adds.

The exposure function ``credit_exposure_by_partner`` is pinned to plans without parallel workers
(``SET max_parallel_workers_per_gather = 0`` on the function). The exposure and confirmation
figures are measured both ways in the same run, alternating: "unpinned" resets the setting on the
function (``ALTER FUNCTION ... RESET``), "pinned" is the function as the module creates it.
"""

import gc
import os
import statistics
import time

import odoo.sql_db
from odoo import Command, fields
from odoo.tools import SQL

SCALE = float(os.environ.get("CCM_BENCH_SCALE", "1.0"))
CUSTOMERS = int(10_000 * SCALE)
INVOICES = int(100_000 * SCALE)
ORDERS = int(50_000 * SCALE)
RUNS = int(os.environ.get("CCM_BENCH_RUNS", "15"))
BASELINE_DB = os.environ.get("CCM_BENCH_BASELINE_DB")
FUNCTION = SQL("credit_exposure_by_partner(integer, integer[], integer[])")
VARIANTS = {"unpinned": False, "pinned": True}
CHECK = {"ms": 0.0, "queries": 0}  # the module's own time and queries in one confirmation


def generate(env):
    cr = env.cr
    company = env.company
    cr.execute("SELECT COUNT(*) FROM res_partner WHERE name LIKE %s", ["Bench customer %"])
    if cr.fetchone()[0] >= CUSTOMERS:
        return
    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
    receivable = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.id)], limit=1
    )
    income = journal.default_account_id
    currency = company.currency_id
    t0 = time.time()
    # Partners through the ORM (their many defaults); the large tables below with SQL.
    credit_line = {"credit_limit_manual": True, "credit_limit_manual_base": 50_000}
    if "credit_limit_manual" not in env["res.partner"]._fields:  # the database without the module
        credit_line = {}
    env["res.partner"].create(
        [
            {"name": f"Bench customer {i}", "is_company": True, "customer_rank": 1, **credit_line}
            for i in range(1, CUSTOMERS + 1)
        ]
    )
    env.flush_all()
    params = {
        "n_customers": CUSTOMERS,
        "n_invoices": INVOICES,
        "n_orders": ORDERS,
        "company": company.id,
        "company_key": str(company.id),
        "journal": journal.id,
        "receivable": receivable.id,
        "income": income.id,
        "currency": currency.id,
        "today": fields.Date.today(),
        "pattern": "Bench customer %",
    }
    env.execute_query(
        SQL(
            """
            CREATE TEMP TABLE bench_customer AS
            SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM res_partner WHERE name LIKE %(pattern)s;

            CREATE TEMP TABLE bench_move AS
            SELECT i, c.id AS partner_id, (%(today)s::date - mod(i, 120)) AS date,
                   (100 + mod(i, 900))::numeric AS amount
              FROM generate_series(1, %(n_invoices)s) i
              JOIN bench_customer c ON c.n = 1 + mod(i, %(n_customers)s);

            WITH moves AS (
                INSERT INTO account_move (name, journal_id, company_id, currency_id, date, invoice_date,
                                          invoice_date_due, state, move_type, auto_post, partner_id,
                                          commercial_partner_id, amount_total, amount_total_signed,
                                          amount_residual, amount_residual_signed, payment_state,
                                          create_date, write_date)
                SELECT 'BENCH/' || i, %(journal)s, %(company)s, %(currency)s, date, date, date + 30,
                       'posted', 'out_invoice', 'no', partner_id, partner_id, amount, amount, amount, amount,
                       'not_paid', NOW(), NOW()
                  FROM bench_move
                RETURNING id, partner_id, date, amount_total
            )
            INSERT INTO account_move_line (move_id, journal_id, company_id, company_currency_id, currency_id,
                                           account_id, partner_id, date, date_maturity, parent_state,
                                           display_type, debit, credit, balance, amount_currency,
                                           amount_residual, amount_residual_currency, reconciled)
            SELECT id, %(journal)s, %(company)s, %(currency)s, %(currency)s, %(receivable)s, partner_id,
                   date, date + 30, 'posted', 'payment_term', amount_total, 0, amount_total, amount_total,
                   amount_total, amount_total, FALSE
              FROM moves
             UNION ALL
            SELECT id, %(journal)s, %(company)s, %(currency)s, %(currency)s, %(income)s, partner_id,
                   date, NULL, 'posted', 'product', 0, amount_total, -amount_total, -amount_total,
                   0, 0, FALSE
              FROM moves;

            INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id, company_id,
                                    currency_id, currency_rate, date_order, state, picking_policy,
                                    amount_untaxed, amount_tax, amount_total, create_date, write_date)
            SELECT 'BENCH-SO/' || i, c.id, c.id, c.id, %(company)s, %(currency)s, 1,
                   date_trunc('quarter', %(today)s::date) - make_interval(days => 1 + mod(i, 85)),
                   'sale', 'direct', 1000 + mod(i, 500), 0, 1000 + mod(i, 500), NOW(), NOW()
              FROM generate_series(1, %(n_orders)s) i
              JOIN bench_customer c ON c.n = 1 + mod(i, %(n_customers)s);
            DROP TABLE bench_customer;
            DROP TABLE bench_move;
            ANALYZE res_partner, account_move, account_move_line, sale_order, sale_order_line;
            """,
            **params,
        )
    )
    env.invalidate_all()
    env.cr.commit()
    print(
        f"generated {CUSTOMERS} customers, {INVOICES} invoices, {ORDERS} orders in {time.time() - t0:.1f} s"
    )


def uptime():
    with open("/proc/loadavg") as loadavg:
        return "load average " + ", ".join(loadavg.read().split()[:3])


def verdict(value, target):
    return f"target <= {target:g}: {'met' if value <= target else 'MISSED'}"


def pin(env, pinned):
    """The exposure function with (as the module creates it) or without its pin on plans
    without parallel workers. PL/pgSQL recompiles a function whose definition changed, so the
    next call plans again: callers warm it up before timing."""
    setting = "SET max_parallel_workers_per_gather = 0" if pinned else "RESET max_parallel_workers_per_gather"
    env.cr.execute(SQL("ALTER FUNCTION %s %s", FUNCTION, SQL(setting)))
    env.cr.commit()


def explain_exposure(env, customer):
    """The plans of the statements inside the exposure function for one customer, as executed
    (auto_explain with ANALYZE, nested statements; needs a superuser, as LOAD does)."""
    cr = env.cr
    try:
        cr.execute("LOAD 'auto_explain'")
        for setting in (
            "auto_explain.log_min_duration = 0",
            "auto_explain.log_analyze = on",
            "auto_explain.log_nested_statements = on",
            "auto_explain.log_level = notice",
            "client_min_messages = notice",
        ):
            cr.execute(f"SET LOCAL {setting}")
    except Exception as error:  # a bench prints why and goes on
        cr.rollback()
        return f"(no plan: {error})"
    connection = cr._cnx
    del connection.notices[:]
    env["credit.exposure"]._exposure_by_partner([customer.id], env.company)
    plans = [notice.strip() for notice in connection.notices if "WITH receivable AS" in notice]
    del connection.notices[:]
    cr.rollback()
    return "\n".join(plans) or "(no plan logged)"


def exposure_figures(env, customer, many):
    """Median ms of one customer's exposure and of ``many`` customers', unpinned and pinned,
    alternating; each variant is warmed (planned) after its switch."""
    Exposure = env["credit.exposure"]
    times = {name: {"one": [], "many": []} for name in VARIANTS}
    for _round in range(RUNS):
        for name, pinned in VARIANTS.items():
            pin(env, pinned)
            Exposure._exposure_by_partner([customer.id], env.company)
            for _ in range(5):
                start = time.perf_counter()
                Exposure._exposure_by_partner([customer.id], env.company)
                times[name]["one"].append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            Exposure._exposure_by_partner(many.ids, env.company)
            times[name]["many"].append((time.perf_counter() - start) * 1000)
            env.cr.rollback()
    return {
        name: {key: statistics.median(values) for key, values in figures.items()}
        for name, figures in times.items()
    }


def median_ms(function, runs=RUNS):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def instrument_check(env):
    """Count the time and queries of the module's own code in each confirmation: the check
    (``_credit_check``) and what its ``_action_confirm`` adds around Odoo's. Timing it inside
    the confirmation gives a figure that the swings of the whole confirmation (tens of ms from
    one run to the next on a small machine) do not drown."""

    def timed(function, sign):
        def wrapper(self, *args, **kwargs):
            start, count = time.perf_counter(), odoo.sql_db.sql_counter
            try:
                return function(self, *args, **kwargs)
            finally:
                CHECK["ms"] += sign * (time.perf_counter() - start) * 1000
                CHECK["queries"] += sign * (odoo.sql_db.sql_counter - count)

        return wrapper

    mro = type(env["sale.order"]).__mro__
    ours = next(
        cls
        for cls in mro
        if cls.__module__ == "odoo.addons.customer_credit_management.models.credit.sale_order"
    )
    # The class super() reaches from ours: its time is Odoo's, not the check's.
    odoo_confirm = next(cls for cls in mro[mro.index(ours) + 1 :] if "_action_confirm" in vars(cls))
    ours._credit_check = timed(vars(ours)["_credit_check"], 1)
    ours._action_confirm = timed(vars(ours)["_action_confirm"], 1)
    odoo_confirm._action_confirm = timed(vars(odoo_confirm)["_action_confirm"], -1)


def confirm_once(env, product, customer, enforce):
    """Time and queries of Odoo's whole confirmation of a one-line order, in a transaction of its
    own that is rolled back afterwards, as a request's would be committed: in one long transaction
    (or with a savepoint per run) every confirmation would leave versions of the same customer,
    order and stock rows, and subtransactions, for the next runs to step over, and each run would
    be slower than the one before."""
    try:
        return _confirm_timed(env, product, customer, enforce)
    finally:
        env.cr.rollback()


def new_order(env, product, customer):
    """A one-line quotation, written to the database, with the caches cold as in a new request."""
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "order_line": [Command.create({"product_id": product.id, "price_unit": 10})],
        }
    )
    env.flush_all()
    env.invalidate_all()
    return order


def _confirm_timed(env, product, customer, enforce):
    if enforce is not None:  # None: the database without the module
        env.company.credit_control_enabled = enforce
    order = new_order(env, product, customer)
    count = odoo.sql_db.sql_counter
    CHECK.update(ms=0.0, queries=0)
    # As timeit does: no garbage collection pause lands on one side by chance.
    gc.collect()
    gc.disable()
    start = time.perf_counter()
    try:
        order.action_confirm()
        env.flush_all()
    finally:
        gc.enable()
    return (time.perf_counter() - start) * 1000, odoo.sql_db.sql_counter - count, dict(CHECK)


def alternated(pair, round_):
    """``pair`` in its order in even rounds and reversed in odd ones: the second run of a pair
    may be faster or slower for being second (caches, the rollback before it), so that each side
    is second as often."""
    return pair if round_ % 2 == 0 else pair[::-1]


def confirm_figures(env, product, customer):
    """Per variant of the exposure function (unpinned, pinned): medians with enforcement off and
    on, of the on - off differences of each pair of runs, and of the time and queries of the
    module's own code. The runs alternate (variant, then off and on, or on and off), so that
    whatever else the machine does weighs on every side alike."""
    runs = {name: {False: [], True: []} for name in VARIANTS}
    for round_ in range(RUNS):
        for name, pinned in VARIANTS.items():
            pin(env, pinned)
            confirm_once(env, product, customer, enforce=True)  # plans the function again
            for enforce in alternated((False, True), round_):
                runs[name][enforce].append(confirm_once(env, product, customer, enforce))
    return {name: _confirm_medians(variant_runs) for name, variant_runs in runs.items()}


def _confirm_medians(runs):
    figures = {
        enforce: (
            statistics.median(elapsed for elapsed, _queries, _check in runs[enforce]),
            statistics.median(queries for _elapsed, queries, _check in runs[enforce]),
        )
        for enforce in (False, True)
    }
    figures["paired"] = statistics.median(
        on[0] - off[0] for off, on in zip(runs[False], runs[True], strict=True)
    )
    figures["check"] = (
        statistics.median(check["ms"] for _elapsed, _queries, check in runs[True]),
        statistics.median(check["queries"] for _elapsed, _queries, check in runs[True]),
        statistics.median(check["ms"] for _elapsed, _queries, check in runs[False]),
        statistics.median(check["queries"] for _elapsed, _queries, check in runs[False]),
    )
    return figures


def bench_product(env):
    product = env["product.product"].search([("name", "=", "Bench widget")], limit=1)
    if not product:
        product = env["product.product"].create({"name": "Bench widget", "type": "consu", "taxes_id": []})
    return product


def baseline_figures(env, product, customer):
    """Odoo's confirmation of the same one-line order in the database without the module and in
    this one with enforcement off, alternating: their medians (time, queries) and the median of
    the paired differences."""
    registry = odoo.modules.registry.Registry(BASELINE_DB)
    with registry.cursor() as cr:
        baseline_env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        generate(baseline_env)
        cr.execute("ANALYZE")
        baseline_product = bench_product(baseline_env)
        baseline_customer = baseline_env["res.partner"].search([("name", "=", "Bench customer 1")], limit=1)
        cr.commit()
        confirm_once(baseline_env, baseline_product, baseline_customer, None)  # warm the caches
        confirm_once(env, product, customer, False)
        runs = {"without": [], "off": []}
        for round_ in range(RUNS):
            for name in alternated(("without", "off"), round_):
                if name == "without":
                    runs[name].append(confirm_once(baseline_env, baseline_product, baseline_customer, None))
                else:
                    runs[name].append(confirm_once(env, product, customer, False))
    figures = {
        name: (
            statistics.median(elapsed for elapsed, _queries, _check in values),
            statistics.median(queries for _elapsed, queries, _check in values),
        )
        for name, values in runs.items()
    }
    figures["paired"] = statistics.median(
        off[0] - without[0] for without, off in zip(runs["without"], runs["off"], strict=True)
    )
    return figures


def main(env):
    instrument_check(env)
    generate(env)
    # Fresh statistics everywhere, as autovacuum keeps them in a live database: a link table the
    # bulk inserts leave empty and never analysed (sale_order_line_invoice_rel) would otherwise get
    # PostgreSQL's default estimate and a parallel plan that costs more to start than to run.
    env.cr.execute("ANALYZE")
    customer = env["res.partner"].search([("name", "=", "Bench customer 1")], limit=1)
    invoices = env["account.move.line"].search_count([("partner_id", "=", customer.id)]) // 2
    total_lines = env["account.move.line"].search_count([])
    product = bench_product(env)
    env.company.credit_control_enabled = True
    env.cr.commit()
    if BASELINE_DB:
        # First, while neither database holds the dead rows of the other measures' rolled-back
        # confirmations (run_credit_bench.sh vacuums both before).
        print(f"[{uptime()}] confirmations without the module and with it (enforcement off), {RUNS} pairs")
        baseline = baseline_figures(env, product, customer)

    def check():
        order = new_order(env, product, customer)
        count = odoo.sql_db.sql_counter
        start = time.perf_counter()
        assert order._credit_check() == {}
        elapsed = (time.perf_counter() - start) * 1000
        env.cr.rollback()
        return elapsed, odoo.sql_db.sql_counter - count

    checks = [check() for _ in range(RUNS)]
    check_ms = statistics.median(elapsed for elapsed, _queries in checks)
    check_queries = checks[-1][1]

    confirm_once(env, product, customer, enforce=True)  # warm the caches
    customers = env["res.partner"].search([("name", "like", "Bench customer %")])
    try:
        print(f"[{uptime()}] exposure, unpinned and pinned, {RUNS} rounds")
        exposure = exposure_figures(env, customer, customers[:5000])
        print(f"[{uptime()}] confirmations, unpinned and pinned, {RUNS} pairs each")
        confirms = confirm_figures(env, product, customer)
        pin(env, False)
        plan_unpinned = explain_exposure(env, customer)
    finally:
        pin(env, True)
    plan_pinned = explain_exposure(env, customer)
    start = time.perf_counter()
    everyone = env["credit.exposure"]._exposure_by_partner(None, env.company)
    everyone_ms = (time.perf_counter() - start) * 1000
    env.cr.rollback()

    def recompute():
        customers.action_compute_credit_limit()
        env.flush_all()

    recompute_ms = median_ms(recompute, runs=3)
    env.cr.rollback()

    print(
        f"book: {len(customers)} customers, {total_lines} journal items; "
        f"the measured customer has {invoices} invoices; {uptime()}"
    )
    print(f"credit check of one order: median {check_ms:.1f} ms, {check_queries} queries (cold caches)")
    for name in VARIANTS:
        figures = exposure[name]
        print(
            f"exposure of one customer, {name}: median {figures['one']:.2f} ms "
            f"({verdict(figures['one'], 2)} ms)"
        )
        print(
            f"exposure of {min(len(customers), 5000)} customers, {name}: median {figures['many']:.0f} ms "
            f"({verdict(figures['many'], 400)} ms)"
        )
    print(f"exposure of every customer ({len(everyone)}, the plain query): {everyone_ms:.0f} ms")
    for name in VARIANTS:
        figures = confirms[name]
        (off_ms, off_queries), (on_ms, on_queries) = figures[False], figures[True]
        own_ms, own_queries, own_off_ms, own_off_queries = figures["check"]
        print(f"-- exposure function {name}")
        print(
            f"Odoo's confirmation of a one-line order, enforcement off: "
            f"median {off_ms:.1f} ms, {off_queries} queries"
        )
        print(
            f"Odoo's confirmation of a one-line order, enforcement on:  "
            f"median {on_ms:.1f} ms, {on_queries} queries"
        )
        print(
            f"  -> the credit check adds {on_ms - off_ms:.1f} ms (difference of the medians; median of "
            f"the {RUNS} paired differences: {figures['paired']:.1f} ms, {verdict(figures['paired'], 2)} ms) "
            f"and {on_queries - off_queries} queries ({verdict(on_queries - off_queries, 2)})"
        )
        # With enforcement off, the check's test of the company's setting is the confirmation's
        # first read of the order's and the company's rows (cold caches, as in a new request),
        # which Odoo's own code reads a moment later otherwise: time and queries moved, not added.
        print(
            f"  -> timed inside the confirmation, the module's own code takes {own_ms:.1f} ms and "
            f"{own_queries} queries with enforcement on; with it off {own_off_ms:.1f} ms and "
            f"{own_off_queries} queries, the first reads of the order and its company, which Odoo makes "
            "otherwise (what installing the module adds is measured against a database without it)"
        )
    if BASELINE_DB:
        (without_ms, without_queries), (off_ms, off_queries) = baseline["without"], baseline["off"]
        added = off_queries - without_queries
        print("-- what installing the module adds (exposure function pinned)")
        print(
            f"Odoo's confirmation of a one-line order without the module ({BASELINE_DB}): "
            f"median {without_ms:.1f} ms, {without_queries} queries; with the module, enforcement off: "
            f"median {off_ms:.1f} ms, {off_queries} queries"
        )
        print(
            f"  -> installing the module adds {off_ms - without_ms:.1f} ms (difference of the medians; "
            f"median of the {RUNS} paired differences: {baseline['paired']:.1f} ms, "
            f"{verdict(baseline['paired'], 1)} ms) and {added} queries ({verdict(added, 1)})"
        )
    print(f"recompute of all {len(customers)} credit limits: median {recompute_ms / 1000:.2f} s")
    print(f"plan of one customer's exposure, unpinned:\n{plan_unpinned}")
    print(f"plan of one customer's exposure, pinned:\n{plan_pinned}")
    print(uptime())


main(env)  # noqa: F821 - provided by odoo-bin shell
