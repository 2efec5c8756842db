from datetime import timedelta

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import QuietCase, new_role_users, post_customer_invoice
from .test_credit_evaluation import HIGH


class RoleData:
    """Every role at the default clearance (Internal), with only its groups; a Confidential customer
    of the salesperson with a quotation over its line, a release request and a submitted evaluation
    waiting for the credit manager; an Internal customer; overdue invoices of both."""

    @classmethod
    def _setup_role_data(cls):
        env = cls.env
        cls.company = env.company
        cls.company.write({"credit_control_enabled": True, "credit_responsible_id": False})
        # The credit manager has no e-mail address: deciding must not need one.
        cls.users = new_role_users(env, credit_manager={"email": False})
        cls.sales = cls.users["salesperson"]
        cls.manager = cls.users["credit_manager"]
        cls.accountant = cls.users["accountant"]
        cls.custodian = cls.users["custodian"]
        Partner = env["res.partner"]
        cls.confidential = Partner.create(
            {"name": "Role Confidential Co", "is_company": True, "user_id": cls.sales.id}
        )
        cls.confidential.write(
            {
                "confidentiality_level_proposed_id": env.ref(
                    "customer_credit_management.confidentiality_level_confidential"
                ).id
            }
        )
        cls.confidential.action_approve_confidentiality_level()
        cls.plain = Partner.create({"name": "Role Plain Trading", "is_company": True})
        for partner in cls.confidential | cls.plain:
            # Line 100 x 0.5 (default factor, no grade) = 50.
            partner.write(
                {
                    "credit_limit_manual": True,
                    "credit_limit_manual_base": 100,
                    "credit_limit_manual_reason": "New customer",
                }
            )
        cls.product = env["product.product"].create(
            {"name": "Role widget", "list_price": 500, "taxes_id": [Command.clear()]}
        )
        cls.order = (
            env["sale.order"]
            .with_user(cls.sales)
            .create(
                {
                    "partner_id": cls.confidential.id,
                    "order_line": [
                        Command.create({"product_id": cls.product.id, "price_unit": 500, "tax_id": []})
                    ],
                }
            )
        )

    def _assert_todo_for_credit_manager(self, request):
        """The to-do of a request goes to a credit manager who is not the administrator (the module
        puts the administrator in its groups at installation)."""
        user = request.activity_ids.user_id
        self.assertEqual(len(user), 1)
        self.assertTrue(user.has_group("customer_credit_management.group_credit_manager"))
        self.assertFalse(user.has_group("base.group_system"))

    @classmethod
    def _release_request(cls):
        return (
            cls.env["credit.release.request"]
            .with_user(cls.sales)
            .create({"order_id": cls.order.id, "reason": "Deposit received"})
        )

    @classmethod
    def _submitted_evaluation(cls):
        evaluation = cls.env["credit.evaluation"].create(
            {
                "partner_id": cls.confidential.id,
                "figure_ids": [
                    Command.create({"code": code, "amount": amount}) for code, amount in HIGH.items()
                ],
            }
        )
        evaluation.with_user(cls.sales).action_submit()
        return evaluation

    @classmethod
    def _overdue_invoice(cls, partner, amount=300):
        due = fields.Date.context_today(cls.env["res.partner"]) - timedelta(days=20)
        return post_customer_invoice(cls.env, partner, amount, due)


@tagged("post_install", "-at_install")
class TestRoleTours(RoleData, HttpCase):
    """What a browser sends, for each role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_role_data()

    def test_salesperson_tour(self):
        # The Sales app menu comes with sale_management (which the demo installs).
        self.start_tour(
            "/odoo/action-sale.action_quotations_with_onboarding",
            "ccm_role_salesperson",
            login=self.sales.login,
        )
        request = self.order.credit_release_ids
        self.assertEqual(request.reason, "Deposit received, balance on delivery")
        self._assert_todo_for_credit_manager(request)
        # The credit manager, without sales rights or e-mail address, approves it.
        request.with_user(self.manager).action_approve()
        self.assertIn("Credit release approved", self.order.message_ids[0].body)
        self.start_tour(
            f"/odoo/action-sale.action_quotations_with_onboarding/{self.order.id}",
            "ccm_credit_release_confirm",
            login=self.sales.login,
        )
        self.assertEqual(self.order.state, "sale")

    def test_credit_manager_tour(self):
        request = self._release_request()
        evaluation = self._submitted_evaluation()
        self.start_tour("/odoo", "ccm_role_credit_manager", login=self.manager.login)
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.approved_by_id, self.manager)
        self.assertEqual(evaluation.state, "approved")
        self.assertEqual(self.confidential.credit_evaluation_id, evaluation)
        self.assertTrue(self.plain.credit_hold)

    def test_accountant_tour(self):
        self._overdue_invoice(self.confidential)
        self._overdue_invoice(self.plain)
        self.start_tour("/odoo", "ccm_role_accountant", login=self.accountant.login)
        letters = self.env["credit.reminder"].search([("create_uid", "=", self.accountant.id)])
        self.assertIn(self.plain, letters.partner_id)
        self.assertNotIn(self.confidential, letters.partner_id)

    def test_custodian_tour(self):
        self.start_tour("/odoo", "ccm_role_custodian", login=self.custodian.login)
        self.assertEqual(self.confidential.customer_legal_representative, "Li Lei")
        self.assertEqual(
            self.sales.customer_clearance_level_id,
            self.env.ref("customer_credit_management.confidentiality_level_confidential"),
        )


@tagged("post_install", "-at_install")
class TestRolesServer(RoleData, QuietCase):
    """The same duties on the server, each with only the role's groups."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_role_data()

    # ------------------------------------------------------------------ credit manager
    def test_credit_manager_sees_what_waits_for_him(self):
        request = self._release_request()
        evaluation = self._submitted_evaluation()
        Request = self.env["credit.release.request"].with_user(self.manager)
        waiting = Request.search([("state", "=", "to_approve")])
        self.assertIn(request, waiting)
        values = waiting.filtered(lambda r: r == request).web_read(
            {"partner_id": {"fields": {"display_name": {}}}, "order_amount": {}, "excess_amount": {}}
        )[0]
        self.assertEqual(values["partner_id"]["display_name"], "Role Confidential Co")
        self.assertEqual((values["order_amount"], values["excess_amount"]), (500, 450))
        Evaluation = self.env["credit.evaluation"].with_user(self.manager)
        self.assertIn(evaluation, Evaluation.search([("state", "=", "submitted")]))
        read = evaluation.with_user(self.manager).web_read(
            {"partner_id": {"fields": {"display_name": {}}}, "final_score": {}, "is_current": {}}
        )[0]
        self.assertEqual(read["partner_id"]["display_name"], "Role Confidential Co")
        # The customer itself stays behind its rule.
        with self.assertRaises(AccessError):
            self.confidential.with_user(self.manager).read(["name"])
        self._assert_todo_for_credit_manager(request)

    def test_others_still_do_not_see_the_requests(self):
        request = self._release_request()
        other_sales = self.env["res.users"].create(
            {
                "name": "Other seller",
                "login": "ccm_role_other_sales",
                "groups_id": [Command.set(self.env.ref("sales_team.group_sale_salesman_all_leads").ids)],
            }
        )
        self.assertNotIn(request, self.env["credit.release.request"].with_user(other_sales).search([]))

    # ------------------------------------------------------------------ collection run
    def test_collection_run_leaves_out_customers_above_clearance(self):
        self._overdue_invoice(self.confidential)
        self._overdue_invoice(self.plain)
        run = self.env["credit.reminder.run"].with_user(self.accountant).create({})
        run.action_propose()
        self.assertIn(self.plain, run.reminder_ids.partner_id)
        self.assertNotIn(self.confidential, run.reminder_ids.partner_id)
        self.assertGreaterEqual(run.clearance_needed_count, 1)
        # With the clearance, the same run proposes its letter.
        self.accountant.customer_clearance_level_id = self.env.ref(
            "customer_credit_management.confidentiality_level_secret"
        )
        run = self.env["credit.reminder.run"].with_user(self.accountant).create({})
        run.action_propose()
        self.assertIn(self.confidential, run.reminder_ids.partner_id)
        self.assertEqual(run.clearance_needed_count, 0)

    # ------------------------------------------------------------------ roles without Contact Creation
    def test_credit_manager_without_contact_creation(self):
        self.assertFalse(self.manager.has_group("base.group_partner_manager"))
        evaluation = self._submitted_evaluation()
        evaluation.with_user(self.manager).action_approve()
        self.assertEqual(self.confidential.credit_evaluation_id, evaluation)
        self.assertTrue(self.confidential.credit_score_date)
        self.plain.with_user(self.manager).action_credit_hold()
        self.assertTrue(self.plain.credit_hold)
        self.plain.with_user(self.manager).write({"credit_limit_manual_base": 2000})
        self.assertEqual(self.plain.credit_limit_manual_base, 2000)
        # Only the module's own fields: Odoo's stay out of reach.
        with self.assertRaises(AccessError):
            self.plain.with_user(self.manager).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.plain.with_user(self.manager).write({"credit_hold": False, "name": "Renamed"})
        # Not a credit manager, not even with the right to edit contacts.
        with self.assertRaises(AccessError):
            self.plain.with_user(self.custodian).write({"credit_hold": False})

    def test_custodian_without_contact_creation(self):
        self.assertFalse(self.custodian.has_group("base.group_partner_manager"))
        self.confidential.with_user(self.custodian).write({"customer_legal_representative": "Li Lei"})
        self.assertEqual(self.confidential.customer_legal_representative, "Li Lei")
        # The file and a proposed level saved together, as the form does.
        secret = self.env.ref("customer_credit_management.confidentiality_level_secret")
        self.plain.with_user(self.custodian).write(
            {"customer_fax": "0571-1234", "confidentiality_level_proposed_id": secret.id}
        )
        self.assertEqual(self.plain.confidentiality_level_proposed_id, secret)
        with self.assertRaises(AccessError):
            self.confidential.with_user(self.custodian).write({"phone": "123"})
        with self.assertRaises(AccessError):
            self.plain.with_user(self.manager).write({"confidentiality_level_proposed_id": secret.id})
        with self.assertRaises(AccessError):
            self.plain.with_user(self.sales).write({"customer_legal_representative": "Han Meimei"})
        # The customer form opens for editing, with only the customer file editable.
        arch = etree.fromstring(
            self.env["res.partner"].with_user(self.custodian).get_view(view_type="form")["arch"]
        )
        self.assertEqual(arch.get("edit"), "1")
        self.assertEqual(arch.xpath("//field[@name='name']")[0].get("readonly"), "1")
        self.assertNotEqual(
            arch.xpath("//field[@name='customer_legal_representative']")[0].get("readonly"), "1"
        )
        # A salesperson's form stays as Odoo makes it.
        arch = self.env["res.partner"].with_user(self.sales).get_view(view_type="form")["arch"]
        arch = etree.fromstring(arch)
        self.assertNotEqual(arch.get("edit"), "1")

    def test_credit_manager_without_sales_rights_approves_release(self):
        self.assertFalse(self.manager.has_group("sales_team.group_sale_salesman"))
        self.assertFalse(self.manager.email)
        request = self._release_request()
        request.with_user(self.manager).action_approve()
        self.assertEqual(request.state, "approved")
        note = self.order.message_ids.filtered(lambda m: "Credit release approved" in (m.body or ""))
        self.assertEqual(note.author_id, self.manager.partner_id)
        other = self.order.copy()
        request = (
            self.env["credit.release.request"]
            .with_user(self.sales)
            .create({"order_id": other.id, "reason": "Second order"})
        )
        request.with_user(self.manager).action_reject()
        self.assertEqual(request.state, "rejected")

    # ------------------------------------------------------------------ clearances
    def test_custodian_edits_clearances_in_the_list(self):
        view = self.env.ref("customer_credit_management.res_users_view_list_clearance")
        arch = etree.fromstring(
            self.env["res.users"].with_user(self.custodian).get_view(view.id, "list")["arch"]
        )
        self.assertEqual(arch.get("edit"), "1")
        level = self.env.ref("customer_credit_management.confidentiality_level_confidential")
        self.sales.with_user(self.custodian).web_save({"customer_clearance_level_id": level.id}, {})
        self.assertEqual(self.sales.customer_clearance_level_id, level)
