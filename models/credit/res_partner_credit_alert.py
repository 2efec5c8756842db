from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL, format_amount

# Key of the cursor's precommit data: {company id or None (every company): {commercial partner
# ids}} whose exposure, line or hold changed in this transaction, re-evaluated once before commit.
EXPOSURE_CHANGED = "customer_credit_management.exposure_changed"
# Fields of res.partner whose change moves the credit line or the hold.
CREDIT_STANDING_FIELDS = frozenset(
    {
        "credit_limit_manual",
        "credit_limit_manual_base",
        "credit_score",
        "credit_score_date",
        "credit_hold",
        "credit_hold_reason",
        "credit_limit_temporary",
        "credit_limit_temporary_from",
        "credit_limit_temporary_until",
    }
)
COMPANY_LINE_FIELDS = frozenset(
    {
        "credit_limit_manual",
        "credit_limit_manual_base",
        "credit_limit_manual_reason",
        "credit_limit_temporary",
        "credit_limit_temporary_from",
        "credit_limit_temporary_until",
    }
)
ALERT_RANK = {"ok": 0, "near": 1, "over": 2}


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_alert_state = fields.Selection(
        [("ok", "Within Line"), ("near", "Near Line"), ("over", "Over Line")],
        string="Credit Warning Level",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="The customer's utilisation (exposure / credit line) when its exposure last changed: "
        "rising to near or over the line sends one activity to its salesperson and the credit "
        "manager in charge; set by the re-evaluation only.",
        write_owner="credit",
    )
    credit_alert_display = fields.Selection(
        [("hold", "On Credit Hold"), ("over", "Over Credit Line"), ("near", "Near Credit Line")],
        string="Credit Status",
        compute="_compute_credit_alert_display",
        help="What the customer's ribbon shows, where the company enforces credit lines.",
    )

    @api.depends("credit_hold", "credit_exposure", "credit_line")
    @api.depends_context("company")
    def _compute_credit_alert_display(self):
        self.credit_alert_display = False
        if not self.env.company.credit_control_enabled:
            return
        for partner in self:
            if partner.commercial_partner_id.credit_hold:
                partner.credit_alert_display = "hold"
                continue
            level = partner._credit_alert_level(partner.credit_exposure)
            partner.credit_alert_display = level if level != "ok" else False

    def _credit_alert_level(self, exposure, line=None):
        """ "over" beyond the credit line (the credit decision's comparison), "near" from the
        company's near line share of it, else "ok"; in the current company. ``line``: the
        customer's credit line when the caller computed it (``_credit_line_values``)."""
        self.ensure_one()
        line = self.credit_line if line is None else line
        if self._credit_over_line(exposure, line=line):
            return "over"
        company = self.env.company
        threshold = line * company.credit_near_line_share
        if line > 0 and company.currency_id.compare_amounts(exposure, threshold) >= 0:
            return "near"
        return "ok"

    @api.model
    def _credit_exposure_changed(self, partner_ids, company=None):
        """The exposure, line or hold of these customers changed (in ``company``, None: in
        every company): re-evaluate them once, before the transaction commits."""
        data = self.env.cr.precommit.data
        if EXPOSURE_CHANGED not in data:
            data[EXPOSURE_CHANGED] = defaultdict(set)
            self.env.cr.precommit.add(self.sudo()._credit_reevaluate_changed)
        data[EXPOSURE_CHANGED][company.id if company else None].update(partner_ids)

    def _credit_reevaluate_changed(self):
        changed = self.env.cr.precommit.data.pop(EXPOSURE_CHANGED, {})
        if not any(changed.values()):
            return
        self.env.flush_all()
        for company in self.env["res.company"].sudo().search([("credit_control_enabled", "=", True)]):
            partner_ids = changed.get(company.id, set()) | changed.get(None, set())
            if partner_ids:
                self.sudo().with_company(company)._credit_reevaluate(sorted(partner_ids))
        self.env.flush_all()

    @api.model
    def _credit_reevaluate(self, partner_ids):
        """Re-evaluate the customers ``partner_ids`` (commercial ids) in the current company, as
        superuser, in one pass: one exposure query for all of them, then their warning level
        (an activity when it rises) and their held orders (``sale.order._credit_recheck_held``)."""
        company = self.env.company
        exposure = self.env["credit.exposure"]._exposure_by_partner(partner_ids, company)
        partners = self.browse(partner_ids).exists()
        levels, rising = {}, self.browse()
        for partner in partners:
            level = partner._credit_alert_level(exposure[partner.id])
            previous = partner.credit_alert_state or "ok"
            if level != previous:
                levels[partner.id] = level
                if ALERT_RANK[level] > ALERT_RANK[previous]:
                    rising |= partner
        if levels:
            self._credit_store_alert_states(levels, company)
        if rising:
            rising._credit_alert_notify(exposure, levels)
        self.env["sale.order"]._credit_recheck_held(partners, company, exposure)

    @api.model
    def _credit_store_alert_states(self, levels, company):
        # One UPDATE for all customers: company-dependent values are jsonb keyed by company.
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner partner
                   SET credit_alert_state = COALESCE(partner.credit_alert_state, '{}'::jsonb)
                           || jsonb_build_object(%(company)s::text, new.state)
                  FROM unnest(%(ids)s::int[], %(states)s::text[]) AS new(id, state)
                 WHERE partner.id = new.id
                """,
                company=str(company.id),
                ids=list(levels),
                states=list(levels.values()),
            )
        )
        self.browse(list(levels)).invalidate_recordset(["credit_alert_state"])

    def _credit_alert_notify(self, exposure, levels):
        """One activity per customer whose level rose, for its salesperson and the credit manager
        in charge (once when they are the same person), created in one batch."""
        company = self.env.company
        manager = company._credit_responsible_user()
        activity_type = self.env.ref("customer_credit_management.mail_activity_type_credit_warning")
        model_id = self.env["ir.model"]._get_id("res.partner")
        currency = company.currency_id
        labels = dict(self._fields["credit_alert_state"]._description_selection(self.env))
        vals_list = []
        for partner in self:
            level = levels[partner.id]
            figures = {
                "customer": partner.display_name,
                "exposure": format_amount(self.env, exposure[partner.id], currency),
                "line": format_amount(self.env, partner.credit_line, currency),
            }
            if level == "over":
                note = self.env._(
                    "%(customer)s is over its credit line: exposure %(exposure)s for a credit line "
                    "of %(line)s.",
                    **figures,
                )
            else:
                note = self.env._(
                    "%(customer)s has reached %(share)s %% of its credit line: exposure %(exposure)s for a "
                    "credit line of %(line)s.",
                    share=round(company.credit_near_line_share * 100),
                    **figures,
                )
            users = (partner.user_id | manager).filtered(lambda u: u.active and not u.share)
            vals_list += [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "automated": True,
                    "summary": labels[level],
                    "note": note,
                }
                for user in users
            ]
        # No assignment e-mail, as for the credit manager's activity about a blocked order.
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)

    def write(self, vals):
        result = super().write(vals)
        if CREDIT_STANDING_FIELDS.intersection(vals):
            # The manual limit is the current company's; a hold or a score counts in every company.
            company = self.env.company if COMPANY_LINE_FIELDS.issuperset(vals) else None
            self._credit_exposure_changed(self.commercial_partner_id.ids, company)
        return result

    def _credit_store_limits(self, partners, limits, company, today):
        result = super()._credit_store_limits(partners, limits, company, today)
        self._credit_exposure_changed(partners.ids, company)
        return result
