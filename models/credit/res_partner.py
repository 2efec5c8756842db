from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount

from ..groups import CREDIT_MANAGER_GROUP

PERIOD_DAYS = {"quarter": 90, "month": 30}
# Holds set by collection letters, lifted when the customer has paid.
COLLECTION_REASONS = ("collection", "litigation")
# The one precedence of credit holds (``_credit_set_hold``, ``_credit_lift_hold``): a hold
# replaces one of the same or a lower rank, never a higher one. A Credit Manager's hold (or a hold
# without a reason, set by hand) is never replaced or lifted by a rule; a collection letter's
# replaces an overdue hold, not the reverse.
HOLD_RANK = {"manual": 3, "collection": 2, "litigation": 2, "overdue": 1}
# A customer's own credit decisions, a Credit Manager's or an approval's (``_credit_has_own_standing``):
# a hold, an approved evaluation (its grade), a term override; per company, a manual limit or a
# temporary line. The computed limit is not one: it follows the customer's orders.
OWN_STANDING_FIELDS = ("credit_hold", "credit_score_date", "credit_term_days_override")
OWN_STANDING_COMPANY_FIELDS = ("credit_limit_manual", "credit_limit_temporary")


class CreditRefusal(str):
    """The message of a credit refusal (``res.partner._credit_refusal``), a string wherever it
    goes, that also says why for the held-order worklist: ``reason``, a hold reason of
    ``HOLD_RANK`` or ``"over_line"``, and ``excess``, by how much the exposure and the amount
    pass the credit line (company currency; 0 when within it or not read)."""

    __slots__ = ("excess", "reason")

    def __new__(cls, message, reason, excess=0.0):
        refusal = super().__new__(cls, message)
        refusal.reason = reason
        refusal.excess = excess
        return refusal


def previous_period(period, today):
    """(first day, first day of the next) of the calendar quarter or month before ``today``'s."""
    if period == "month":
        end = today.replace(day=1)
        return end - relativedelta(months=1), end
    end = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return end - relativedelta(months=3), end


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "credit.computed.inputs.mixin"]

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
    # Set by the approval of a temporary increase (credit.limit.request) and cleared when it
    # expires, never by a caller: read by _compute_credit_line in the same fetch as the limits.
    credit_limit_temporary = fields.Float(
        string="Temporary Credit Line",
        digits="Account",
        company_dependent=True,
        readonly=True,
        help="An approved temporary increase: from its start to its end date the credit line is the "
        "larger of the policy line and this amount.",
        write_owner="credit",
    )
    credit_limit_temporary_from = fields.Date(
        string="Temporary Line From", company_dependent=True, readonly=True, write_owner="credit"
    )
    credit_limit_temporary_until = fields.Date(
        string="Temporary Line Until", company_dependent=True, readonly=True, write_owner="credit"
    )
    credit_group_id = fields.Many2one(
        "credit.group",
        index="btree_not_null",
        tracking=True,
        copy=False,
        help="Related customers (集团) sharing a group credit line in the group's company: an order "
        "is refused when either the customer's or the group's line is exceeded.",
        write_owner="credit",
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
        "commercial_partner_id.credit_limit_temporary",
        "commercial_partner_id.credit_limit_temporary_from",
        "commercial_partner_id.credit_limit_temporary_until",
        "credit_grade_id.risk_factor",
    )
    def _compute_credit_line(self):
        for partner, (base, factor, line) in zip(self, self._credit_line_values(), strict=True):
            partner.credit_limit_base = base
            partner.credit_risk_factor = factor
            partner.credit_line = line

    def _credit_line_values(self):
        """[(policy limit, risk factor, credit line)] of these partners in the current company,
        in their order: the one computation of the credit line, for the field and for readers of
        many customers at once (the dashboard), which it spares the cost of assigning 10,000
        computed Monetary fields."""
        # Just these columns: a plain first read would fetch the partners' fifty others too, and
        # the line is read before every confirmation.
        self.commercial_partner_id.fetch(
            [
                "credit_limit_manual",
                "credit_limit_manual_base",
                "credit_limit_computed",
                "credit_limit_temporary",
                "credit_limit_temporary_from",
                "credit_limit_temporary_until",
            ]
        )
        default_factor = self.env.company.credit_default_risk_factor
        # The server's date, not the user's: context_today would read the user's time zone.
        today = fields.Date.today()
        # The amounts are the current company's: its currency, not the partner's currency_id, which
        # an onchange may send empty (a new contact in a dialog).
        currency = self.env.company.currency_id
        values = []
        for partner in self:
            commercial = partner.commercial_partner_id
            base = (
                commercial.credit_limit_manual_base
                if commercial.credit_limit_manual
                else commercial.credit_limit_computed
            )
            grade = partner.credit_grade_id
            factor = grade.risk_factor if grade else default_factor
            line = currency.round(base * factor)
            # A temporary increase counts from its first to its last day, whether or not the
            # daily job has expired it yet.
            temporary = commercial.credit_limit_temporary
            if (
                temporary
                and (commercial.credit_limit_temporary_from or today) <= today
                and today <= (commercial.credit_limit_temporary_until or today)
            ):
                line = max(line, currency.round(temporary))
            values.append((base, factor, line))
        return values

    @api.depends("credit_line")
    @api.depends_context("company")
    def _compute_credit_exposure(self):
        exposure = self.env["credit.exposure"]._exposure_by_partner(
            self.commercial_partner_id.ids, self.env.company
        )
        for partner in self:
            # _origin: a contact edited in a form is a new record whose origin holds the exposure.
            partner.credit_exposure = exposure.get(partner.commercial_partner_id._origin.id, 0.0)
            partner.credit_available = partner.credit_line - partner.credit_exposure
            partner.credit_exceeded = partner._credit_over_line(partner.credit_exposure)

    def write(self, vals):
        # A contact moved to another commercial entity (another parent company, or made a company
        # itself) takes its confirmed orders along, and its contacts theirs: they are checked
        # against their new customer like a confirmation (``sale.order._credit_watch_rise``). Read
        # as superuser: whoever moves a contact may not read its orders. Code running as superuser
        # is trusted, as there.
        if self.env.su or not vals.keys() & {"parent_id", "is_company", "company_type"}:
            return super().write(vals)
        # A customer with credit decisions of its own made a contact of another would be judged
        # by the other's: its hold and its line no longer read. That is a Credit Manager's call.
        guarded = self._credit_standing_guarded()
        orders = (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", self.ids),
                    ("state", "=", "sale"),
                    ("company_id.credit_control_enabled", "=", True),
                ]
            )
        )
        with orders._credit_watch_changes():
            result = super().write(vals)
            absorbed = guarded.filtered(lambda p: p.commercial_partner_id != p)
            if absorbed:
                absorbed._credit_refuse_losing_standing()
        return result

    def _credit_standing_guarded(self):
        """The commercial entities of ``self`` with credit decisions of their own, which only a
        Credit Manager may make a contact of another (by a write or Odoo's merge): their hold
        and line would no longer be read. None for the superuser's code and a Credit Manager."""
        if self.env.su or self.env.user.has_group(CREDIT_MANAGER_GROUP):
            return self.browse()
        companies = self.env["res.company"].sudo().search([])
        return self.sudo().filtered(
            lambda p: p.commercial_partner_id == p and p._credit_has_own_standing(companies)
        )

    def _credit_refuse_losing_standing(self):
        raise AccessError(
            self.env._(
                "%(customer)s has credit settings of its own (a hold, a limit, a grade or a "
                "term): only a Credit Manager can make it a contact of another company.",
                customer=self[0].name,
            )
        )

    def _credit_has_own_standing(self, companies):
        """Whether this customer has credit decisions of its own (``OWN_STANDING_FIELDS``), in
        any of ``companies``. Read as superuser: the decisions count whoever may read them."""
        self.ensure_one()
        partner = self.sudo()
        if any(partner[name] for name in OWN_STANDING_FIELDS):
            return True
        return any(
            partner.with_company(company)[name]
            for company in companies
            for name in OWN_STANDING_COMPANY_FIELDS
        )

    def _credit_over_line(self, exposure, amount=0.0, line=None):
        """Whether ``exposure`` plus ``amount`` (company currency) goes beyond this customer's
        credit line in the current company (``line``: its credit line when the caller computed
        it, see ``_credit_line_values``): the one comparison of the credit decision."""
        self.ensure_one()
        line = self.credit_line if line is None else line
        return self.env.company.currency_id.compare_amounts(exposure + amount, line) > 0

    def _credit_refusal(self, company, amount, document, exposure=None, exposures=None, dated=True):
        """The one credit decision: why this customer (its commercial entity) may not take
        ``amount`` (company currency) more credit in ``company``, or None. A hold refuses first,
        then the credit line: the customer's ``exposure`` (without ``amount``; read when not
        given) plus ``amount`` beyond it, then the line of its credit group in ``company``: the
        members' exposures (from ``exposures``, {commercial partner id: exposure}, when it holds
        them all, else read) plus ``amount`` beyond it. ``document`` (a sale order or a delivery)
        is what the message names; its own exceptions (cash sale, release) are the caller's to
        apply. ``dated``: an order's refusal over the line says when the order will fit (the
        dated headroom, one more query); False for callers that read only its reason and excess
        (the held orders' re-check)."""
        self.ensure_one()
        partner = self.commercial_partner_id.with_company(company)
        delivery = document._name == "stock.picking"
        if partner.credit_hold:
            reason = partner.credit_hold_reason or "manual"
            excess = 0.0
            if exposure is not None:
                excess = max(company.currency_id.round(exposure + amount - partner.credit_line), 0.0)
            if delivery:
                return CreditRefusal(
                    self.env._(
                        "%(customer)s is on credit hold: the delivery %(picking)s cannot be validated.",
                        customer=partner.display_name,
                        picking=document.name,
                    ),
                    reason,
                    excess,
                )
            message = self.env._(
                "%(customer)s is on credit hold (%(reason)s): the order %(order)s cannot be confirmed. "
                "Ask a credit manager for a release.",
                customer=partner.display_name,
                reason=dict(partner._fields["credit_hold_reason"]._description_selection(self.env)).get(
                    partner.credit_hold_reason, ""
                ),
                order=document.name,
            )
            return CreditRefusal(message, reason, excess)
        if exposure is None:
            exposure = self.env["credit.exposure"]._exposure_by_partner(partner.ids, company)[partner.id]
        currency = company.currency_id
        if not partner._credit_over_line(exposure, amount):
            return partner._credit_group_refusal(company, amount, document, exposures)
        excess = currency.round(exposure + amount - partner.credit_line)
        if delivery:
            return CreditRefusal(
                self.env._(
                    "%(customer)s is beyond its credit line (exposure %(exposure)s, credit line "
                    "%(line)s): the delivery %(picking)s cannot be validated.",
                    customer=partner.display_name,
                    # With what the delivery ships beyond its order, which the exposure lacks.
                    exposure=format_amount(self.env, exposure + amount, currency),
                    line=format_amount(self.env, partner.credit_line, currency),
                    picking=document.name,
                ),
                "over_line",
                excess,
            )
        message = self.env._(
            "The order %(order)s exceeds the credit line of %(customer)s.\n"
            "Credit line: %(line)s\nExposure: %(exposure)s\nThis order: %(amount)s\n"
            "Excess: %(excess)s\n%(fits)s\nAsk a credit manager for a release.",
            order=document.name,
            customer=partner.display_name,
            line=format_amount(self.env, partner.credit_line, currency),
            exposure=format_amount(self.env, exposure, currency),
            amount=format_amount(self.env, amount, currency),
            excess=format_amount(self.env, excess, currency),
            # When it will fit: the dated headroom (res_partner_headroom.py).
            fits=partner._credit_headroom_sentence(
                company, amount, partner._credit_headroom_projection(company, exposure, document.ids)[0]
            )
            if dated
            else "",
        )
        return CreditRefusal(message, "over_line", excess)

    def _credit_with_group_members(self, company):
        """These customers and the other members of their credit groups in ``company``: whose
        exposures the credit decision reads, in one ``_exposure_by_partner`` call."""
        groups = self.sudo().credit_group_id.filtered(lambda group: group.company_id == company)
        return self | self.browse(groups.credit_member_ids.ids)

    def _credit_group_refusal(self, company, amount, document, exposures=None):
        """The credit group's part of ``_credit_refusal``: why ``amount`` more would take this
        customer's credit group in ``company`` beyond the group's line, or None."""
        # Sudo: the group and its other members count whoever the seller may read.
        group = self.sudo().credit_group_id
        if not group or group.company_id != company:
            return None
        group_exposure = group._credit_group_exposure(exposures)
        if not group._credit_over_line(group_exposure, amount):
            return None
        currency = company.currency_id
        excess = currency.round(group_exposure + amount - group.credit_line)
        if document._name == "stock.picking":
            message = self.env._(
                "The credit group %(group)s of %(customer)s is beyond its credit line (group exposure "
                "%(exposure)s, group credit line %(line)s): the delivery %(picking)s cannot be validated.",
                group=group.name,
                customer=self.display_name,
                exposure=format_amount(self.env, group_exposure, currency),
                line=format_amount(self.env, group.credit_line, currency),
                picking=document.name,
            )
            return CreditRefusal(message, "group_line", excess)
        message = self.env._(
            "The order %(order)s exceeds the credit line of the credit group %(group)s, of which "
            "%(customer)s is a member.\n"
            "Group credit line: %(line)s\nGroup exposure: %(exposure)s\nThis order: %(amount)s\n"
            "Excess: %(excess)s\nAsk a credit manager for a release.",
            order=document.name,
            group=group.name,
            customer=self.display_name,
            line=format_amount(self.env, group.credit_line, currency),
            exposure=format_amount(self.env, group_exposure, currency),
            amount=format_amount(self.env, amount, currency),
            excess=format_amount(self.env, excess, currency),
        )
        return CreditRefusal(message, "group_line", excess)

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
        company from the confirmed orders of the previous quarter or month (``sale.order._order_volumes``)."""
        if not (self.env.su or self.env.user.has_group("customer_credit_management.group_credit_manager")):
            raise AccessError(self.env._("Only a Credit Manager can recompute credit limits."))
        company = self.env.company
        partners = self.commercial_partner_id
        if not partners:
            return True
        today = fields.Date.context_today(self)
        volumes = self.env["sale.order"]._order_volumes(
            partners.ids,
            company,
            {"quarter": previous_period("quarter", today), "month": previous_period("month", today)},
        )[0]
        limits = []
        for partner in partners.with_company(company):
            period = partner.credit_limit_period or "quarter"
            volume = volumes.get(partner.id, {}).get(period, (0.0, 0.0))[0]
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

    def _credit_hold_rank(self):
        self.ensure_one()
        return HOLD_RANK[self.credit_hold_reason or "manual"] if self.credit_hold else 0

    def _credit_set_hold(self, reason, note=None):
        """Put these customers on hold for ``reason`` (a key of ``HOLD_RANK``), except those held
        for another reason of a higher rank; ``note`` replaces the hold note when given. Runs with
        the caller's rights. Returns the customers whose hold changed."""
        rank = HOLD_RANK[reason]
        changed = self.filtered(
            lambda p: not p.credit_hold or (p.credit_hold_reason != reason and p._credit_hold_rank() <= rank)
        )
        vals = {"credit_hold": True, "credit_hold_reason": reason}
        if note is not None:
            vals["credit_hold_note"] = note
        changed.write(vals)
        return changed

    def _credit_lift_hold(self, reasons):
        """Lift the holds of these customers set for one of ``reasons`` (a hold without a reason
        counts as manual); the others stay. Runs with the caller's rights. Returns the customers
        whose hold was lifted."""
        lifted = self.filtered(lambda p: p.credit_hold and (p.credit_hold_reason or "manual") in reasons)
        lifted.write({"credit_hold": False, "credit_hold_reason": False, "credit_hold_note": False})
        return lifted

    @api.model
    def _cron_credit_hold_overdue(self):
        """Put on hold the customers with receivables overdue longer than their company allows, and
        lift the holds this rule set once nothing is that late any more, in any company."""
        Receivable = self.env["credit.receivable"]
        today = fields.Date.context_today(self)
        late_ids = set()
        for company in self.env["res.company"].search([]):
            # Disputed and blocked items hold nobody: the receivables query leaves them out.
            rows = Receivable.get_aging_by_partner(
                today, company, bucket_limits=(company.credit_overdue_hold_days,), exclude_blocked=True
            )
            late_ids.update(row["partner_id"] for row in rows if row["partner_id"] and row["b2"] > 0)
        late = self.browse(sorted(late_ids))
        late._credit_set_hold("overdue")
        settled = self.search(
            [("credit_hold", "=", True), ("credit_hold_reason", "=", "overdue"), ("id", "not in", late.ids)]
        )
        settled._credit_lift_hold(["overdue"])

    def action_credit_hold(self):
        self._credit_manual_hold()
        return True

    def action_credit_release_hold(self):
        """A Credit Manager lifts any hold."""
        self._credit_manual_lift()
        return True

    def _credit_manual_hold(self, note=None):
        """A Credit Manager's hold (the form's and the bulk action's): the customers it changed."""
        # Refused to whoever may not write the hold, even where nothing would change.
        self._check_protected_field_write({"credit_hold": True})
        return self._credit_set_hold("manual", note)

    def _credit_manual_lift(self):
        """A Credit Manager lifts any hold: the customers whose hold was lifted."""
        self._check_protected_field_write({"credit_hold": False})
        return self._credit_lift_hold(HOLD_RANK)
