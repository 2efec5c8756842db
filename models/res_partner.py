import logging
from datetime import date

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules import module as odoo_module
from odoo.sql_db import TestCursor
from odoo.tools import SQL, escape_psql, is_html_empty

from .customer_access_log import EXPORT_GRANT_TYPES
from .customer_category_rule import CATEGORY_SELECTION
from .internal_flags import NO_APPROVAL_TODO

_logger = logging.getLogger(__name__)

CUSTODIAN_GROUP = "customer_credit_management.group_customer_data_custodian"
DIRECTOR_GROUP = "customer_credit_management.group_marketing_director"
LEVEL_FIELDS = {"confidentiality_level_id", "confidentiality_level_proposed_id"}
# Context of the access request's customer field: find a customer one may not read yet.
ACCESS_REQUEST_LOOKUP = "customer_access_request_lookup"

CREDIT_MANAGER_GROUP = "customer_credit_management.group_credit_manager"
# Who may write a field is declared on the field (``write_owner=``), so that the next field of a
# concern is protected where it is written down: "credit" (Credit Manager), "native_credit" (Odoo's
# own credit limit: Credit Manager or accounting administrator), "custodian" (customer
# data custodian), "confidentiality" (the level workflow, ``_check_confidentiality_write``). A computed
# field with an owner is never written by a caller, only computed. Test: test_field_protection.
WRITE_OWNER = "write_owner"
# Who may write the fields of each owner (any of the groups). Odoo's own credit limit is also
# Odoo's accounting administrators' (Odoo's "credit limit" warning is theirs to configure; the
# module's enforcement never reads it, it only keeps it equal to the credit line).
OWNER_GROUPS = {
    "credit": (CREDIT_MANAGER_GROUP,),
    "native_credit": (CREDIT_MANAGER_GROUP, "account.group_account_manager"),
    "custodian": (CUSTODIAN_GROUP,),
}
PERIOD_DAYS = {"quarter": 90, "month": 30}
# Holds set by collection letters, lifted when the customer has paid.
COLLECTION_REASONS = ("collection", "litigation")


def previous_period(period, today):
    """(first day, first day of the next) of the calendar quarter or month before ``today``'s."""
    if period == "month":
        end = today.replace(day=1)
        return end - relativedelta(months=1), end
    end = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return end - relativedelta(months=3), end


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "customer.access.logged.mixin"]
    _customer_access_open_action = "open"

    credit_score = fields.Float(
        digits=(5, 2),
        tracking=True,
        help="Credit score from 0 to 100 given by the last approved credit evaluation. "
        "Kept on the commercial entity; its contacts and addresses share it.",
        write_owner="credit",
    )
    credit_score_date = fields.Date(
        string="Last Evaluation",
        tracking=True,
        help="Date of the credit evaluation behind the score. A customer without it has "
        "not been scored and has no grade.",
        write_owner="credit",
    )
    credit_grade_id = fields.Many2one(
        "credit.grade",
        compute="_compute_credit_grade_id",
        store=True,
        index="btree_not_null",
        help="Grade of the commercial entity, from its credit score and the grade table.",
        write_owner="credit",
    )
    credit_grade_recommendation = fields.Text(related="credit_grade_id.recommendation", string="Grade Policy")
    credit_can_edit_score = fields.Boolean(compute="_compute_credit_can_edit_score")
    credit_evaluation_id = fields.Many2one(
        "credit.evaluation",
        string="Current Evaluation",
        readonly=True,
        copy=False,
        help="The approved credit evaluation behind the score.",
        write_owner="credit",
    )
    credit_evaluation_count = fields.Integer(compute="_compute_credit_evaluation_count")
    credit_reevaluation_due = fields.Boolean(
        string="Re-evaluation Due",
        compute="_compute_credit_reevaluation_due",
        search="_search_credit_reevaluation_due",
        help="The last approved evaluation is older than the re-evaluation period of the company.",
    )

    credit_term_days_override = fields.Integer(
        string="Credit Term Override (Days)",
        tracking=True,
        help="Set by a Credit Manager; 0 uses the industry's standard term, else the payment term.",
        write_owner="credit",
    )
    credit_term_days = fields.Integer(
        string="Credit Term (Days)",
        compute="_compute_credit_term_days",
        help="Days allowed between purchase and payment: the override, else the industry's "
        "standard term, else the longest term of the customer's payment terms.",
    )
    credit_limit_period = fields.Selection(
        [("quarter", "Last quarter"), ("month", "Last month")],
        string="Limit Basis",
        company_dependent=True,
        default="quarter",
        help="Credit limit = last quarter's confirmed orders × term / 90, or last month's × term / 30.",
        write_owner="credit",
    )
    # Company-dependent fields cannot be Monetary: Float with the accounting precision.
    credit_limit_computed = fields.Float(
        string="Computed Credit Limit",
        digits="Account",
        company_dependent=True,
        readonly=True,
        help="From the confirmed orders of the previous period; recomputed at each period start.",
        write_owner="credit",
    )
    credit_limit_date = fields.Date(
        string="Limit Computed On", company_dependent=True, readonly=True, write_owner="credit"
    )
    credit_limit_manual = fields.Boolean(
        string="Manual Credit Limit",
        company_dependent=True,
        help="Use the manual limit below.",
        write_owner="credit",
    )
    credit_limit_manual_base = fields.Float(
        string="Manual Limit", digits="Account", company_dependent=True, write_owner="credit"
    )
    credit_limit_manual_reason = fields.Char(
        string="Reason for Manual Limit", company_dependent=True, write_owner="credit"
    )
    credit_limit_base = fields.Monetary(
        string="Policy Credit Limit",
        compute="_compute_credit_line",
        help="Credit limit of the credit policy (信用限额): the manual limit, else the computed one.",
    )
    credit_risk_factor = fields.Float(
        string="Risk Factor",
        compute="_compute_credit_line",
        digits=(4, 2),
        help="From the credit grade, else the company's default factor.",
    )
    credit_line = fields.Monetary(
        compute="_compute_credit_line", help="Credit limit × risk correction factor (赊销额度)."
    )
    credit_exposure = fields.Monetary(
        compute="_compute_credit_exposure",
        help="Unpaid receivables + draft invoices + confirmed orders not yet invoiced.",
    )
    credit_available = fields.Monetary(compute="_compute_credit_exposure")
    credit_exceeded = fields.Boolean(
        string="Over Credit Line", compute="_compute_credit_exposure", search="_search_credit_exceeded"
    )
    credit_hold = fields.Boolean(
        string="On Credit Hold",
        tracking=True,
        copy=False,
        help="No order is confirmed and nothing ships to a customer on hold.",
        write_owner="credit",
    )
    credit_hold_reason = fields.Selection(
        [
            ("manual", "Set by a Credit Manager"),
            ("overdue", "Receivables long overdue"),
            ("collection", "In collection"),
            ("litigation", "Pre-litigation"),
        ],
        tracking=True,
        copy=False,
        write_owner="credit",
    )
    credit_hold_note = fields.Char(string="Hold Note", copy=False, write_owner="credit")

    @api.depends("credit_term_days_override", "industry_id.credit_term_days", "property_payment_term_id")
    @api.depends_context("company")
    def _compute_credit_term_days(self):
        for partner in self:
            commercial = partner.commercial_partner_id
            partner.credit_term_days = (
                commercial.credit_term_days_override
                or commercial.industry_id.credit_term_days
                or max(commercial.property_payment_term_id.line_ids.mapped("nb_days"), default=0)
            )

    @api.depends_context("company")
    @api.depends(
        "commercial_partner_id.credit_limit_manual",
        "commercial_partner_id.credit_limit_manual_base",
        "commercial_partner_id.credit_limit_computed",
        "credit_grade_id.risk_factor",
    )
    def _compute_credit_line(self):
        # Just these columns: a plain first read would fetch the partners' fifty others too, and
        # the line is read before every confirmation.
        self.commercial_partner_id.fetch(
            ["credit_limit_manual", "credit_limit_manual_base", "credit_limit_computed"]
        )
        default_factor = self.env.company.credit_default_risk_factor
        # The amounts are the current company's: its currency, not the partner's currency_id, which
        # an onchange may send empty (a new contact in a dialog).
        currency = self.env.company.currency_id
        for partner in self:
            commercial = partner.commercial_partner_id
            base = (
                commercial.credit_limit_manual_base
                if commercial.credit_limit_manual
                else commercial.credit_limit_computed
            )
            factor = partner.credit_grade_id.risk_factor if partner.credit_grade_id else default_factor
            partner.credit_limit_base = base
            partner.credit_risk_factor = factor
            partner.credit_line = currency.round(base * factor)

    @api.depends("credit_line")
    @api.depends_context("company")
    def _compute_credit_exposure(self):
        exposure = self.env["credit.exposure"]._exposure_by_partner(
            self.commercial_partner_id.ids, self.env.company
        )
        currency = self.env.company.currency_id
        for partner in self:
            # _origin: a contact edited in a form is a new record whose origin holds the exposure.
            partner.credit_exposure = exposure.get(partner.commercial_partner_id._origin.id, 0.0)
            partner.credit_available = partner.credit_line - partner.credit_exposure
            partner.credit_exceeded = currency.compare_amounts(partner.credit_available, 0) < 0

    def _search_credit_exceeded(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Over Credit Line."))
        exposure = self.env["credit.exposure"]._exposure_by_partner(None, self.env.company)
        # Only ids leave this method, and the search they end in applies the user's rules: the
        # lines are computed in sudo so that a customer the user may not read does not stop it.
        candidates = self.sudo().browse([pid for pid, amount in exposure.items() if amount > 0])
        exceeded = candidates.filtered("credit_exceeded")
        domain = [("commercial_partner_id", "in", exceeded.ids)]
        return domain if (operator == "=") == value else ["!", *domain]

    def action_compute_credit_limit(self):
        """Recompute the credit limit of these customers (their commercial entities) in the current
        company from the confirmed orders of the previous quarter or month, in two queries."""
        if not (self.env.su or self.env.user.has_group("customer_credit_management.group_credit_manager")):
            raise AccessError(self.env._("Only a Credit Manager can recompute credit limits."))
        company = self.env.company
        partners = self.commercial_partner_id
        if not partners:
            return True
        today = fields.Date.context_today(self)
        quarter_start, quarter_end = previous_period("quarter", today)
        month_start, month_end = previous_period("month", today)
        self.env["sale.order"].flush_model(
            ["state", "company_id", "date_order", "amount_total", "currency_rate"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner.commercial_partner_id,
                       SUM(so.amount_total / so.currency_rate)
                           FILTER (WHERE so.date_order >= %(q_start)s AND so.date_order < %(q_end)s),
                       SUM(so.amount_total / so.currency_rate)
                           FILTER (WHERE so.date_order >= %(m_start)s AND so.date_order < %(m_end)s)
                  FROM sale_order so
                  JOIN res_partner partner ON partner.id = so.partner_id
                 WHERE so.state = 'sale'
                   AND so.company_id = %(company)s
                   AND so.date_order >= %(start)s AND so.date_order < %(end)s
                   AND partner.commercial_partner_id = ANY(%(ids)s)
              GROUP BY 1
                """,
                q_start=quarter_start,
                q_end=quarter_end,
                m_start=month_start,
                m_end=month_end,
                start=min(quarter_start, month_start),
                end=max(quarter_end, month_end),
                company=company.id,
                ids=partners.ids,
            )
        )
        volumes = {partner_id: (quarter or 0.0, month or 0.0) for partner_id, quarter, month in rows}
        limits = []
        for partner in partners.with_company(company):
            quarter, month = volumes.get(partner.id, (0.0, 0.0))
            period = partner.credit_limit_period or "quarter"
            volume = quarter if period == "quarter" else month
            limits.append(company.currency_id.round(volume * partner.credit_term_days / PERIOD_DAYS[period]))
        self._credit_store_limits(partners, limits, company, today)
        return True

    def _credit_store_limits(self, partners, limits, company, today):
        # One UPDATE for all customers: company-dependent values are jsonb keyed by company.
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner partner
                   SET credit_limit_computed = COALESCE(partner.credit_limit_computed, '{}'::jsonb)
                           || jsonb_build_object(%(company)s::text, new.amount),
                       credit_limit_date = COALESCE(partner.credit_limit_date, '{}'::jsonb)
                           || jsonb_build_object(%(company)s::text, %(today)s::date)
                  FROM unnest(%(ids)s::int[], %(amounts)s::numeric[]) AS new(id, amount)
                 WHERE partner.id = new.id
                """,
                company=str(company.id),
                today=today,
                ids=partners.ids,
                amounts=limits,
            )
        )
        partners.invalidate_recordset(["credit_limit_computed", "credit_limit_date"])
        # Raw SQL bypasses the ORM's dependencies: forget what was computed from the old limits.
        self.env["res.partner"].invalidate_model(
            ["credit_limit_base", "credit_line", "credit_available", "credit_exceeded"]
        )
        partners._credit_sync_native_limit(company)

    def _credit_sync_native_limit(self, company):
        """Keep Odoo's own credit limit equal to the credit line, so its warnings agree with ours."""
        partners = self.with_company(company)
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner partner
                   SET credit_limit = COALESCE(partner.credit_limit, '{}'::jsonb)
                           || jsonb_build_object(%(company)s::text, new.amount)
                  FROM unnest(%(ids)s::int[], %(amounts)s::numeric[]) AS new(id, amount)
                 WHERE partner.id = new.id
                """,
                company=str(company.id),
                ids=partners.ids,
                amounts=[partner.credit_line for partner in partners],
            )
        )
        partners.invalidate_recordset(["credit_limit"])

    @api.model
    def _cron_compute_credit_limits(self):
        for company in self.env["res.company"].search([]):
            customers = self.with_company(company).search(
                [("customer_rank", ">", 0), "|", ("is_company", "=", True), ("parent_id", "=", False)]
            )
            customers.with_company(company).action_compute_credit_limit()

    @api.model
    def _cron_credit_hold_overdue(self):
        """Put on hold the customers with receivables overdue longer than their company allows, and
        lift the holds this rule set once nothing is that late any more, in any company."""
        Receivable = self.env["credit.receivable"]
        today = fields.Date.context_today(self)
        late_ids = set()
        for company in self.env["res.company"].search([]):
            rows = Receivable.get_aging_by_partner(
                today, company, bucket_limits=(company.credit_overdue_hold_days,)
            )
            late_ids.update(row["partner_id"] for row in rows if row["partner_id"] and row["b2"] > 0)
        late = self.browse(sorted(late_ids))
        late.filtered(lambda p: not p.credit_hold).write(
            {"credit_hold": True, "credit_hold_reason": "overdue"}
        )
        settled = self.search([("credit_hold_reason", "=", "overdue"), ("id", "not in", late.ids)])
        settled.write({"credit_hold": False, "credit_hold_reason": False})

    def action_credit_hold(self):
        return self.write({"credit_hold": True, "credit_hold_reason": "manual"})

    def action_credit_release_hold(self):
        return self.write({"credit_hold": False, "credit_hold_reason": False, "credit_hold_note": False})

    def _compute_credit_evaluation_count(self):
        counts = dict(
            self.env["credit.evaluation"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.credit_evaluation_count = counts.get(partner.commercial_partner_id, 0)

    @api.model
    def _credit_reevaluation_limit(self):
        months = self.env.company.credit_reevaluation_months
        return fields.Date.context_today(self) - relativedelta(months=months)

    @api.depends("commercial_partner_id.credit_score_date")
    @api.depends_context("company")
    def _compute_credit_reevaluation_due(self):
        limit = self._credit_reevaluation_limit()
        for partner in self:
            date = partner.commercial_partner_id.credit_score_date
            partner.credit_reevaluation_due = bool(date and date < limit)

    def _search_credit_reevaluation_due(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Re-evaluation Due."))
        # On ids in SQL: the path would search the commercial entities under the user's rules.
        self.flush_model(["credit_score_date"])
        domain = [
            (
                "commercial_partner_id",
                "in",
                SQL(
                    "(SELECT id FROM res_partner WHERE credit_score_date < %s)",
                    self._credit_reevaluation_limit(),
                ),
            )
        ]
        return domain if (operator == "=") == value else ["!", *domain]

    def action_open_credit_evaluations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_credit_management.credit_evaluation_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    @api.model
    def _cron_schedule_credit_reevaluations(self):
        """Give the credit manager one to-do per customer whose evaluation is out of date."""
        partners = self.search(
            [
                ("credit_reevaluation_due", "=", True),
                "|",
                ("is_company", "=", True),
                ("parent_id", "=", False),
            ]
        )
        activity_type = self.env.ref("customer_credit_management.mail_activity_type_credit_reevaluation")
        partners._customer_schedule_activities(
            activity_type,
            self.env.company._credit_responsible_user(),
            note=lambda partner: self.env._(
                "The last credit evaluation of %(partner)s dates from %(date)s: evaluate the customer again.",
                partner=partner.display_name,
                date=partner.credit_score_date,
            ),
        )
        return True

    def _compute_credit_can_edit_score(self):
        self.credit_can_edit_score = self.env.user.has_group(
            "customer_credit_management.group_credit_manager"
        )

    @api.depends("commercial_partner_id.credit_score", "commercial_partner_id.credit_score_date")
    def _compute_credit_grade_id(self):
        scored = self.filtered(lambda p: p.commercial_partner_id.credit_score_date)
        (self - scored).credit_grade_id = False
        if not scored:
            return
        Grade = self.env["credit.grade"].sudo()
        grades = Grade.search([("active", "=", True)])
        for partner in scored:
            partner.credit_grade_id = Grade._grade_for_score(
                partner.commercial_partner_id.credit_score, grades=grades
            )

    # Odoo's own limit: kept equal to the credit line (``_credit_sync_native_limit``).
    credit_limit = fields.Float(write_owner="native_credit")
    use_partner_credit_limit = fields.Boolean(write_owner="native_credit")

    @api.model
    def _valid_field_parameter(self, field, name):
        return name == WRITE_OWNER or super()._valid_field_parameter(field, name)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # What the caller sets, its context's defaults included (they are filled in later).
            given = {**self._context_defaults(), **vals}
            self._check_protected_field_write(given, creating=True)
            self._check_confidentiality_write(given, creating=True)
            self._stamp_credit_score_date(vals)
        partners = super().create(vals_list)
        partners._check_salesperson_clearance()
        partners.filtered(lambda p: p.customer_category_override == "key")._confidentiality_default_for_key()
        return partners

    def write(self, vals):
        self._check_protected_field_write(vals)
        self._check_confidentiality_write(vals)
        self._stamp_credit_score_date(vals)
        reassigned = self.filtered(lambda p: p.user_id.id != vals["user_id"]) if vals.get("user_id") else None
        if (
            vals.keys() == {"confidentiality_level_proposed_id"}
            and not self.env.su
            and self.env.user.has_group(CUSTODIAN_GROUP)
        ):
            # Custodians propose levels without the right to edit every contact.
            self.check_access("read")
            result = super(ResPartner, self.sudo()).write(vals)
        elif self._module_fields_only(vals):
            self._check_module_fields_write(vals)
            result = super(ResPartner, self.sudo()).write(vals)
        else:
            result = super().write(vals)
        if reassigned:
            reassigned._check_salesperson_clearance()
        if vals.get("confidentiality_level_proposed_id") and not NO_APPROVAL_TODO:
            self._schedule_confidentiality_approval()
        if vals.get("customer_category_override") == "key":
            self.commercial_partner_id._confidentiality_default_for_key()
        return result

    @api.model
    def _context_defaults(self):
        return {
            key[8:]: value
            for key, value in self.env.context.items()
            if key.startswith("default_") and key[8:] in self._fields
        }

    @api.model
    def _protected_field_owners(self):
        """{field name: owner} of the fields that declare who may write them (``write_owner``)."""
        return {
            name: field.write_owner
            for name, field in self._fields.items()
            if getattr(field, WRITE_OWNER, None)
        }

    @api.model
    def _protected_fields_denied(self, vals, creating=False):
        """{field name: reason} of the protected fields in ``vals`` the current user may not write.

        The one decision on who writes the credit and classification fields: a computed one nobody
        (it follows its inputs), the others their owner group. The level fields are left to their
        workflow (``_check_confidentiality_write``). When creating, a field left at its default
        (empty, or the field's own default) is not a change. A privileged path of the module (e.g.
        a merge that keeps the values) calls this and drops or refuses what it returns.
        """
        if self.env.su:
            return {}
        denied = {}
        owned = {}
        for name in vals:
            field = self._fields.get(name)
            owner = field and getattr(field, WRITE_OWNER, None)
            if not owner:
                continue
            if creating:
                value = vals[name]
                if not value or (field.default and value == field.default(self)):
                    continue
            if field.compute and field.readonly:
                denied[name] = self.env._(
                    "%(field)s is computed: it cannot be written.", field=field._description_string(self.env)
                )
            elif owner in OWNER_GROUPS:
                if owner not in owned:
                    owned[owner] = any(self.env.user.has_group(group) for group in OWNER_GROUPS[owner])
                if not owned[owner]:
                    denied[name] = (
                        self.env._(
                            "Only a Credit Manager can change a customer's credit score, limit, term or hold."
                        )
                        if owner != "custodian"
                        else self.env._(
                            "Only a customer data custodian (customer service) can change a customer's "
                            "classification or customer file."
                        )
                    )
        return denied

    @api.model
    def _check_protected_field_write(self, vals, creating=False):
        denied = self._protected_fields_denied(vals, creating=creating)
        if denied:
            raise AccessError(next(iter(denied.values())))

    def _check_salesperson_clearance(self):
        """SPEC B4: giving a customer above a user's clearance to that user as salesperson (who then
        reads it) is a custodian's decision. Only the commercial entity's salesperson reads it (a
        contact takes its company's salesperson and grants nothing)."""
        if self.env.su or self.env.user.has_group(CUSTODIAN_GROUP):
            return
        for partner in self.sudo().filtered(lambda p: p.user_id and p == p.commercial_partner_id):
            user = partner.user_id
            if partner.confidentiality_rank > (user.customer_clearance_level_id.rank or 0):
                raise AccessError(
                    self.env._(
                        "%(user)s is not cleared for the confidentiality level of %(partner)s: only a "
                        "customer data custodian can make them its salesperson.",
                        user=user.name,
                        partner=partner.display_name,
                    )
                )

    def _module_fields_only(self, vals):
        return bool(vals) and not self.env.su and vals.keys() <= self._protected_field_owners().keys()

    def _check_module_fields_write(self, vals):
        """The module's own fields (credit, customer file, proposed level) are written as
        superuser once the module's own checks passed: a credit manager or custodian needs no
        Odoo right on contacts for them. The checks run here again, so that path never goes
        around them."""
        self._check_protected_field_write(vals)
        self._check_confidentiality_write(vals)
        self.check_access("read")

    @api.model
    def _module_editable_fields(self):
        """The partner fields the current user may change by the module's groups alone."""
        custodian = self.env.user.has_group(CUSTODIAN_GROUP)
        return {
            name
            for name, owner in self._protected_field_owners().items()
            if (owner in OWNER_GROUPS and not self._protected_fields_denied({name: True}))
            or (custodian and name == "confidentiality_level_proposed_id")
        }

    @api.model
    def get_view(self, view_id=None, view_type="form", **options):
        result = super().get_view(view_id, view_type, **options)
        if view_type != "form" or self.env.su or self.has_access("write"):
            return result
        editable = self._module_editable_fields()
        if not editable:
            return result
        # Without Odoo's right to edit contacts the form is read-only; credit managers and
        # custodians may still change the module's fields (written in sudo after _check_module_fields_write):
        # the form opens for editing with every other field of the partner read-only.
        arch = etree.fromstring(result["arch"])
        arch.set("edit", "1")
        for node in arch.xpath("//field[not(ancestor::field)]"):
            if node.get("name") not in editable:
                node.set("readonly", "1")
        result["arch"] = etree.tostring(arch, encoding="unicode")
        return result

    @api.model
    def _stamp_credit_score_date(self, vals):
        # A score set without a date counts from today, so it always yields a grade.
        if "credit_score" in vals and "credit_score_date" not in vals:
            vals["credit_score_date"] = fields.Date.context_today(self)

    # ------------------------------------------------------------- collection letters
    credit_reminder_count = fields.Integer(
        string="Collection Letters", compute="_compute_credit_reminder_count"
    )

    def _compute_credit_reminder_count(self):
        counts = dict(
            self.env["credit.reminder"]
            .sudo()
            ._read_group([("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"])
        )
        for partner in self:
            partner.credit_reminder_count = counts.get(partner.commercial_partner_id, 0)

    def action_open_credit_reminders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_credit_management.credit_reminder_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_partner_id": self.commercial_partner_id.id}
        return action

    def _credit_collection_release_paid(self):
        """Lift the holds set by collection letters from those of these customers (all held ones
        when empty) that no longer owe anything overdue, in one receivables query per company."""
        held = self.sudo().search(
            [("credit_hold", "=", True), ("credit_hold_reason", "in", COLLECTION_REASONS)]
            + ([("id", "in", self.commercial_partner_id.ids)] if self else [])
        )
        if not held:
            return True
        today = fields.Date.context_today(self)
        still_owing = set()
        for company in self.env["res.company"].sudo().search([]):
            rows = self.env["credit.receivable"].get_aging_by_partner(today, company, partner_ids=held.ids)
            still_owing.update(
                row["partner_id"]
                for row in rows
                if company.currency_id.compare_amounts(row["overdue"], 0) > 0
            )
        paid = held.filtered(lambda partner: partner.id not in still_owing)
        paid.write({"credit_hold": False, "credit_hold_reason": False, "credit_hold_note": False})
        for partner in paid:
            partner.message_post(
                body=self.env._("Credit hold lifted: the overdue receivables in collection are paid.")
            )
        return True

    @api.model
    def _cron_credit_hold_collection(self):
        """Daily: lift the collection holds of customers who paid (the payment hook does it at once)."""
        return self.browse()._credit_collection_release_paid()

    # ---------------------------------------------------------------------------------------------
    # Customer classification (客户分类) and customer file (客户资料档案卡)
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
        self.env["sale.order"].flush_model(
            ["state", "date_order", "amount_total", "currency_rate", "partner_id"]
        )
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner.commercial_partner_id,
                       EXTRACT(YEAR FROM so.date_order)::int,
                       SUM(so.amount_total / COALESCE(NULLIF(so.currency_rate, 0), 1))
                           FILTER (WHERE so.state = 'sale'),
                       MAX(so.amount_total / COALESCE(NULLIF(so.currency_rate, 0), 1))
                           FILTER (WHERE so.state = 'sale'),
                       COUNT(*) FILTER (WHERE so.state IN ('draft', 'sent'))
                  FROM sale_order so
                  JOIN res_partner partner ON partner.id = so.partner_id
                 WHERE so.state IN ('sale', 'draft', 'sent')
                   AND partner.commercial_partner_id = ANY(%(ids)s)
              GROUP BY 1, 2
                """,
                ids=self.ids,
            )
        )
        amounts, sold, quoted = {}, set(), set()
        for partner_id, year, total, largest, open_quotes in rows:
            if total is not None:
                amounts.setdefault(partner_id, {})[year] = (total, largest)
                sold.add(partner_id)
            if open_quotes:
                quoted.add(partner_id)
        return amounts, sold, quoted

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

    # ------------------------------------------------------------- confidentiality (SPEC B4)
    confidentiality_level_id = fields.Many2one(
        "customer.confidentiality.level",
        default=lambda self: self.env["customer.confidentiality.level"]._default_level(),
        tracking=True,
        help="Approved confidentiality level (密级) of the customer; its contacts and addresses share it. "
        "Changed only by approving a proposed level.",
        write_owner="confidentiality",
    )
    confidentiality_level_proposed_id = fields.Many2one(
        "customer.confidentiality.level",
        string="Proposed Level",
        tracking=True,
        help="Level proposed by customer service, waiting for the Marketing Director's approval. "
        "Until then the stricter of the approved and the proposed level applies.",
        write_owner="confidentiality",
    )
    confidentiality_rank = fields.Integer(
        string="Effective Confidentiality Rank",
        compute="_compute_confidentiality_rank",
        store=True,
        index=True,
        help="Rank of the stricter of the approved and the proposed level.",
        write_owner="confidentiality",
    )
    confidentiality_effective_level_id = fields.Many2one(
        "customer.confidentiality.level",
        string="Effective Level",
        compute="_compute_confidentiality_rank",
        store=True,
        help="The level the access rules apply now: the stricter of the approved and the proposed one.",
        write_owner="confidentiality",
    )
    customer_access_ok = fields.Boolean(
        string="Readable Customer",
        compute="_compute_customer_access_ok",
        search="_search_customer_access_ok",
        help="The current user may read this customer: its level is within the user's clearance, the "
        "user is its salesperson or a custodian, or holds a valid access grant for it.",
    )

    def _customer_access_partners(self):
        return self.sudo()

    def _commercial_fields(self):
        return [*super()._commercial_fields(), *sorted(LEVEL_FIELDS)]

    @api.depends("confidentiality_level_id.rank", "confidentiality_level_proposed_id.rank")
    def _compute_confidentiality_rank(self):
        for partner in self:
            levels = partner.confidentiality_level_id | partner.confidentiality_level_proposed_id
            level = max(levels, key=lambda lvl: lvl.rank, default=levels)
            partner.confidentiality_effective_level_id = level
            partner.confidentiality_rank = level.rank

    def _compute_customer_access_ok(self):
        domain = [("id", "in", self.ids), *self._customer_access_domain()]
        allowed = self.sudo().with_context(active_test=False).search(domain)
        for partner in self:
            partner.customer_access_ok = partner in allowed

    def _search_customer_access_ok(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on readable customers."))
        positive = (operator == "=") == value
        condition = self._customer_access_domain()
        if not positive:
            condition = ["!", *condition] if condition else [(0, "=", 1)]
        return condition

    @api.model
    def _customer_access_domain(self):
        """Domain of the partners the current user may read, evaluated when the query is built.

        Record rules are cached per user, so the time-dependent parts (grants) and the user's
        clearance live here, not in the rule: the rule's domain stays one constant leaf.
        Everything is a column test or an uncorrelated sub-select: no query per partner.
        """
        user = self.env.user
        if user._is_superuser() or user.has_group(CUSTODIAN_GROUP):
            return []
        # The sub-selects below read these columns: write what is pending first.
        self.env["res.users"].flush_model(["customer_clearance_level_id", "partner_id", "share"])
        self.env["res.partner"].flush_model(["user_id", "commercial_partner_id"])
        self.env["res.company"].flush_model(["partner_id"])
        self.env["customer.confidentiality.level"].flush_model(["rank"])
        self.env["customer.access.grant"].flush_model()
        # Sub-selects rather than values read in Python: no query added to the search itself.
        # The ranks up to the user's clearance (a leaf "rank <= sub-select" is not accepted).
        clearance = SQL(
            "(SELECT generate_series(0, (SELECT COALESCE(MAX(lvl.rank), 0) FROM res_users u"
            " JOIN customer_confidentiality_level lvl ON lvl.id = u.customer_clearance_level_id"
            " WHERE u.id = %s)))",
            user.id,
        )
        own_company = SQL(
            "SELECT p.commercial_partner_id FROM res_users u"
            " JOIN res_partner p ON p.id = u.partner_id WHERE u.id = %s",
            user.id,
        )
        grants = self.env["customer.access.grant"]._granted_partner_sql(user.id)
        return [
            "|",
            "|",
            "|",
            "|",
            ("confidentiality_rank", "in", clearance),
            # Vendors only: purchasing is not customer data.
            "&",
            ("supplier_rank", ">", 0),
            ("customer_rank", "=", 0),
            # Its salesperson, a valid grant, or the user's own company (portal users).
            (
                "commercial_partner_id",
                "in",
                SQL(
                    "(SELECT id FROM res_partner WHERE user_id = %(uid)s AND id = commercial_partner_id"
                    " UNION %(grants)s UNION %(own)s)",
                    uid=user.id,
                    grants=grants,
                    own=own_company,
                ),
            ),
            # A level waiting for the Marketing Director's approval (empty for everyone else).
            ("confidentiality_level_proposed_id", "!=", False)
            if user.has_group(DIRECTOR_GROUP)
            else (0, "=", 1),
            # The companies' and the employees' own partners.
            (
                "id",
                "in",
                SQL(
                    "(SELECT partner_id FROM res_users WHERE NOT share"
                    " UNION SELECT partner_id FROM res_company)"
                ),
            ),
        ]

    # ------------------------------------------------------------------ level approval

    def _confidentiality_default_for_key(self):
        """Key customers default to Confidential (SPEC B4): one that becomes key below it gets
        Confidential proposed, which applies at once as the stricter level and waits under "Level to
        Approve" for the Marketing Director (no to-do each: a recompute may make many key at once)."""
        level = self.env.ref(
            "customer_credit_management.confidentiality_level_confidential", raise_if_not_found=False
        )
        if not level:
            return True
        below = self.filtered(
            lambda p: not p.confidentiality_level_proposed_id and p.confidentiality_rank < level.rank
        )
        if below:
            with NO_APPROVAL_TODO.on():
                below.sudo().write({"confidentiality_level_proposed_id": level.id})
        return True

    def _schedule_confidentiality_approval(self):
        """A to-do for each Marketing Director on each customer whose level awaits approval."""
        directors = self.env.ref(DIRECTOR_GROUP).sudo().users.filtered(lambda user: not user.share)
        activity = "customer_credit_management.mail_activity_type_confidentiality_level"
        for partner in self.sudo().filtered(lambda p: p.is_company or not p.parent_id):
            partner.activity_unlink([activity])
            for director in directors:
                partner.activity_schedule(
                    activity,
                    user_id=director.id,
                    note=self.env._(
                        "Confidentiality level %(level)s proposed.",
                        level=partner.confidentiality_level_proposed_id.display_name,
                    ),
                )

    @api.model
    def _check_confidentiality_write(self, vals, creating=False):
        if self.env.su or not LEVEL_FIELDS & vals.keys():
            return
        default = self.env["customer.confidentiality.level"]._default_level()
        if "confidentiality_level_id" in vals and not (
            creating and vals["confidentiality_level_id"] in (default.id, False)
        ):
            raise AccessError(
                self.env._("A confidentiality level applies only once the Marketing Director approves it.")
            )
        # Proposing a level, and withdrawing a proposal, is customer service's; the Marketing
        # Director decides one with the approve and reject actions.
        if (
            "confidentiality_level_proposed_id" in vals
            and (vals["confidentiality_level_proposed_id"] or not creating)
            and not self.env.user.has_group(CUSTODIAN_GROUP)
        ):
            raise AccessError(
                self.env._(
                    "Only customer service (customer data custodians) can propose or withdraw a "
                    "confidentiality level."
                )
            )

    def action_approve_confidentiality_level(self):
        self._check_confidentiality_approver()
        for partner in self.commercial_partner_id.filtered("confidentiality_level_proposed_id"):
            level = partner.confidentiality_level_proposed_id
            partner.sudo().write(
                {"confidentiality_level_id": level.id, "confidentiality_level_proposed_id": False}
            )
            partner.sudo().message_post(
                body=self.env._("Confidentiality level %(level)s approved.", level=level.display_name)
            )
        self.commercial_partner_id.sudo().activity_feedback(
            ["customer_credit_management.mail_activity_type_confidentiality_level"]
        )
        return True

    def action_reject_confidentiality_level(self):
        self._check_confidentiality_approver()
        self.commercial_partner_id.filtered("confidentiality_level_proposed_id").sudo().write(
            {"confidentiality_level_proposed_id": False}
        )
        self.commercial_partner_id.sudo().activity_unlink(
            ["customer_credit_management.mail_activity_type_confidentiality_level"]
        )
        return True

    def _check_confidentiality_approver(self):
        if not (self.env.su or self.env.user.has_group(DIRECTOR_GROUP)):
            raise AccessError(self.env._("Only the Marketing Director approves confidentiality levels."))

    # ------------------------------------------------------------- export control (SPEC B4)
    # ``export_data`` of every model checks the partners it exports or reads (models/base_export.py).

    @api.model
    def _check_customer_export(self, partners, field_count, record_count=None):
        """Refuse exporting customers above the user's clearance that no valid copy/export or
        external-provision grant covers; the refusal is logged. Custodians export freely.

        Allowed exports are logged by the caller (``customer.access.log._log_access`` with
        ``export_counts``). ``record_count``: the records exported, if not the partners.
        """
        refused = self._customer_export_refused(partners)
        if not refused:
            return True
        self._log_refused_export(refused, record_count or len(partners), field_count)
        raise AccessError(
            self.env._(
                "You may not export %(count)s of these customers: their confidentiality level is above "
                "your clearance. Request a copy or export access first.",
                count=len(refused),
            )
        )

    @api.model
    def _customer_export_refused(self, partners):
        """The commercial entities of ``partners`` the user may not export (sudo records: for
        naming them in a refusal only)."""
        user = self.env.user
        if self.env.su or user.has_group(CUSTODIAN_GROUP):
            return self.browse()
        commercial = partners.sudo().commercial_partner_id
        clearance = user.customer_clearance_level_id.rank or 0
        above = commercial.filtered(lambda partner: partner.confidentiality_rank > clearance)
        if not above:
            return above
        Grant = self.env["customer.access.grant"]
        Grant.flush_model()
        granted = {
            row[0] for row in self.env.execute_query(Grant._granted_partner_sql(user.id, EXPORT_GRANT_TYPES))
        }
        return above.filtered(lambda partner: partner.id not in granted)

    @api.model
    def _log_refused_export(self, partners, record_count, field_count):
        """Write the refusal in its own transaction: the failing request rolls back its own."""
        vals_list = [
            {
                "user_id": self.env.uid,
                "partner_id": partner.id,
                "level_id": partner.confidentiality_effective_level_id.id,
                "action": "export_refused",
                "export_record_count": record_count,
                "export_field_count": field_count,
                "company_id": self.env.company.id,
                "date": fields.Datetime.now(),
            }
            for partner in partners
        ]
        registry = self.env.registry

        def write_log():
            with registry.cursor() as cr:
                api.Environment(cr, SUPERUSER_ID, {})["customer.access.log"].create(vals_list)

        if registry.in_test_mode():
            # HTTP tests: each open request cursor is a savepoint of the test's transaction. Write
            # after each one rolls back; a rollback of an outer one undoes the inner write and
            # writes again, so exactly one entry remains.
            for cursor in TestCursor._cursors_stack:
                cursor.postrollback.add(write_log)
        elif odoo_module.current_test:
            # Unit tests share one uncommitted transaction: a second one would wait on its rows.
            _logger.info("Customer export refused to %s (not logged in unit tests)", self.env.user.login)
        else:
            write_log()

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        if self.env.context.get(ACCESS_REQUEST_LOOKUP) and not self.env.su:
            # Asking for access needs finding the customer, but a context key is in every caller's
            # hands: it finds a company only by its exact name (no browsing through customers one
            # may not read), and ignores the caller's domain, which could probe their fields, and
            # the caller's context, whose display keys (show_address, show_email...) would show more.
            name = (name or "").strip()
            if not name:
                return []
            plain = self.with_env(self.env(context={"lang": self.env.lang})).sudo()
            return super(ResPartner, plain).name_search(
                escape_psql(name), [("is_company", "=", True)], operator="=ilike", limit=limit
            )
        return super().name_search(name, args=args, operator=operator, limit=limit)
