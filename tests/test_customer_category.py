import base64
import io
from datetime import datetime

import openpyxl
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import CreditCommon, new_user


@tagged("post_install", "-at_install")
class TestCustomerCategory(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.custodian = new_user(
            cls.env,
            "ccm_custodian",
            "base.group_partner_manager,customer_credit_management.group_customer_data_custodian",
        )
        cls.env.company.credit_responsible_id = False
        Rule = cls.env["customer.category.rule"]
        Rule.search([]).unlink()
        # Key: 3 years of >= 1000 a year, one order >= 200, 1500 cumulative or potential demand.
        # Stable: 2 years of >= 500 a year, one order >= 100, 600 cumulative or potential demand.
        cls.rules = Rule.create(
            [
                {
                    "year": year,
                    "category": "key",
                    "consecutive_years": 3,
                    "min_annual_amount": 1000,
                    "min_single_amount": 200,
                    "min_cumulative_or_potential": 1500,
                }
                for year in range(2021, 2025)
            ]
            + [
                {
                    "year": year,
                    "category": "stable",
                    "consecutive_years": 2,
                    "min_annual_amount": 500,
                    "min_single_amount": 100,
                    "min_cumulative_or_potential": 600,
                }
                for year in range(2021, 2025)
            ]
        )
        cls.product = cls.env["product.product"].create({"name": "Category Test Product", "list_price": 1.0})

    @classmethod
    def _orders(cls, partner, year, amounts, state="sale"):
        orders = cls.env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "date_order": datetime(year, 6, 15, 10, 0),
                    "order_line": [
                        Command.create(
                            {"product_id": cls.product.id, "product_uom_qty": 1, "price_unit": amount}
                        )
                    ],
                }
                for amount in amounts
            ]
        )
        if state != "draft":
            # Confirming hundreds of orders is slow: the state is what the classification reads.
            orders.sudo().write({"state": state})
        return orders

    def _recompute(self, partners=None):
        with freeze_time("2025-02-01"):
            (partners or self.customer).with_user(self.custodian).action_recompute_customer_category()
            self.env.flush_all()
        return (partners or self.customer).customer_category

    def test_key_after_three_consecutive_years_at_threshold(self):
        for year in (2022, 2023, 2024):
            self._orders(self.customer, year, [1000, 500])
        self.assertEqual(self._recompute(), "key")
        message = self.customer.message_ids.filtered("tracking_value_ids")[:1]
        self.assertEqual(message.tracking_value_ids.field_id.name, "customer_category")
        self.assertEqual(message.tracking_value_ids.old_value_char, "General (一般)")
        self.assertEqual(message.tracking_value_ids.new_value_char, "Key (重要)")

    def test_years_before_the_first_rule_use_the_earliest(self):
        # As shipped: rules for the install year and the year before only (2025, 2024 here).
        self.rules.filtered(lambda r: r.year == 2024).copy({"year": 2025})
        self.rules.filtered(lambda r: r.year < 2024).unlink()
        for year in (2022, 2023, 2024):
            self._orders(self.customer, year, [1000, 500])
        self.assertEqual(self._recompute(), "key")

    def test_key_customer_defaults_to_confidential(self):
        confidential = self.env.ref("customer_credit_management.confidentiality_level_confidential")
        for year in (2022, 2023, 2024):
            self._orders(self.customer, year, [1000, 500])
        self.assertLess(self.customer.confidentiality_rank, confidential.rank)
        self.assertEqual(self._recompute(), "key")
        # Proposed, so it applies at once as the stricter level until the director decides.
        self.assertEqual(self.customer.confidentiality_level_proposed_id, confidential)
        self.assertEqual(self.customer.confidentiality_effective_level_id, confidential)
        # The same for a custodian's override.
        other = self.env["res.partner"].create({"name": "Override Key Co", "is_company": True})
        other.with_user(self.custodian).write(
            {
                "customer_category_override": "key",
                "customer_category_override_reason": "Strategic account",
                "customer_key_notes": "<p>Buys our whole range.</p>",
            }
        )
        self.assertEqual(other.confidentiality_effective_level_id, confidential)

    def test_gap_year_not_key(self):
        for year in (2021, 2022, 2024):
            self._orders(self.customer, year, [1500])
        self.assertEqual(self._recompute(), "general")

    def test_two_years_stable(self):
        for year in (2023, 2024):
            self._orders(self.customer, year, [1500])
        self.assertEqual(self._recompute(), "stable")

    def test_single_contract_condition(self):
        for year in (2022, 2023, 2024):
            self._orders(self.customer, year, [150] * 10)
        # 1500 a year, but no single contract of 200: stable, not key.
        self.assertEqual(self._recompute(), "stable")

    def test_cumulative_or_potential_demand(self):
        for year in (2022, 2023, 2024):
            self._orders(self.customer, year, [1200])
        self.assertEqual(self._recompute(), "stable")
        self.customer.sudo().write(
            {"customer_potential_demand": 2000, "customer_key_notes": "<p>Big plans</p>"}
        )
        self.assertEqual(self._recompute(), "key")

    def test_threshold_per_year(self):
        for year in (2022, 2023, 2024):
            self._orders(self.customer, year, [1500])
        self.rules.filtered(lambda r: r.year == 2022 and r.category == "key").min_annual_amount = 2000
        self.assertEqual(self._recompute(), "stable")
        # 2022 at 2000 meets its own year's rule although 2023 and 2024 ask less.
        self._orders(self.customer, 2022, [500])
        self.assertEqual(self._recompute(), "key")

    def test_national_rank_makes_key(self):
        self._orders(self.customer, 2024, [50])
        self.rules.filtered(lambda r: r.year == 2024 and r.category == "key").national_rank_max = 10
        self.customer.sudo().write(
            {"customer_national_rank": 5, "customer_national_rank_basis": "technology"}
        )
        self.assertEqual(self._recompute(), "key")

    def test_override_survives_recompute(self):
        for year in (2023, 2024):
            self._orders(self.customer, year, [1500])
        self.customer.with_user(self.custodian).write(
            {"customer_category_override": "general", "customer_category_override_reason": "Disputes"}
        )
        self.assertEqual(self._recompute(), "general")
        self.assertEqual(self.customer.customer_category_auto, "stable")
        self.customer.with_user(self.custodian).customer_category_override = False
        self.assertEqual(self.customer.customer_category, "stable")

    def test_contact_orders_count_for_company(self):
        for year in (2023, 2024):
            self._orders(self.contact, year, [700])
        order = self._orders(self.contact, 2024, [100], state="draft")
        self.env.company.credit_control_enabled = False
        with freeze_time("2024-07-01"):
            order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(self._recompute(self.contact), "stable")
        self.assertEqual(self.customer.customer_category, "stable")

    def test_cancelled_orders_ignored_and_potential(self):
        for year in (2023, 2024):
            self._orders(self.customer, year, [1500], state="cancel")
        self.assertEqual(self._recompute(), "general")
        self._orders(self.customer, 2024, [10], state="draft")
        self.assertEqual(self._recompute(), "potential")
        other = self.env["res.partner"].create({"name": "Interested", "is_company": True})
        other.with_user(self.custodian).customer_has_intent = True
        self.assertEqual(self._recompute(other), "potential")

    def test_key_requires_notes(self):
        with self.assertRaisesRegex(ValidationError, "key customer"):
            self.customer.with_user(self.custodian).write(
                {"customer_category_override": "key", "customer_category_override_reason": "Strategic"}
            )
        self.customer.with_user(self.custodian).write(
            {
                "customer_category_override": "key",
                "customer_category_override_reason": "Strategic",
                "customer_key_notes": "<p>Board member contacts, yearly review.</p>",
            }
        )
        with self.assertRaisesRegex(ValidationError, "key customer"):
            self.customer.with_user(self.custodian).customer_key_notes = "<p><br></p>"

    def test_recompute_to_key_without_notes_asks_custodian(self):
        for year in (2022, 2023, 2024):
            self._orders(self.customer, year, [1500])
        self.assertEqual(self._recompute(), "key")
        activity = self.customer.activity_ids
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("customer_credit_management.mail_activity_type_customer_key_notes"),
        )
        self.assertEqual(activity.user_id, self.env.company._customer_data_custodian_user())
        self.assertTrue(
            activity.user_id.has_group("customer_credit_management.group_customer_data_custodian")
        )

    def test_only_custodians(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesperson).customer_has_intent = True
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesperson).customer_legal_representative = "Someone"
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesperson).action_recompute_customer_category()
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.salesperson).create(
                {"name": "New", "customer_category_override": "key"}
            )
        self.customer.with_user(self.custodian).customer_legal_representative = "Zhang San"
        self.assertEqual(self.customer.customer_legal_representative, "Zhang San")

    def test_cron(self):
        for year in (2023, 2024):
            self._orders(self.customer, year, [1500])
        with freeze_time("2025-01-01"):
            self.env["res.partner"]._cron_recompute_customer_categories()
        self.assertEqual(self.customer.customer_category, "stable")

    def _customers(self, count):
        partners = self.env["res.partner"].create(
            [{"name": f"Bulk Customer {i}", "is_company": True} for i in range(count)]
        )
        for year in (2022, 2023, 2024):
            for index, partner in enumerate(partners):
                # A third key, a third stable, a third general.
                if index % 3 == 0 or (index % 3 == 1 and year > 2022):
                    self._orders(partner, year, [1500])
        return partners

    def test_recompute_query_count(self):
        warm_up, small, large = self._customers(3), self._customers(10), self._customers(100)
        # The first run fills the caches of access rules and groups; not what is measured.
        self.env.invalidate_all()
        with freeze_time("2025-02-01"):
            warm_up.with_user(self.custodian).action_recompute_customer_category()
            self.env.flush_all()
        self.env.invalidate_all()
        # The same count for 10 and 100 customers, the new key customers' Confidential proposal
        # (one batch write) included.
        with freeze_time("2025-02-01"), self.assertQueryCount(43):
            small.with_user(self.custodian).action_recompute_customer_category()
            self.env.flush_all()
        self.env.invalidate_all()
        with freeze_time("2025-02-01"), self.assertQueryCount(43):
            large.with_user(self.custodian).action_recompute_customer_category()
            self.env.flush_all()
        self.assertEqual(set(large.mapped("customer_category")), {"key", "stable", "general"})


@tagged("post_install", "-at_install")
class TestCustomerFile(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.custodian = new_user(
            cls.env,
            "ccm_file_custodian",
            "base.group_partner_manager,customer_credit_management.group_customer_data_custodian",
        )
        cls.env.company.credit_responsible_id = False
        cls.customer.customer_rank = 1
        cls.verification = cls.env.ref(
            "customer_credit_management.mail_activity_type_customer_data_verification"
        )

    def test_feedback_and_major_changes(self):
        customer = self.customer.with_user(self.custodian)
        customer.write(
            {
                "customer_legal_representative": "Li Si",
                "customer_enterprise_type": "private",
                "customer_major_change_ids": [Command.create({"description": "New owner"})],
                "customer_feedback_ids": [Command.create({"channel": "visit", "satisfaction": 4})],
            }
        )
        self.assertEqual(customer.customer_major_change_ids.user_id, self.custodian)
        # Internal users read the logs, only custodians change them.
        feedback = (
            self.env["customer.feedback"]
            .with_user(self.salesperson)
            .search([("partner_id", "=", customer.id)])
        )
        self.assertEqual(feedback.satisfaction, 4)
        with self.assertRaises(AccessError):
            feedback.write({"satisfaction": 1})
        with self.assertRaises(AccessError):
            self.env["customer.major.change"].with_user(self.salesperson).create(
                {"partner_id": customer.id, "description": "Rumour"}
            )
        with self.assertRaisesRegex(ValidationError, "1 to 5"):
            customer.customer_feedback_ids.satisfaction = 6

    def test_verification_activities_not_duplicated(self):
        self.customer.sudo().data_verified_date = "2024-01-10"
        recent = self.env["res.partner"].create(
            {"name": "Recently Verified", "is_company": True, "customer_rank": 1}
        )
        recent.sudo().data_verified_date = "2025-01-10"
        Partner = self.env["res.partner"]
        with freeze_time("2025-03-01"):
            Partner._cron_customer_data_verification()
            Partner._cron_customer_data_verification()
        activities = self.env["mail.activity"].search(
            [("activity_type_id", "=", self.verification.id), ("res_id", "in", (self.customer | recent).ids)]
        )
        self.assertEqual(activities.res_id, self.customer.id)
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.env.company._customer_data_custodian_user())
        with freeze_time("2025-03-02"):
            self.customer.with_user(self.custodian).action_verify_customer_data()
        self.assertEqual(str(self.customer.data_verified_date), "2025-03-02")
        self.assertEqual(self.customer.data_verified_by_id, self.custodian)
        self.assertFalse(activities.exists())
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesperson).action_verify_customer_data()

    def test_verification_period_setting(self):
        self.customer.sudo().data_verified_date = "2024-10-01"
        with freeze_time("2025-03-01"):
            self.env["res.partner"]._cron_customer_data_verification()
        self.assertFalse(self.customer.activity_ids)
        self.env.company.customer_data_verification_months = 3
        with freeze_time("2025-03-01"):
            self.env["res.partner"]._cron_customer_data_verification()
        self.assertEqual(self.customer.activity_ids.activity_type_id, self.verification)

    def test_profile_card(self):
        self.customer.with_user(self.custodian).write(
            {
                "customer_legal_representative": "Wang Wu",
                "customer_feedback_ids": [
                    Command.create({"satisfaction": 5, "suggestion": "Faster delivery"})
                ],
            }
        )
        self.contact.with_user(self.custodian).customer_interests = "Tea ceremony"
        product = self.env["product.product"].create({"name": "Card Product"})
        order = self.env["sale.order"].create(
            {
                "partner_id": self.contact.id,
                "date_order": datetime(2024, 5, 1),
                "order_line": [Command.create({"product_id": product.id, "price_unit": 1234})],
            }
        )
        order.sudo().state = "sale"
        html, _type = (
            self.env["ir.actions.report"]
            .with_user(self.custodian)
            ._render_qweb_html("customer_credit_management.customer_profile_report", self.customer.ids)
        )
        html = html.decode()
        for text in ("Wang Wu", "Faster delivery", "Tea ceremony", "2024", f"{order.amount_total:,.2f}"):
            self.assertIn(text, html)

    def test_updated_this_week_filter(self):
        arch = self.env.ref("customer_credit_management.res_partner_view_search_customer_file").arch_db
        domain_text = (
            etree.fromstring(arch).xpath("//filter[@name='filter_updated_this_week']")[0].get("domain")
        )
        old = self.env["res.partner"].create({"name": "Untouched Customer", "is_company": True})
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET write_date = %s WHERE id = %s", ("2025-02-20 10:00:00", old.id)
        )
        self.env.cr.execute(
            "UPDATE res_partner SET write_date = %s WHERE id = %s", ("2025-02-27 10:00:00", self.customer.id)
        )
        self.env.invalidate_all()
        with freeze_time("2025-03-01"):
            domain = safe_eval(
                domain_text,
                {"context_today": lambda: datetime(2025, 3, 1).date(), "relativedelta": relativedelta},
            )
        found = self.env["res.partner"].search([*domain, ("id", "in", (old | self.customer).ids)])
        self.assertEqual(found, self.customer)

    def test_duplicate_by_salesperson(self):
        self.customer.with_user(self.custodian).write(
            {"customer_legal_representative": "Zhao Liu", "customer_enterprise_type": "private"}
        )
        duplicate = self.customer.with_user(self.salesperson).copy()
        self.assertFalse(duplicate.customer_legal_representative)
        self.assertEqual(self.customer.with_user(self.custodian).copy().customer_enterprise_type, "private")

    def test_analysis_xlsx(self):
        self.customer.with_user(self.custodian).write(
            {
                "customer_enterprise_type": "public",
                "customer_feedback_ids": [Command.create({"satisfaction": 5})],
            }
        )
        product = self.env["product.product"].create({"name": "Analysis Product"})
        order = self.env["sale.order"].create(
            {
                "partner_id": self.contact.id,
                "date_order": datetime(2024, 5, 1),
                "order_line": [Command.create({"product_id": product.id, "price_unit": 2000})],
            }
        )
        order.sudo().state = "sale"
        wizard = self.env["customer.analysis.wizard"].with_user(self.custodian).create({"year": 2024})
        action = wizard.action_export_xlsx()
        self.assertIn("download=true", action["url"])
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.xlsx_file)))
        rows = {row[0]: row for row in book.worksheets[1].iter_rows(values_only=True)}
        line = rows[self.customer.display_name]
        self.assertEqual(line[2], "Public institution")
        self.assertAlmostEqual(line[5], order.amount_total)
        self.assertEqual(line[8:10], (1, 5))
        characteristics = list(book.worksheets[0].iter_rows(values_only=True))
        self.assertIn(("Public institution", 1), characteristics)
        with self.assertRaises(AccessError):
            self.env["customer.analysis.wizard"].with_user(self.salesperson).create(
                {"year": 2024}
            ).action_export_xlsx()

    def test_analysis_xlsx_export_control(self):
        """A Credit Manager exports the analysis only for customers within clearance or under a
        copy/export grant, like any other export of customer data."""
        director = new_user(
            self.env,
            "ccm_analysis_manager",
            "base.group_partner_manager,customer_credit_management.group_credit_manager",
        )
        secret = self.env.ref("customer_credit_management.confidentiality_level_secret")
        # The manager sees the customer as its salesperson, but its level is above the clearance.
        self.customer.write({"user_id": director.id, "confidentiality_level_proposed_id": secret.id})
        wizard = self.env["customer.analysis.wizard"].with_user(director).create({"year": 2024})
        with self.assertRaises(AccessError):
            wizard.action_export_xlsx()
        self.env["customer.access.grant"].create(
            {
                "user_id": director.id,
                "partner_ids": [Command.set(self.customer.ids)],
                "grant_type": "copy",
                "date_start": datetime(2000, 1, 1),
                "date_end": datetime(2100, 1, 1),
            }
        )
        wizard.action_export_xlsx()
        self.assertTrue(wizard.xlsx_file)
        log = self.env["customer.access.log"].search(
            [("partner_id", "=", self.customer.id), ("user_id", "=", director.id), ("action", "=", "export")]
        )
        self.assertEqual(log.export_field_count, 11)

    def test_monthly_analysis_once_a_month(self):
        """The scheduled action may run twice (a server killed before Odoo stored its next call,
        several servers, a run by hand): still one e-mail per user and month."""
        director = new_user(
            self.env,
            "ccm_monthly_once",
            "base.group_partner_manager,customer_credit_management.group_marketing_director",
            email="once@example.com",
        )
        director.customer_clearance_level_id = self.env.ref(
            "customer_credit_management.confidentiality_level_secret"
        )
        director.with_user(director).write({"customer_analysis_monthly": True})
        Wizard = self.env["customer.analysis.wizard"]

        def mails():
            return self.env["mail.mail"].search_count([("recipient_ids", "in", director.partner_id.ids)])

        with freeze_time("2025-03-01"):
            Wizard._cron_send_monthly_analysis()
        with freeze_time("2025-03-02"):
            Wizard._cron_send_monthly_analysis()
        self.assertEqual(mails(), 1, "one e-mail in March")
        with freeze_time("2025-04-01"):
            Wizard._cron_send_monthly_analysis()
        self.assertEqual(mails(), 2, "the next one in April")

    def test_monthly_analysis_mail(self):
        director = new_user(
            self.env,
            "ccm_monthly_director",
            "base.group_partner_manager,customer_credit_management.group_marketing_director",
            email="director@example.com",
        )
        # Management reads every customer: custodians give it the highest clearance.
        director.customer_clearance_level_id = self.env.ref(
            "customer_credit_management.confidentiality_level_secret"
        )
        seller = new_user(self.env, "ccm_monthly_seller", "base.group_user", email="seller@example.com")
        # Opting in is one's own preference.
        director.with_user(director).write({"customer_analysis_monthly": True})
        seller.with_user(seller).write({"customer_analysis_monthly": True})
        Mail = self.env["mail.mail"]
        with freeze_time("2025-03-01"):
            self.env["customer.analysis.wizard"]._cron_send_monthly_analysis()
        mails = Mail.search(
            [("email_to", "ilike", "example.com"), ("subject", "=", "Customer analysis 2025")]
        )
        self.assertEqual(mails.recipient_ids, director.partner_id, "only who may export the analysis")
        attachment = mails.attachment_ids
        self.assertEqual(attachment.name, "Customer_Analysis_2025.xlsx")
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment.datas)))
        self.assertIn("Customers", book.sheetnames)
