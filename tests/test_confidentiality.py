import logging
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.mail.tools.discuss import Store

from .common import ROLE_GROUPS, ConfidentialityCommon, new_user

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestConfidentialityRules(ConfidentialityCommon):
    def test_internal_salesperson_cannot_reach_secret_customer(self):
        Partner = self.env["res.partner"].with_user(self.sales_internal)
        customers = self.secret_customer | self.secret_contact
        self.assertFalse(Partner.search([("name", "ilike", "Zircon Secret")]))
        self.assertFalse(Partner.search([("id", "in", customers.ids)]))
        self.assertEqual(Partner.search([("name", "ilike", "Zircon")]), self.internal_customer)
        self.assertFalse(Partner.name_search("Zircon Secret"))
        self.assertFalse(Partner.name_search("Zircon Buyer"))
        groups = Partner.read_group([("name", "ilike", "Zircon")], ["is_company"], ["is_company"])
        self.assertEqual(sum(group["is_company_count"] for group in groups), 1)
        with self.assertRaises(AccessError):
            self.secret_customer.with_user(self.sales_internal).read(["name"])
        with self.assertRaises(AccessError):
            self.secret_contact.with_user(self.sales_internal).read(["name"])
        with self.assertRaises(AccessError):
            self.secret_customer.with_user(self.sales_internal).export_data(["name", "vat"])
        # Its orders too, though "All Documents" shows every other order.
        Order = self.env["sale.order"].with_user(self.sales_internal)
        self.assertEqual(Order.search([("partner_id", "=", self.secret_customer.id)]), self.own_order)
        with self.assertRaises(AccessError):
            self.owner_order.with_user(self.sales_internal).read(["name"])
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(self.sales_internal)._render_qweb_pdf(
                "sale.action_report_saleorder", self.owner_order.ids
            )

    def test_own_order_still_opens(self):
        order = self.own_order.with_user(self.sales_internal)
        form = Form(order)
        self.assertEqual(form.partner_id, self.secret_customer)
        self.assertEqual(order.partner_id.sudo().name, "Zircon Secret Industries")
        pdf, _ = (
            self.env["ir.actions.report"]
            .with_user(self.sales_internal)
            ._render_qweb_pdf("sale.action_report_saleorder", order.ids)
        )
        self.assertTrue(pdf)

    def test_clearance_salesperson_custodian_and_contacts(self):
        customers = self.secret_customer | self.secret_contact
        for user in (self.sales_secret, self.sales_owner, self.custodian):
            with self.subTest(user=user.login):
                Partner = self.env["res.partner"].with_user(user)
                self.assertEqual(Partner.search([("id", "in", customers.ids)]), customers)
                if user == self.custodian:
                    continue
                self.assertEqual(
                    self.env["sale.order"].with_user(user).search([("id", "=", self.owner_order.id)]),
                    self.owner_order,
                )
        self.assertEqual(self.secret_contact.confidentiality_level_id, self.level_secret)
        self.assertEqual(self.secret_contact.confidentiality_rank, 3)
        # A contact added later takes its company's level.
        new_contact = self.env["res.partner"].create(
            {"name": "Zircon Clerk", "parent_id": self.secret_customer.id}
        )
        self.assertEqual(new_contact.confidentiality_rank, 3)
        self.assertFalse(
            self.env["res.partner"].with_user(self.sales_internal).search([("id", "=", new_contact.id)])
        )

    def test_company_users_and_vendors_unaffected(self):
        vendor = self.env["res.partner"].create(
            {"name": "Zircon Supplies", "is_company": True, "supplier_rank": 1}
        )
        company_partner = self.env.company.partner_id
        for partner in (vendor, company_partner, self.sales_owner.partner_id):
            partner.sudo().write({"confidentiality_level_id": self.level_secret.id})
        Partner = self.env["res.partner"].with_user(self.sales_internal)
        visible = Partner.search([("id", "in", (vendor | company_partner | self.sales_owner.partner_id).ids)])
        self.assertEqual(visible, vendor | company_partner | self.sales_owner.partner_id)

    def test_grant_counts_while_valid(self):
        now = datetime(2026, 3, 2, 9, 0)
        with freeze_time(now):
            self.env["customer.access.grant"].create(
                {
                    "user_id": self.sales_internal.id,
                    "partner_ids": [(6, 0, self.secret_customer.ids)],
                    "grant_type": "consult",
                    "date_start": now - timedelta(hours=1),
                    "date_end": now + timedelta(hours=8),
                }
            )
            Partner = self.env["res.partner"].with_user(self.sales_internal)
            self.assertEqual(Partner.search([("id", "=", self.secret_contact.id)]), self.secret_contact)
        # The same (cached) rule, a day later: the grant has ended.
        with freeze_time(now + timedelta(days=1)):
            self.assertFalse(Partner.search([("id", "=", self.secret_contact.id)]))

    def test_level_approval(self):
        customer = self.internal_customer
        Partner = self.env["res.partner"].with_user(self.sales_internal)
        with self.assertRaises(AccessError):
            customer.with_user(self.sales_internal).write(
                {"confidentiality_level_proposed_id": self.level_secret.id}
            )
        with self.assertRaises(AccessError):
            customer.with_user(self.custodian).write({"confidentiality_level_id": self.level_secret.id})
        customer.with_user(self.custodian).write({"confidentiality_level_proposed_id": self.level_secret.id})
        activity_type = self.env.ref("customer_credit_management.mail_activity_type_confidentiality_level")
        todo = customer.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        self.assertIn(self.director, todo.user_id)
        # Before approval, the stricter of Internal and Secret applies.
        self.assertEqual(customer.confidentiality_level_id, self.level_internal)
        self.assertEqual(customer.confidentiality_rank, 3)
        self.assertFalse(Partner.search([("id", "=", customer.id)]))
        with self.assertRaises(AccessError):
            customer.with_user(self.custodian).action_approve_confidentiality_level()
        customer.with_user(self.director).action_approve_confidentiality_level()
        self.assertFalse(customer.activity_ids.filtered(lambda a: a.activity_type_id == activity_type))
        self.assertEqual(customer.confidentiality_level_id, self.level_secret)
        self.assertFalse(customer.confidentiality_level_proposed_id)
        self.assertFalse(Partner.search([("id", "=", customer.id)]))
        # Proposing a lower level keeps the stricter one until approved.
        customer.with_user(self.custodian).write({"confidentiality_level_proposed_id": self.level_public.id})
        self.assertEqual(customer.confidentiality_rank, 3)
        self.assertFalse(Partner.search([("id", "=", customer.id)]))
        customer.with_user(self.director).action_approve_confidentiality_level()
        self.assertEqual(customer.confidentiality_effective_level_id, self.level_public)
        self.assertEqual(Partner.search([("id", "=", customer.id)]), customer)

    def test_clearance_set_by_custodians_only(self):
        with self.assertRaises(AccessError):
            self.sales_internal.with_user(self.sales_internal).write(
                {"customer_clearance_level_id": self.level_secret.id}
            )
        self.sales_internal.with_user(self.custodian).write(
            {"customer_clearance_level_id": self.level_secret.id}
        )
        self.assertEqual(
            self.env["res.partner"]
            .with_user(self.sales_internal)
            .search([("id", "=", self.secret_customer.id)]),
            self.secret_customer,
        )

    def test_list_query_count_bounded(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Zircon List {i:02d}", "is_company": True} for i in range(80)]
        )
        domain = [("id", "in", partners.ids)]
        spec = {
            "display_name": {},
            "email": {},
            "user_id": {"fields": {"display_name": {}}},
            "confidentiality_level_id": {},
        }

        def count(user, limit):
            Partner = self.env["res.partner"].with_user(user)
            Partner.web_search_read(domain, spec, limit=limit)  # warm caches
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            result = Partner.web_search_read(domain, spec, limit=limit)
            return self.env.cr.sql_log_count - start, result["length"]

        queries_40, _ = count(self.sales_internal, 40)
        queries_80, length = count(self.sales_internal, 80)
        custodian_80, _ = count(self.custodian, 80)
        _logger.info(
            "Customer list of 80 rows: %s queries as a salesperson (40 rows: %s), %s as a custodian",
            queries_80,
            queries_40,
            custodian_80,
        )
        self.assertEqual(length, 80)
        self.assertEqual(queries_80, queries_40, "no query per row")
        self.assertLessEqual(queries_80 - custodian_80, 1, "the rule costs at most one query")

    def test_portal_user_sees_own_company(self):
        portal = new_user(self.env, "ccm_conf_portal", "base.group_portal")
        portal.partner_id.parent_id = self.secret_customer
        self.assertEqual(portal.partner_id.confidentiality_rank, 3)
        Partner = self.env["res.partner"].with_user(portal)
        self.assertEqual(Partner.search([("id", "=", self.secret_customer.id)]), self.secret_customer)
        other = self.env["res.partner"].create({"name": "Zircon Other Secret", "is_company": True})
        other.write({"confidentiality_level_proposed_id": self.level_secret.id})
        self.assertFalse(Partner.search([("id", "=", other.id)]))

    def test_chatter_with_secret_follower_and_author(self):
        order = self._order(self.sales_internal, partner=self.internal_customer)
        order.message_subscribe(partner_ids=self.secret_contact.ids)
        order.message_post(body="Zircon note", author_id=self.secret_contact.id, message_type="comment")
        order = order.with_user(self.sales_internal)
        store = Store()
        order._thread_to_store(store, request_list=["followers", "suggestedRecipients"])
        order.message_ids._to_store(store)
        # The chatter of a readable order shows the follower and author by name, without error.
        self.assertIn("Zircon Buyer", str(store.get_result()))

    def test_release_request_only_for_a_readable_customer(self):
        """A release request keeps its customer's credit for its requester: none is made for a
        customer the requester may not read, even where credit lines are not enforced."""
        self.env.company.credit_control_enabled = False
        self.secret_customer.write({"credit_limit_manual": True, "credit_limit_manual_base": 7777})
        Request = self.env["credit.release.request"].with_user(self.sales_internal)
        with self.assertRaisesRegex(AccessError, "above your clearance"):
            Request.create({"order_id": self.own_order.id, "reason": "Payment promised"})

    def test_access_request_lookup_by_name_only(self):
        """The access request's lookup finds a hidden company by its exact name, never by the
        e-mail, VAT or reference Odoo's partner search also matches."""
        self.secret_customer.write(
            {"vat": "BE0477472701", "email": "board@zircon-secret.example", "ref": "ZS-7"}
        )
        Lookup = (
            self.env["res.partner"]
            .with_user(self.sales_internal)
            .with_context(customer_access_request_lookup=True)
        )
        for value in ("BE0477472701", "board@zircon-secret.example", "ZS-7"):
            self.assertEqual(Lookup.name_search(value), [], value)
        self.assertEqual(
            [found[0] for found in Lookup.name_search(self.secret_customer.name)], self.secret_customer.ids
        )

    def test_order_credit_figures_only_of_readable_customers(self):
        """An order shows its customer's credit only to users who may read the customer, also for
        a partner id an onchange's values name; the credit check itself still applies."""
        self.env.company.credit_default_risk_factor = 1.0
        self.secret_customer.write({"credit_limit_manual": True, "credit_limit_manual_base": 7777})
        spec = {
            "credit_line": {},
            "credit_available": {},
            "credit_exposure": {},
            "credit_available_after": {},
            "credit_grade_id": {"fields": {"display_name": {}}},
            "credit_block_message": {},
            "credit_refused_excess": {},
            "credit_promise_status": {},
        }
        role = new_user(self.env, "ccm_conf_role_onchange", "sales_team.group_sale_salesman")
        for user in (self.sales_internal, role):
            order = self._order(user, partner=self.internal_customer).with_user(user)
            Order = self.env["sale.order"].with_user(user)
            secret = {"partner_id": self.secret_customer.id}
            company = {**secret, "company_id": self.env.company.id}
            for record, values, names in (
                (order, {**secret, "state": "sent"}, ["state"]),
                (Order, {**company, "state": "sent"}, ["state"]),
                (Order, company, ["company_id"]),
                (Order, secret, []),
            ):
                self.assertNotIn("7777", str(record.onchange(values, names, spec)))
        # The user's own order of that customer shows no figures of it either.
        own = self.own_order.with_user(self.sales_internal)
        self.assertEqual((own.credit_line, own.credit_available), (0.0, 0.0))
        # Its salesperson and the superuser see them.
        self.assertEqual(self.owner_order.with_user(self.sales_owner).credit_line, 7777)
        self.assertEqual(self.own_order.credit_line, 7777)
        # The credit check does not depend on what an order shows: the held-order worklist finds
        # the user's own order refused though it shows nothing; the customer's salesperson is refused.
        self.env.company.credit_control_enabled = True
        self.secret_customer.credit_limit_manual_base = 5
        self.env.invalidate_all()
        Order = self.env["sale.order"].with_user(self.sales_internal)
        self.assertEqual(Order.search([("id", "=", self.own_order.id), ("credit_refused", "=", True)]), own)
        self.assertFalse(own.credit_refused)
        self.assertTrue(self.own_order.credit_refused)
        with self.assertRaises(UserError) as caught:
            self.owner_order.with_user(self.sales_owner).action_confirm()
        self.assertIn("exceeds the credit line", str(caught.exception))

    def test_followers_only_of_readable_partners(self):
        """A follower row shows its partner's name and email: only users who may read the partner
        read it. Mail's own flows keep working."""
        self.secret_customer.email = "ceo@zircon-secret.example"
        self.owner_order.message_subscribe(partner_ids=self.secret_customer.ids)
        Followers = self.env["mail.followers"]
        role = new_user(self.env, "ccm_conf_role_follow", "sales_team.group_sale_salesman")
        for user in (self.sales_internal, role):
            user_followers = Followers.with_user(user)
            domain = [("partner_id", "=", self.secret_customer.id)]
            self.assertFalse(user_followers.search_read(domain, ["email"]))
            self.assertNotIn("zircon-secret", str(user_followers.search_read([], ["name", "email"])))
        rows = Followers.with_user(self.sales_secret).search_read(
            [("partner_id", "=", self.secret_customer.id), ("res_model", "=", "sale.order")], ["email"]
        )
        self.assertEqual(rows[0]["email"], "ceo@zircon-secret.example")
        # Subscribing, posting and the follower list of a readable order, as the role user.
        order = self._order(role, partner=self.internal_customer).with_user(role)
        order.message_subscribe(partner_ids=self.internal_customer.ids)
        order.sudo().message_subscribe(partner_ids=self.secret_contact.ids)
        order.message_post(body="Zircon follow-up", message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertEqual(order.message_partner_ids, self.internal_customer)
        order.invalidate_recordset()  # the user's one2many, read with the user's rules, is cached
        self.assertIn(self.secret_contact, order.sudo().message_partner_ids)
        store = Store()
        order._thread_to_store(store, request_list=["followers"])
        self.assertIn("Zircon Plain Trading", str(store.get_result()))

    def test_payment_link_only_for_a_readable_customer(self):
        """A payment link wizard shows its partner's e-mail (read as superuser): none is made,
        moved to, nor previewed for a customer the user may not read, not even from the user's own
        order of that customer."""
        self.secret_customer.email = "board@zircon-secret.example"
        self.internal_customer.email = "desk@zircon-plain.example"
        role = new_user(self.env, "ccm_conf_role_link", ROLE_GROUPS["salesperson"])
        order = self._order(role, partner=self.internal_customer)
        Wizard = self.env["payment.link.wizard"].with_user(role)
        values = {
            "res_model": "sale.order",
            "res_id": order.id,
            "amount": 1.0,
            "amount_max": 10.0,
            "currency_id": self.env.company.currency_id.id,
        }
        refused = "payment link for a customer above your clearance"
        with self.assertRaisesRegex(AccessError, refused):
            Wizard.create({**values, "partner_id": self.secret_customer.id})
        wizard = Wizard.create({**values, "partner_id": self.internal_customer.id})
        self.assertEqual(wizard.partner_email, "desk@zircon-plain.example")
        spec = {"partner_id": {}, "partner_email": {}, "res_model": {}, "res_id": {}}
        for record in (Wizard, wizard):
            with self.assertRaisesRegex(AccessError, refused):
                record.onchange({**values, "partner_id": self.secret_customer.id}, ["partner_id"], spec)
        # Opened on the user's own order of the hidden customer: its default partner.
        Own = self.env["payment.link.wizard"].with_user(self.sales_internal)
        with self.assertRaisesRegex(AccessError, refused):
            Own.with_context(active_model="sale.order", active_id=self.own_order.id).onchange({}, [], spec)
        # A readable customer's order opens as before.
        opened = Wizard.with_context(active_model="sale.order", active_id=order.id).onchange({}, [], spec)
        self.assertEqual(opened["value"]["partner_email"], "desk@zircon-plain.example")
        # Its link opens the document's portal page, whatever partner the wizard names: the
        # user's own order of the hidden customer gets no link, with a readable partner or none.
        on_own = {**values, "res_id": self.own_order.id}
        for partner in (self.internal_customer, self.env["res.partner"]):
            with self.assertRaisesRegex(AccessError, refused):
                Own.create({**on_own, "partner_id": partner.id})
            with self.assertRaisesRegex(AccessError, refused):
                Own.onchange({**on_own, "partner_id": partner.id}, ["res_id"], spec)
        mine = Own.create(
            {**values, "res_id": self._order(self.sales_internal, partner=self.internal_customer).id}
        )
        with self.assertRaisesRegex(AccessError, refused):
            mine.write({"res_id": self.own_order.id})
        # Last: assertRaisesRegex rolls nothing back.
        with self.assertRaisesRegex(AccessError, refused):
            wizard.write({"partner_id": self.secret_contact.id})

    def test_same_tax_id_names_only_a_readable_partner(self):
        """Odoo names the partner with the same tax ID or registry number (found as superuser):
        only a partner the user may read, else the warning would tell whose a number is."""
        self.secret_customer.write({"vat": "BE0477472701", "company_registry": "ZS-0477472701"})
        self.internal_customer.write({"vat": "BE0897223670", "company_registry": "ZP-0897223670"})
        role = new_user(self.env, "ccm_conf_role_vat", ROLE_GROUPS["salesperson"])
        spec = {
            "vat": {},
            "company_registry": {},
            "same_vat_partner_id": {"fields": {"display_name": {}}},
            "same_company_registry_partner_id": {"fields": {"display_name": {}}},
        }

        def found(user, vat, registry):
            values = {"name": "Probe", "is_company": True, "vat": vat, "company_registry": registry}
            result = (
                self.env["res.partner"].with_user(user).onchange(values, ["vat", "company_registry"], spec)
            )
            value = result.get("value", {})
            return [(value.get(name) or {}).get("id") for name in spec if name.startswith("same_")]

        hidden, plain = self.secret_customer, self.internal_customer
        self.assertEqual(found(role, "BE0477472701", "ZS-0477472701"), [None, None])
        self.assertEqual(found(role, "BE0897223670", "ZP-0897223670"), [plain.id, plain.id])
        # Read on a saved partner sharing the numbers, too.
        twin = self.env["res.partner"].create(
            {
                "name": "Zircon Twin",
                "is_company": True,
                "vat": "BE0477472701",
                "company_registry": "ZS-0477472701",
            }
        )
        self.env.invalidate_all()
        read = twin.with_user(role).read(["same_vat_partner_id", "same_company_registry_partner_id"])[0]
        self.assertEqual(
            (read["same_vat_partner_id"], read["same_company_registry_partner_id"]), (False, False)
        )
        # Its salesperson is warned as before.
        self.assertEqual(found(self.sales_owner, "BE0477472701", "ZS-0477472701"), [hidden.id, hidden.id])

    def test_used_level_cannot_be_deleted(self):
        with self.assertRaises(UserError):
            self.level_secret.unlink()
