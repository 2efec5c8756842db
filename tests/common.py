"""What the module's tests share: users per role, customers, orders, invoices and RPC calls."""

import json
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import Command
from odoo.sql_db import Cursor
from odoo.tests import HttpCase, TransactionCase, new_test_user
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT

MODULE = "customer_credit_management"
CUSTODIAN = f"{MODULE}.group_customer_data_custodian"
DIRECTOR = f"{MODULE}.group_marketing_director"
HEAD = f"{MODULE}.group_department_head"
CREDIT_MANAGER = f"{MODULE}.group_credit_manager"
SALESPERSON = "base.group_partner_manager,sales_team.group_sale_salesman"
# Salespeople who read every order ("All Documents") and may export: only the confidentiality rules
# can hide a customer from them.
SALES = "base.group_partner_manager,base.group_allow_export,sales_team.group_sale_salesman_all_leads"

# One user per role, holding only the groups of that role (and base.group_user through them), at the
# default clearance (Internal): the roles as the policy sets people up.
ROLE_GROUPS = {
    "salesperson": "sales_team.group_sale_salesman",
    "credit_manager": CREDIT_MANAGER,
    "accountant": "account.group_account_user",
    "custodian": CUSTODIAN,
    "director": DIRECTOR,
}


@contextmanager
def logged_statements():
    """The text of every statement run inside the block, in order."""
    executed = []
    execute = Cursor.execute

    def spy(cursor, query, params=None, log_exceptions=True):
        executed.append(str(query.code if isinstance(query, SQL) else query))
        return execute(cursor, query, params, log_exceptions)

    with patch.object(Cursor, "execute", spy):
        yield executed


def new_user(env, login, groups, company=None, **kwargs):
    """A user with ``groups`` (comma-separated XML ids) and what they imply, whose password is its
    login; with ``company``, of that company only."""
    if company:
        kwargs.update(company_id=company.id, company_ids=[Command.set(company.ids)])
    return new_test_user(env, login=login, groups=groups, **kwargs)


def new_role_users(env, prefix="ccm_role", company=None, **kwargs):
    """{role: user} with only the role's groups. ``kwargs`` per role, e.g. credit_manager={'email': False}."""
    return {
        role: new_user(env, f"{prefix}_{role}", groups, company or env.company, **kwargs.get(role, {}))
        for role, groups in ROLE_GROUPS.items()
    }


class QuietCase(TransactionCase):
    """No tracking and no chatter messages while the data is set up, as Odoo's own BaseCommon."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))


class EnforcingHttpCase(HttpCase):
    """RPC tests against the test server, in a company that enforces credit lines at the policy's
    factor 1 (a customer's line is its limit)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.credit_control_enabled = True
        cls.company.credit_default_risk_factor = 1.0


class CreditCommon(QuietCase):
    """A customer with a contact, a salesperson and a credit manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Grade = cls.env["credit.grade"]
        cls.grade_aa = cls.env.ref(f"{MODULE}.credit_grade_aa")
        cls.grade_a = cls.env.ref(f"{MODULE}.credit_grade_a")
        cls.grade_e = cls.env.ref(f"{MODULE}.credit_grade_e")
        cls.salesperson = new_user(cls.env, "ccm_salesperson", SALESPERSON)
        cls.credit_manager = new_user(cls.env, "ccm_credit_manager", f"{SALESPERSON},{CREDIT_MANAGER}")
        cls.customer = cls.env["res.partner"].create({"name": "Credit Test Customer", "is_company": True})
        cls.contact = cls.env["res.partner"].create(
            {"name": "Credit Test Contact", "parent_id": cls.customer.id}
        )


class ConfidentialityCommon(QuietCase):
    """A Secret customer of one salesperson, and users of each clearance.

    The salespeople may read every order ("All Documents"): only the confidentiality rule can hide
    one from them.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.level_public = ref(f"{MODULE}.confidentiality_level_public")
        cls.level_internal = ref(f"{MODULE}.confidentiality_level_internal")
        cls.level_confidential = ref(f"{MODULE}.confidentiality_level_confidential")
        cls.level_secret = ref(f"{MODULE}.confidentiality_level_secret")
        cls.sales_internal = new_user(cls.env, "ccm_conf_sales", SALES)
        cls.sales_owner = new_user(cls.env, "ccm_conf_owner", SALES)
        cls.sales_secret = new_user(cls.env, "ccm_conf_secret", SALES)
        cls.sales_secret.customer_clearance_level_id = cls.level_secret
        cls.custodian = new_user(cls.env, "ccm_conf_custodian", CUSTODIAN)
        cls.director = new_user(cls.env, "ccm_conf_director", DIRECTOR)
        Partner = cls.env["res.partner"]
        cls.secret_customer = Partner.create(
            {"name": "Zircon Secret Industries", "is_company": True, "user_id": cls.sales_owner.id}
        )
        cls.secret_customer.write({"confidentiality_level_proposed_id": cls.level_secret.id})
        cls.secret_customer.action_approve_confidentiality_level()
        cls.secret_contact = Partner.create({"name": "Zircon Buyer", "parent_id": cls.secret_customer.id})
        cls.internal_customer = Partner.create({"name": "Zircon Plain Trading", "is_company": True})
        cls.product = cls.env["product.product"].create({"name": "Zircon widget", "list_price": 10.0})
        cls.own_order = cls._order(cls.sales_internal)
        cls.owner_order = cls._order(cls.sales_owner)

    @classmethod
    def _order(cls, user, partner=None):
        return cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.secret_customer).id,
                "user_id": user.id,
                "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": 1})],
            }
        )


class CreditControlCommon(AccountTestInvoicingCommon):
    """A company with a chart of accounts, a customer with a credit line of 1,000 and users.

    Odoo's AccountTestInvoicingCommon already sets up without tracking and chatter messages.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.currency = cls.company.currency_id
        cls.company.credit_responsible_id = False
        # The accounting test user sets up the credit data: it is a credit manager.
        cls.env.user.groups_id += cls.env.ref(CREDIT_MANAGER)
        stock = "stock.group_stock_user"
        cls.salesperson = new_user(
            cls.env,
            "ccm_control_sales",
            f"base.group_partner_manager,sales_team.group_sale_salesman,{stock}",
            cls.company,
        )
        cls.credit_manager = new_user(
            cls.env,
            "ccm_control_manager",
            f"base.group_partner_manager,sales_team.group_sale_salesman_all_leads,{CREDIT_MANAGER},{stock}",
            cls.company,
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Credit widget",
                "type": "consu",
                "is_storable": True,
                "list_price": 100.0,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Credit Customer", "is_company": True, "credit_score": 90}
        )
        cls.contact = cls.env["res.partner"].create({"name": "Buyer", "parent_id": cls.customer.id})
        cls.customer.with_company(cls.company).write(
            {"credit_limit_manual": True, "credit_limit_manual_base": 1000}
        )
        cls.company.credit_control_enabled = True

    @classmethod
    def _order(cls, amount, partner=None, user=None, currency=None, confirm=False):
        vals = {
            "partner_id": (partner or cls.customer).id,
            "company_id": cls.company.id,
            "order_line": [
                Command.create({"product_id": cls.product.id, "product_uom_qty": 1, "price_unit": amount})
            ],
        }
        if currency:
            pricelist = cls.env["product.pricelist"].create(
                {"name": f"{currency.name} prices", "currency_id": currency.id, "company_id": cls.company.id}
            )
            vals["pricelist_id"] = pricelist.id
        order = cls.env["sale.order"].with_user(user or cls.env.user).with_company(cls.company).create(vals)
        if confirm:
            order.action_confirm()
        return order


class CreditGroupCommon(CreditControlCommon):
    """The customer and a sister subsidiary (manual line 5,000, a confirmed order of 1,000) in the
    credit group "Parent Holding Group", whose manual line is 1,500; risk factor 1."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.credit_default_risk_factor = 1.0
        cls.sister = cls.env["res.partner"].create({"name": "Sister Subsidiary", "is_company": True})
        cls.sister.with_company(cls.company).write(
            {"credit_limit_manual": True, "credit_limit_manual_base": 5000}
        )
        cls.group = cls.env["credit.group"].create(
            {
                "name": "Parent Holding Group",
                "company_id": cls.company.id,
                "line_mode": "manual",
                "manual_line": 1500,
                "member_ids": [(6, 0, (cls.customer | cls.sister).ids)],
            }
        )
        cls._order(1000, partner=cls.sister, confirm=True)


def post_customer_invoice(env, partner, amount, due, move_type="out_invoice"):
    """A posted customer invoice (or credit note) of one untaxed line, dated 30 days before ``due``."""
    move = env["account.move"].create(
        {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": due - timedelta(days=30),
            "date": due - timedelta(days=30),
            "invoice_date_due": due,
            "invoice_line_ids": [
                Command.create({"name": "Goods", "quantity": 1, "price_unit": amount, "tax_ids": []})
            ],
        }
    )
    move.action_post()
    return move


def xmlrpc_execute(case, user, model, method, args, kwargs=None):
    """``execute_kw`` over XML-RPC on the test server of the HttpCase ``case``, as ``user``
    (whose password is its login, as ``new_test_user`` makes it)."""
    db = case.env.cr.dbname
    return case.xmlrpc_object.execute_kw(db, user.id, user.login, model, method, list(args), kwargs or {})


def jsonrpc_execute(case, user, model, method, args, kwargs=None):
    """``execute_kw`` over JSON-RPC (``/jsonrpc``, as a script would call it) on the test server of
    the HttpCase ``case``, as ``user``: the response's JSON, with ``result`` or ``error``."""
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [case.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs or {}],
        },
    }
    response = case.url_open(
        "/jsonrpc", data=json.dumps(payload), headers={"Content-Type": "application/json"}
    )
    return response.json()
