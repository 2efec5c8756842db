from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import is_html_empty

from ..internal_flags import NO_FIELD_TRACKING
from .customer_category_rule import CATEGORY_SELECTION


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ---------------------------------------------------------------------------------------------
    is_external_customer = fields.Boolean(
        string="Is a Customer",
        compute="_compute_is_external_customer",
        search="_search_is_external_customer",
        help="Neither the contact of an employee (internal user) nor an address of one of the "
        "companies: the partners customer lists, analyses and handovers count.",
    )
    customer_category = fields.Selection(
        CATEGORY_SELECTION,
        compute="_compute_customer_category",
        store=True,
        index=True,
        tracking=True,
        help="Category of the commercial entity: its override if a custodian set one, else the "
        "category of the last recompute. Contacts show their company's.",
        write_owner="custodian",
    )
    customer_category_auto = fields.Selection(
        CATEGORY_SELECTION,
        string="Computed Category",
        readonly=True,
        copy=False,
        help="Category from the confirmed orders and the category rules, set by the yearly recompute.",
        write_owner="custodian",
    )
    customer_category_date = fields.Date(
        string="Category Computed On", readonly=True, copy=False, write_owner="custodian"
    )
    customer_category_override = fields.Selection(
        CATEGORY_SELECTION,
        string="Category Override",
        tracking=True,
        copy=False,
        help="Set by a custodian: wins over the computed category and survives every recompute "
        "until removed.",
        write_owner="custodian",
    )
    customer_category_override_reason = fields.Char(
        string="Override Reason", tracking=True, copy=False, write_owner="custodian"
    )
    customer_has_intent = fields.Boolean(
        string="Has Intent to Cooperate",
        tracking=True,
        help="Marked as having a need for our products and the intent to cooperate: without "
        "confirmed orders, such a customer is potential (潜在客户).",
        write_owner="custodian",
    )
    customer_key_notes = fields.Html(
        string="Key Customer Notes",
        help="Detailed notes that the policy requires for every key customer (重要客户详细备注).",
        write_owner="custodian",
    )
    customer_legal_representative = fields.Char(
        string="Legal Representative", tracking=True, write_owner="custodian"
    )
    customer_registered_capital = fields.Monetary(
        string="Registered Capital", tracking=True, write_owner="custodian"
    )
    customer_business_scope = fields.Text(string="Business Scope", write_owner="custodian")
    customer_fax = fields.Char(string="Fax", tracking=True, write_owner="custodian")
    customer_enterprise_type = fields.Selection(
        [
            ("state_owned", "State-owned"),
            ("private", "Private"),
            ("foreign", "Foreign-invested"),
            ("joint_venture", "Joint venture"),
            ("individual", "Individual business"),
            ("public", "Public institution"),
            ("other", "Other"),
        ],
        string="Enterprise Type",
        tracking=True,
        write_owner="custodian",
    )
    customer_date_founded = fields.Date(string="Date Founded", tracking=True, write_owner="custodian")
    customer_potential_demand = fields.Monetary(
        string="Potential Annual Demand",
        tracking=True,
        help="Estimated yearly demand for our products; counts for the cumulative-or-potential "
        "threshold of the category rules.",
        write_owner="custodian",
    )
    customer_national_rank = fields.Integer(
        string="National Ranking",
        tracking=True,
        help="Place of the customer in the national ranking (1 = first); 0 = not ranked.",
        write_owner="custodian",
    )
    customer_national_rank_basis = fields.Selection(
        [("scale", "Scale"), ("technology", "Technology")],
        string="Ranking Basis",
        tracking=True,
        write_owner="custodian",
    )
    customer_financial_notes = fields.Text(string="Financial Status", write_owner="custodian")
    customer_birth_date = fields.Date(string="Birth Date", write_owner="custodian")
    customer_gender = fields.Selection(
        [("male", "Male"), ("female", "Female"), ("other", "Other")],
        string="Gender",
        write_owner="custodian",
    )
    customer_education = fields.Selection(
        [
            ("secondary", "Secondary school or below"),
            ("college", "College"),
            ("bachelor", "Bachelor"),
            ("master", "Master or above"),
        ],
        string="Education",
        write_owner="custodian",
    )
    customer_income_band = fields.Selection(
        [("low", "Low"), ("middle", "Middle"), ("high", "High")],
        string="Income Band",
        write_owner="custodian",
    )
    customer_interests = fields.Text(
        string="Interests", help="Interests of the contact (兴趣、爱好).", write_owner="custodian"
    )
    customer_habits = fields.Text(
        string="Habits", help="Habits of the contact (习惯).", write_owner="custodian"
    )
    customer_major_change_ids = fields.One2many(
        "customer.major.change", "partner_id", string="Major Changes", write_owner="custodian"
    )
    customer_feedback_ids = fields.One2many(
        "customer.feedback", "partner_id", string="Feedback", write_owner="custodian"
    )
    data_verified_date = fields.Date(
        string="Data Verified On", tracking=True, copy=False, write_owner="custodian"
    )
    data_verified_by_id = fields.Many2one("res.users", copy=False, write_owner="custodian")

    customer_can_edit_file = fields.Boolean(compute="_compute_customer_can_edit_file")

    def _compute_customer_can_edit_file(self):
        self.customer_can_edit_file = self.env.user.has_group(
            "customer_credit_management.group_customer_data_custodian"
        )

    @api.depends(
        "commercial_partner_id.customer_category_auto", "commercial_partner_id.customer_category_override"
    )
    def _compute_customer_category(self):
        for partner in self:
            commercial = partner.commercial_partner_id
            partner.customer_category = (
                commercial.customer_category_override or commercial.customer_category_auto or "general"
            )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        # A duplicate leaves behind what its author may not write (customer file, credit terms);
        # what the caller asks for explicitly is checked by create.
        for vals in vals_list:
            for name in self._protected_fields_denied(vals.keys() - set(default or ())):
                vals.pop(name)
        return vals_list

    @api.model
    def _customer_is_custodian(self):
        return self.env.su or self.env.user.has_group(
            "customer_credit_management.group_customer_data_custodian"
        )

    @api.constrains("customer_category_override", "customer_key_notes")
    def _check_customer_key_notes(self):
        # Manual path only: the recompute may make a customer key without notes and then asks the
        # custodian for them with an activity instead of failing the cron.
        for partner in self:
            if partner.customer_category == "key" and is_html_empty(partner.customer_key_notes):
                raise ValidationError(
                    self.env._(
                        "%(partner)s is a key customer: write detailed notes (Key Customer Notes) "
                        "before saving, as the customer data policy requires.",
                        partner=partner.display_name,
                    )
                )

    @api.model
    def _customer_category_year(self):
        """The year the classification judges: the last complete calendar year."""
        return self.env.context.get("customer_category_year") or fields.Date.context_today(self).year - 1

    def _customer_category_amounts(self):
        """{commercial id: {year: (annual amount, largest order)}}, the ids of customers with a
        confirmed order in any year and of those with open quotations, in one query. Amounts are in
        company currency; orders of contacts count for their company."""
        amounts, quoted = self.env["sale.order"]._order_volumes(self.ids)
        return amounts, set(amounts), quoted

    def _customer_profile_sales(self):
        """[(year, annual amount, largest order)] of this customer, newest first, for the profile card."""
        self.ensure_one()
        amounts = self.commercial_partner_id._customer_category_amounts()[0]
        by_year = amounts.get(self.commercial_partner_id.id, {})
        return [(year, *by_year[year]) for year in sorted(by_year, reverse=True)]

    def _customer_category_opportunities(self):
        """Ids of the customers with an open CRM opportunity, when CRM is installed."""
        if "crm.lead" not in self.env:
            return set()
        groups = (
            self.env["crm.lead"]
            .sudo()
            ._read_group(
                [
                    ("type", "=", "opportunity"),
                    ("partner_id", "child_of", self.ids),
                    ("probability", "<", 100),
                ],
                ["partner_id"],
            )
        )
        return set(self.env["res.partner"].browse([p.id for [p] in groups]).commercial_partner_id.ids)

    @api.model
    def _not_customer_partner_ids(self):
        """The companies' own partners and the contacts of internal users (archived too)."""
        companies = self.env["res.company"].sudo().with_context(active_test=False).search([])
        users = self.env["res.users"].sudo().with_context(active_test=False)
        employees = users.search([("share", "=", False)])
        return companies.partner_id.ids, employees.partner_id.ids

    def _compute_is_external_customer(self):
        companies, employees = self._not_customer_partner_ids()
        for partner in self:
            partner.is_external_customer = (
                partner.commercial_partner_id.id not in companies and partner.id not in employees
            )

    def _search_is_external_customer(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Is a Customer."))
        companies, employees = self._not_customer_partner_ids()
        if (operator == "=") == value:
            return [("commercial_partner_id", "not in", companies), ("id", "not in", employees)]
        return ["|", ("commercial_partner_id", "in", companies), ("id", "in", employees)]

    def _customer_category_classify(self, year):
        """{commercial partner: category} for the year, from the rules and the confirmed orders."""
        rules = self.env["customer.category.rule"].search([])
        Rule = self.env["customer.category.rule"]
        amounts, sold, quoted = self._customer_category_amounts()
        quoted |= self._customer_category_opportunities()
        key_rule = Rule._rule_for(rules, "key", year)
        stable_rule = Rule._rule_for(rules, "stable", year)

        def meets(partner, category, rule):
            if not rule:
                return False
            by_year = amounts.get(partner.id, {})
            for past in range(year - rule.consecutive_years + 1, year + 1):
                # Each year is judged by its own year's thresholds.
                past_rule = Rule._rule_for(rules, category, past)
                total, largest = by_year.get(past, (0.0, 0.0))
                if not (
                    past_rule
                    and total > 0
                    and total >= past_rule.min_annual_amount
                    and largest >= past_rule.min_single_amount
                    and max(total, partner.customer_potential_demand) >= past_rule.min_cumulative_or_potential
                ):
                    return False
            return True

        result = {}
        for partner in self:
            ranked = (
                key_rule.national_rank_max
                and 0 < partner.customer_national_rank <= key_rule.national_rank_max
                and year in amounts.get(partner.id, {})
            )
            if ranked or meets(partner, "key", key_rule):
                result[partner] = "key"
            elif meets(partner, "stable", stable_rule):
                result[partner] = "stable"
            elif partner.id not in sold and (partner.customer_has_intent or partner.id in quoted):
                result[partner] = "potential"
            else:
                result[partner] = "general"
        return result

    def action_recompute_customer_category(self):
        """Classify these customers (their commercial entities) again: a fixed number of queries
        whatever their number; each change of category is logged in the customer's chatter."""
        if not self._customer_is_custodian():
            raise AccessError(self.env._("Only a customer data custodian can recompute customer categories."))
        partners = self.commercial_partner_id.sudo()
        if not partners:
            return True
        year = self._customer_category_year()
        new_auto = partners._customer_category_classify(year)
        before = {partner: partner.customer_category for partner in partners}
        changed = {}
        for partner, category in new_auto.items():
            if partner.customer_category_auto != category:
                changed.setdefault(category, []).append(partner.id)
        today = fields.Date.context_today(self)
        # Logged below in one batch; the ORM's tracking would post one message per customer.
        untracked = partners.with_context(mail_notrack=True)
        with NO_FIELD_TRACKING.on():
            for category, ids in changed.items():
                untracked.browse(ids).write({"customer_category_auto": category})
            untracked.write({"customer_category_date": today})
        moved = partners.filtered(lambda p: p.customer_category != before[p])
        self._customer_category_log_changes(moved, before)
        new_key = moved.filtered(lambda p: p.customer_category == "key")
        self._customer_category_request_key_notes(
            new_key.filtered(lambda p: is_html_empty(p.customer_key_notes))
        )
        new_key._confidentiality_default_for_key()
        return True

    def _customer_category_log_changes(self, partners, before):
        if not partners:
            return
        field_info = self.fields_get(["customer_category"])["customer_category"]
        Tracking = self.env["mail.tracking.value"].sudo()
        author_id, email_from = self.env["mail.thread"]._message_compute_author(
            self.env.user.partner_id.id, raise_on_email=False
        )
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        # Every value the message would compute record by record is given, and the tracking values
        # are created in one batch: the log costs the same few queries for 10 or 1000 customers.
        messages = (
            self.env["mail.message"]
            .sudo()
            .create(
                [
                    {
                        "model": "res.partner",
                        "res_id": partner.id,
                        "message_type": "notification",
                        "subtype_id": subtype_id,
                        "author_id": author_id,
                        "email_from": email_from,
                        "reply_to": email_from,
                        "record_name": partner.display_name,
                        "body": "",
                    }
                    for partner in partners
                ]
            )
        )
        Tracking.create(
            [
                dict(
                    Tracking._create_tracking_values(
                        before[partner], partner.customer_category, "customer_category", field_info, partner
                    ),
                    mail_message_id=message.id,
                )
                for partner, message in zip(partners, messages, strict=True)
            ]
        )

    def _customer_category_request_key_notes(self, partners):
        user = self.env.company._customer_data_custodian_user()
        activity_type = self.env.ref("customer_credit_management.mail_activity_type_customer_key_notes")
        partners._customer_schedule_activities(activity_type, user)

    def _customer_schedule_activities(self, activity_type, user, note=None):
        """One activity of ``activity_type`` for ``user`` on each of these partners that has none yet,
        created in one batch; ``note`` gives each partner's note."""
        if not self or not user:
            return
        already = {
            res_id
            for [res_id] in self.env["mail.activity"]._read_group(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", activity_type.id),
                ],
                ["res_id"],
            )
        }
        model_id = self.env["ir.model"]._get_id("res.partner")
        deadline = fields.Date.context_today(self) + relativedelta(days=activity_type.delay_count)
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "date_deadline": deadline,
                    "summary": activity_type.summary,
                    "note": note(partner) if note else False,
                }
                for partner in self
                if partner.id not in already
            ]
        )

    @api.model
    def _cron_recompute_customer_categories(self):
        ordering = (
            self.env["sale.order"]
            .sudo()
            ._read_group([("state", "in", ("sale", "draft", "sent"))], ["partner_id"])
        )
        customers = self.browse([partner.id for [partner] in ordering]).commercial_partner_id | self.search(
            ["|", ("customer_has_intent", "=", True), ("customer_category_auto", "!=", False)]
        )
        customers.action_recompute_customer_category()
        return True

    def action_verify_customer_data(self):
        """Mark the customer file as checked today (the yearly verification of the policy)."""
        if not self._customer_is_custodian():
            raise AccessError(self.env._("Only a customer data custodian can verify customer data."))
        self.commercial_partner_id.write(
            {"data_verified_date": fields.Date.context_today(self), "data_verified_by_id": self.env.uid}
        )
        activity_type = self.env.ref(
            "customer_credit_management.mail_activity_type_customer_data_verification"
        )
        self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", self.commercial_partner_id.ids),
                ("activity_type_id", "=", activity_type.id),
            ]
        ).action_feedback()
        return True

    @api.model
    def _cron_customer_data_verification(self):
        """One to-do per customer whose file was not verified within the company's period, for the
        custodian in charge; a customer that already has one gets no second."""
        activity_type = self.env.ref(
            "customer_credit_management.mail_activity_type_customer_data_verification"
        )
        today = fields.Date.context_today(self)
        for company in self.env["res.company"].search([]):
            user = company._customer_data_custodian_user()
            if not user:
                continue
            limit = today - relativedelta(months=company.customer_data_verification_months)
            stale = self.search(
                [
                    ("company_id", "in", (company.id, False)),
                    ("customer_rank", ">", 0),
                    "|",
                    ("is_company", "=", True),
                    ("parent_id", "=", False),
                    "|",
                    ("data_verified_date", "<", limit),
                    "&",
                    ("data_verified_date", "=", False),
                    ("create_date", "<", fields.Datetime.to_datetime(limit)),
                ]
            )
            stale._customer_schedule_activities(activity_type, user)
        return True
