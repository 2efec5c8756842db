from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import CreditCommon, new_user


@tagged("post_install", "-at_install")
class TestCustomerLists(CreditCommon):
    """Customer lists count customers only, and show what a customer has."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.custodian = new_user(
            cls.env, "ccm_lists_custodian", "customer_credit_management.group_customer_data_custodian"
        )
        cls.own_address = cls.env["res.partner"].create(
            {"name": "Our Own Warehouse", "parent_id": cls.env.company.partner_id.id, "type": "delivery"}
        )
        cls.employee = new_user(cls.env, "ccm_lists_employee", "base.group_user")
        cls.portal_customer = new_user(cls.env, "ccm_lists_portal", "base.group_portal")

    def _action_partners(self, xmlid, user):
        action = self.env["ir.actions.act_window"].with_user(user)._for_xml_id(xmlid)
        return self.env["res.partner"].with_user(user).search(safe_eval(action["domain"]))

    def test_customer_menus_leave_out_employees_and_own_addresses(self):
        for xmlid in (
            "customer_credit_management.res_partner_action_credit_customers",
            "customer_credit_management.res_partner_action_customer_analysis",
        ):
            partners = self._action_partners(xmlid, self.custodian)
            self.assertIn(self.customer, partners, xmlid)
            self.assertIn(self.portal_customer.partner_id, partners, xmlid)
            for partner in (
                self.env.company.partner_id,
                self.own_address,
                self.employee.partner_id,
                self.salesperson.partner_id,
            ):
                self.assertNotIn(partner, partners, xmlid)
        # The customer analysis groups customers only: no employee counts as "General".
        groups = (
            self.env["res.partner"]
            .with_user(self.custodian)
            ._read_group([("is_external_customer", "=", True)], ["customer_category"], ["__count"])
        )
        self.assertTrue(groups)
        self.assertFalse(
            self.env["res.partner"].search_count(
                [("is_external_customer", "=", True), ("id", "=", self.employee.partner_id.id)]
            )
        )
        self.assertTrue(
            self.env["res.partner"].search_count(
                [("is_external_customer", "=", False), ("id", "=", self.employee.partner_id.id)]
            )
        )

    def test_customer_analysis_report_customers(self):
        customers = self.env["customer.analysis.wizard"].with_user(self.custodian).create({})._customers()
        self.assertIn(self.customer, customers)
        self.assertNotIn(self.employee.partner_id, customers)
        self.assertNotIn(self.env.company.partner_id, customers)

    def test_unscored_customer_shows_no_score(self):
        view = self.env.ref("customer_credit_management.res_partner_view_list_credit")
        views = self.env["res.partner"].with_user(self.salesperson).get_views([(view.id, "list")])
        arch = views["views"]["list"]["arch"]
        [score] = etree.fromstring(arch).xpath("//field[@name='credit_score']")
        self.assertEqual(score.get("invisible"), "not credit_score_date")
