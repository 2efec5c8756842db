"""Invariants and figures of a load run (run inside `odoo-bin shell` on the load database, after the
server stopped). Reads the scenario, the calls the clients recorded, the faults injected and the
server's log; prints each check (OK or FAIL with the evidence) and the figures; exits non-zero when a
check fails (`LOAD CHECK FAILED`), else prints `LOAD CHECK OK`.

Errors (client side and in the log) that end inside a fault's window (from its injection until the
server answered again, plus GRACE seconds) are the fault's expected effect and listed as such.
"""

import json
import os
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime

from odoo.tools import SQL

GRACE = 5.0
DEDUP_SECONDS = 5 * 60  # customer.access.log: a form opened again within 5 minutes logs nothing
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) \d+ (\w+) (\S+) (\S+): (.*)$")
RETRY = re.compile(r"(SERIALIZATION_FAILURE|LOCK_NOT_AVAILABLE|DEADLOCK_DETECTED), (\d+) tries left")


def load_json(name, default=None):
    path = os.environ.get(name)
    if not path or not os.path.exists(path):
        return default
    with open(path) as file:
        return json.load(file)


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Report:
    def __init__(self):
        self.failed = []

    def check(self, name, ok, evidence=""):
        print(f"  [{'OK' if ok else 'FAIL'}] {name}" + (f": {evidence}" if evidence else ""))
        if not ok:
            self.failed.append(name)


def main(env):
    scenario = load_json("LOAD_SCENARIO")
    load = load_json("LOAD_RESULTS", {"results": [], "opened": []})
    single = load_json("LOAD_SINGLE_RESULTS", {"results": [], "opened": []})
    faults = load_json("LOAD_FAULTS", [])
    start, end = float(os.environ["LOAD_START"]), float(os.environ["LOAD_END"])
    company = env["res.company"].browse(scenario["company_id"])
    report = Report()
    windows = [(fault["start"] - 1, fault["end"] + GRACE, fault["name"]) for fault in faults]

    def in_fault(moment):
        return next((name for low, high, name in windows if low <= moment <= high), None)

    print("\nFaults injected:")
    for fault in faults:
        print(
            f"  - {fault['name']}: {fault['detail']} "
            f"(served again after {fault['end'] - fault['start']:.1f} s)"
        )
    if not faults:
        print("  none")

    print("\nInvariants:")
    # 1. Credit lines: every customer who got an order confirmed during the load is within its line,
    #    except by the amounts of approved releases of its confirmed orders (or, for a customer
    #    already beyond it before the load, no further than it was).
    env.cr.execute(
        SQL(
            "SELECT DISTINCT p.commercial_partner_id FROM sale_order o"
            " JOIN res_partner p ON p.id = o.partner_id"
            " WHERE o.state = 'sale' AND o.company_id = %s"
            " AND o.write_date >= to_timestamp(%s) AT TIME ZONE 'UTC'",
            company.id,
            start - 60,
        )
    )
    partner_ids = sorted({row[0] for row in env.cr.fetchall()} | set(scenario["shared_ids"]))
    exposure = env["credit.exposure"]._exposure_by_partner(partner_ids, company)
    releases = defaultdict(float)
    for request in env["credit.release.request"].search(
        [
            ("partner_id", "in", partner_ids),
            ("state", "in", ("approved", "used")),
            ("order_id.state", "=", "sale"),
        ]
    ):
        releases[request.partner_id.commercial_partner_id.id] += request.order_amount
    partners = env["res.partner"].with_company(company).browse(partner_ids)
    beyond = []
    exposure_before = scenario.get("exposure_before", {})
    for partner in partners:
        # A customer the demo data left beyond its line may stay there, not grow.
        allowed = max(partner.credit_line + releases[partner.id], exposure_before.get(str(partner.id), 0.0))
        if company.currency_id.compare_amounts(exposure.get(partner.id, 0.0), allowed) > 0:
            beyond.append(
                f"{partner.name}: exposure {exposure[partner.id]:.2f} > line {partner.credit_line:.2f}"
                f" + releases {releases[partner.id]:.2f}"
                f" (before the load {exposure_before.get(str(partner.id), 0.0):.2f})"
            )
    shared = partners.filtered(lambda p: p.id in scenario["shared_ids"])
    report.check(
        "no customer's confirmed exposure beyond its line except by approved releases",
        not beyond,
        "; ".join(beyond)
        or f"{len(partners)} customers with confirmed orders; shared customers' exposure / line: "
        + ", ".join(f"{exposure.get(p.id, 0):.0f}/{p.credit_line:.0f}" for p in shared)
        + f" (released {sum(releases[p.id] for p in shared):.0f})",
    )
    released = env["sale.order"].browse(scenario["released_order_id"])
    report.check(
        "the order released by a credit manager was confirmed", released.state == "sale", released.state
    )

    # 2. What reached the users: refusals as UserError, no server error outside the faults.
    calls = load["results"]
    outcomes = Counter(row[3] for row in calls)
    unexpected, during_faults = [], Counter()
    for moment, name, ms, outcome, detail in calls:
        if outcome in ("server_error", "http_error"):
            fault = in_fault(moment + ms / 1000)
            if fault:
                during_faults[f"{fault}: {name}: {detail[:80]}"] += 1
            else:
                unexpected.append(f"{datetime.fromtimestamp(moment, UTC):%H:%M:%S} {name}: {detail}")
    report.check(
        "every refusal reached the user as a UserError; no server error outside the faults",
        not unexpected,
        "; ".join(unexpected[:10])
        or f"{outcomes['ok']} ok, {outcomes['refused']} refused (UserError), "
        f"{sum(during_faults.values())} errors during the faults",
    )
    for line, count in sorted(during_faults.items()):
        print(f"        during a fault: {count} x {line}")

    # 3. The server's log: no psycopg2 error but retried serialisation failures (and the faults).
    retries, log_errors, fault_log = Counter(), [], Counter()
    with open(os.environ["LOAD_SERVER_LOG"], errors="replace") as file:
        log_lines = file.readlines()
    current = None
    for index, line in enumerate(log_lines):
        match = LOG_LINE.match(line)
        if match:
            stamp = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
            stamp += int(match[2]) / 1000
            current = (stamp, match[3], match[5], match[6])
            retry = RETRY.search(match[6])
            if retry and start <= stamp <= end:
                retries[retry[1]] += 1
            following = log_lines[index + 1] if index + 1 < len(log_lines) else ""
            if match[5] == "odoo.sql_db" and "could not serialize access" in following:
                # Odoo logs the statement that failed, then retries the request (counted above).
                retries["statements failed on serialisation"] += 1
                continue
            if match[3] in ("ERROR", "CRITICAL"):
                fault = in_fault(stamp)
                if fault:
                    fault_log[f"{fault}: {match[5]}"] += 1
                else:
                    log_errors.append(f"{match[1]} {match[5]}: {match[6][:160]}")
        elif current and "psycopg2" in line and current[1] not in ("ERROR", "CRITICAL"):
            # A traceback under a warning or info line that names a database error.
            if not in_fault(current[0]) and "SerializationFailure" not in line:
                log_errors.append(f"{current[2]}: {line.strip()[:160]}")
    report.check(
        "no error in the server log but retried serialisation failures and the faults' effects",
        not log_errors,
        "; ".join(log_errors[:10])
        or f"retries: {dict(retries) or 'none'}; during the faults: {sum(fault_log.values())} error lines",
    )
    for line, count in sorted(fault_log.items()):
        print(f"        during a fault: {count} x {line}")

    # 4. No duplicate or half-written records.
    def rows(query):
        return env.execute_query(SQL(query))

    orphan_letters = rows(
        "SELECT r.name FROM credit_reminder r"
        " WHERE NOT EXISTS (SELECT 1 FROM credit_reminder_line l WHERE l.reminder_id = r.id)"
    )
    report.check("no collection letter without its lines", not orphan_letters, str(orphan_letters[:10]))
    double_drafts = rows(
        "SELECT partner_id, company_id, count(*) FROM credit_reminder WHERE state = 'draft'"
        " GROUP BY partner_id, company_id HAVING count(*) > 1"
    )
    letters = rows("SELECT state, count(*) FROM credit_reminder GROUP BY state ORDER BY state")
    report.check(
        "no two draft letters for one customer",
        not double_drafts,
        str(double_drafts[:10]) if double_drafts else f"letters by state {dict(letters)}",
    )
    orphan_grants = rows("SELECT id FROM customer_access_grant WHERE request_id IS NULL")
    report.check("no access grant without its request", not orphan_grants, str(orphan_grants[:10]))
    load_customers = ",".join(
        str(pid)
        for pid in scenario["shared_ids"]
        + [scenario[key] for key in ("roomy_id", "full_id", "stuck_partner_id")]
    )
    no_picking = rows(
        f"SELECT o.name FROM sale_order o WHERE o.state = 'sale' AND o.partner_id IN ({load_customers})"
        " AND NOT EXISTS"
        " (SELECT 1 FROM stock_picking p WHERE p.sale_id = o.id)"
        " AND EXISTS (SELECT 1 FROM sale_order_line l JOIN product_product pp ON pp.id = l.product_id"
        " JOIN product_template t ON t.id = pp.product_tmpl_id WHERE l.order_id = o.id AND t.type = 'consu')"
    )
    report.check("no confirmed order of the load without its delivery", not no_picking, str(no_picking[:10]))
    empty_orders = rows(
        "SELECT o.name FROM sale_order o"
        " WHERE NOT EXISTS (SELECT 1 FROM sale_order_line l WHERE l.order_id = o.id)"
    )
    report.check("no order without its lines", not empty_orders, str(empty_orders[:10]))

    # 5. Access log: one entry per customer form opened (none again within 5 minutes), none for lists.
    expected, tolerated = Counter(), set()
    last = {}
    for moment, login, partner_id, ok in sorted(load.get("opened", []) + single.get("opened", [])):
        key = (login, partner_id)
        if not ok:
            if in_fault(moment):
                tolerated.add(key)  # the server may have written it before the answer was lost
            continue
        if key not in last or moment - last[key] >= DEDUP_SECONDS:
            expected[key] += 1
            last[key] = moment
    logins = scenario["custodians"]
    actual = Counter(
        (login, partner_id)
        for login, partner_id in rows(
            "SELECT u.login, l.partner_id FROM customer_access_log l JOIN res_users u ON u.id = l.user_id"
            f" WHERE l.action = 'open' AND u.login IN ({','.join(repr(login) for login in logins)})"
        )
    )
    wrong = {
        key: (expected[key], actual[key])
        for key in expected.keys() | actual.keys()
        if expected[key] != actual[key]
    }
    untolerated = {key: value for key, value in wrong.items() if key not in tolerated}
    opens = sum(1 for row in load.get("opened", []) + single.get("opened", []) if row[3])
    report.check(
        "one access-log entry per customer form opened (within 5 minutes: one), none for lists",
        not untolerated,
        f"{len(untolerated)} customers differ (opened, logged): {list(untolerated.items())[:10]}"
        if untolerated
        else f"{opens} forms opened by {len(logins)} custodians, {sum(actual.values())} entries "
        f"for {len(expected)} (custodian, customer) pairs"
        + (f"; {len(wrong)} pairs with a form opened while a fault hit" if wrong else ""),
    )

    # Figures.
    duration = end - start
    names = (
        "sale: confirm",
        "sale: confirm (passed)",
        "sale: confirm (refused)",
        "sale: create order",
        "aging: screen",
        "aging: xlsx with details",
        "aging: xlsx download",
        "collection: run",
        "custodian: open customer",
    )

    def figures(records, name, outside_faults=False):
        # outside_faults: without the calls that overlapped a fault (injection to served again).
        name, _sep, only = name.partition(" (")
        outcomes = {"passed)": ("ok",), "refused)": ("refused",)}.get(only, ("ok", "refused"))
        times = [
            ms
            for moment, row_name, ms, outcome, _detail in records
            if row_name == name
            and outcome in outcomes
            and not (outside_faults and (in_fault(moment) or in_fault(moment + ms / 1000)))
        ]
        if not times:
            return "-", "-"
        return (
            f"{percentile(times, 0.5):.0f} / {percentile(times, 0.95):.0f} / {percentile(times, 0.99):.0f}",
            str(len(times)),
        )

    served = sum(1 for row in calls if row[3] in ("ok", "refused"))
    print(
        f"\nFigures: {len(calls)} calls in {duration:.0f} s, {len(calls) / duration:.1f} requests/s "
        f"({served / duration:.1f}/s answered without error); serialisation failures retried by Odoo: "
        f"{retries['SERIALIZATION_FAILURE']} "
        f"(other retries: {retries['LOCK_NOT_AVAILABLE'] + retries['DEADLOCK_DETECTED']})"
    )
    confirms = [row for row in calls if row[1] == "sale: confirm"]
    print(
        f"confirmations under load: {sum(1 for r in confirms if r[3] == 'ok')} passed, "
        f"{sum(1 for r in confirms if r[3] == 'refused')} refused by the credit check"
    )
    print(
        "\n| call | under load: p50 / p95 / p99 ms (n) | the same outside the faults"
        " | single user: p50 / p95 / p99 ms (n) |"
    )
    print("|---|---|---|---|")
    for name in names:
        loaded, count = figures(calls, name)
        calm, calm_count = figures(calls, name, outside_faults=True)
        alone, alone_count = figures(single["results"], name)
        print(f"| {name} | {loaded} ({count}) | {calm} ({calm_count}) | {alone} ({alone_count}) |")
    print()
    if report.failed:
        print(f"LOAD CHECK FAILED: {', '.join(report.failed)}")
    else:
        print("LOAD CHECK OK")
    env.cr.rollback()
    return not report.failed


OK = main(env)  # noqa: F821 - provided by odoo-bin shell
