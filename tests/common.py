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
