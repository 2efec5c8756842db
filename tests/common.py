import json
from datetime import timedelta

from odoo import Command
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT


class CreditCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.Grade = cls.env["credit.grade"]
        cls.grade_aa = cls.env.ref("customer_credit_management.credit_grade_aa")
        cls.grade_a = cls.env.ref("customer_credit_management.credit_grade_a")
        cls.grade_e = cls.env.ref("customer_credit_management.credit_grade_e")
        cls.salesperson = new_test_user(
            cls.env,
            login="ccm_salesperson",
            groups="base.group_partner_manager,sales_team.group_sale_salesman",
        )
        cls.credit_manager = new_test_user(
            cls.env,
            login="ccm_credit_manager",
            groups="base.group_partner_manager,sales_team.group_sale_salesman,"
            "customer_credit_management.group_credit_manager",
        )
        cls.customer = cls.env["res.partner"].create({"name": "Credit Test Customer", "is_company": True})
        cls.contact = cls.env["res.partner"].create(
            {"name": "Credit Test Contact", "parent_id": cls.customer.id}
        )


# One user per role, holding only the groups of that role (and base.group_user through them), at the
# default clearance (Internal): the roles as the policy sets people up.
ROLE_GROUPS = {
    "salesperson": "sales_team.group_sale_salesman",
    "credit_manager": "customer_credit_management.group_credit_manager",
    "accountant": "account.group_account_user",
    "custodian": "customer_credit_management.group_customer_data_custodian",
    "director": "customer_credit_management.group_marketing_director",
}


def new_role_users(env, prefix="ccm_role", company=None, **kwargs):
    """{role: user} with only the role's groups. ``kwargs`` per role, e.g. credit_manager={'email': False}."""
    company = company or env.company
    return {
        role: new_test_user(
            env,
            login=f"{prefix}_{role}",
            groups=groups,
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
            **kwargs.get(role, {}),
        )
        for role, groups in ROLE_GROUPS.items()
    }


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
