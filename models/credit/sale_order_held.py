from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

HELD_REASONS = [
    ("manual", "Hold by a Credit Manager"),
    ("overdue", "Receivables long overdue"),
    ("collection", "In collection (letter 4)"),
    ("litigation", "Pre-litigation (letter 5)"),
    ("over_line", "Over the credit line"),
    ("group_line", "Over the credit group's line"),
]
# Written by the credit check as superuser, never by a caller (``CREDIT_COMPUTED_INPUTS``).
HELD_FIELDS = ("credit_refusal_reason", "credit_refusal_excess", "credit_held_since", "credit_confirmable")


class SaleOrder(models.Model):
    """The held-order worklist: quotations the credit check refused where the refusal was kept
    (flagged for a portal or batch confirmation, or a release requested), with the check's own
    reason and excess, re-checked whenever the customer's exposure, line or hold changes."""

    _inherit = "sale.order"

    credit_refusal_reason = fields.Selection(
        HELD_REASONS,
        string="Held For",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Why the credit check refused this quotation (the credit decision's own reason); "
        "set by the check only.",
    )
    credit_refusal_excess = fields.Monetary(
        string="Excess",
        currency_field="credit_currency_id",
        readonly=True,
        copy=False,
        help="By how much the customer's exposure and this order passed the credit line at the "
        "last check (company currency).",
    )
    credit_held_since = fields.Datetime(
        string="Held Since", readonly=True, copy=False, help="When the credit check first refused it."
    )
    credit_held_days = fields.Integer(string="Held (Days)", compute="_compute_credit_held_days")
    credit_confirmable = fields.Boolean(
        string="Can Be Confirmed Now",
        readonly=True,
        copy=False,
        help="The last re-check found that the customer's credit now allows this order: its "
        "confirmation (and its credit check) can be tried again.",
    )
    # The worklist's other half: a quotation refused in its form raises the refusal and its
    # transaction is rolled back, so nothing it would write stays. Rather than a flag written aside,
    # the worklist asks the one decision (``_credit_refusal``) which open quotations it refuses now.
    credit_refused = fields.Boolean(
        string="Refused Now",
        compute="_compute_credit_refused",
        search="_search_credit_refused",
        customer_mirror="partner_id",
        help="The credit check refuses this quotation now (the banner on the quotation): it is held "
        "whether or not its confirmation was tried.",
    )
    credit_refused_reason = fields.Selection(
        HELD_REASONS,
        string="Refused Now For",
        compute="_compute_credit_refused",
        customer_mirror="partner_id",
        help="Why the credit check refuses this quotation now.",
    )
    credit_refused_excess = fields.Monetary(
        string="Excess Now",
        currency_field="credit_currency_id",
        compute="_compute_credit_refused",
        customer_mirror="partner_id",
        help="By how much the customer's exposure and this quotation pass the credit line now.",
    )
    credit_release_expiry = fields.Date(
        string="Released Until",
        compute="_compute_credit_release_expiry",
        store=True,
        help="The expiry of the approved release that lets this quotation be confirmed.",
    )

    @api.depends("partner_id", "company_id", "amount_total", "currency_rate", "state")
    @api.depends_context("uid")
    def _compute_credit_refused(self):
        self.credit_refused = self.credit_refused_reason = False
        self.credit_refused_excess = 0.0
        quotations = self.filtered(
            lambda o: o.state in ("draft", "sent") and o.company_id.credit_control_enabled and o.partner_id
        )
        # Blank for a customer the user may not read (the worklist's search runs as superuser).
        for company, orders in quotations._credit_shown_orders().grouped("company_id").items():
            # Sudo: the customer's credit is read as superuser once the user may read it.
            partners = orders.sudo().partner_id.commercial_partner_id
            exposure = self.env["credit.exposure"]._exposure_by_partner(
                partners._credit_with_group_members(company).ids,
                company,
                exclude_order_ids=orders._origin.ids,
            )
            for order in orders:
                # Reason and excess only: no dated headroom per quotation.
                refusal = order._credit_refusal(
                    exposure[order.sudo().partner_id.commercial_partner_id.id], exposure, dated=False
                )
                if refusal:
                    order.credit_refused = True
                    order.credit_refused_reason = getattr(refusal, "reason", "over_line")
                    order.credit_refused_excess = getattr(refusal, "excess", 0.0)

    def _search_credit_refused(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Refused Now."))
        # Only ids leave this method and the search they end in applies the user's rules: the
        # open quotations are read in sudo, in one batch per company.
        quotations = self.sudo().search(
            [("state", "in", ("draft", "sent")), ("company_id.credit_control_enabled", "=", True)]
        )
        domain = [("id", "in", quotations.filtered("credit_refused").ids)]
        return domain if (operator == "=") == value else ["!", *domain]

    @api.depends("credit_held_since")
    def _compute_credit_held_days(self):
        now = fields.Datetime.now()
        for order in self:
            since = order.credit_held_since
            order.credit_held_days = (now - since).days if since else 0

    @api.depends("credit_release_ids.state", "credit_release_ids.expiry_date")
    def _compute_credit_release_expiry(self):
        for order in self:
            approved = order.sudo().credit_release_ids.filtered(lambda r: r.state == "approved")
            order.credit_release_expiry = max(approved.mapped("expiry_date"), default=False)

    def _credit_hold_record(self, refusals):
        """Keep on these orders what the worklist shows of the check's ``refusals`` ({order:
        refusal}): its reason and excess, and since when the order is held. As superuser."""
        now = fields.Datetime.now()
        for order in self.sudo():
            refusal = refusals[order]
            order.write(
                {
                    # A refusal of another kind than the decision's (a plain message) is over a line.
                    "credit_refusal_reason": getattr(refusal, "reason", "over_line"),
                    "credit_refusal_excess": getattr(refusal, "excess", 0.0),
                    "credit_held_since": order.credit_held_since or now,
                    "credit_confirmable": False,
                }
            )

    def _credit_hold_record_current(self):
        """Run the check on these quotations and keep the refusals (a release is requested)."""
        refusals = self._credit_check()
        self.browse([order.id for order in refusals])._credit_hold_record(refusals)

    def _credit_flag_blocked(self, refusals):
        result = super()._credit_flag_blocked(refusals)
        self._credit_hold_record(refusals)
        return result

    def _credit_mark_confirmed(self):
        result = super()._credit_mark_confirmed()
        held = self.filtered("credit_refusal_reason")
        if held:
            held.sudo().write(dict.fromkeys(HELD_FIELDS, False))
            held.sudo().activity_unlink(["customer_credit_management.mail_activity_type_credit_confirmable"])
        return result

    def _action_confirm(self):
        result = super()._action_confirm()
        self._credit_mark_exposure_changed()
        return result

    def _action_cancel(self):
        confirmed = self.filtered(lambda o: o.state == "sale")
        result = super()._action_cancel()
        confirmed._credit_mark_exposure_changed()
        return result

    def _credit_mark_exposure_changed(self):
        # Only companies that check credit re-evaluate their customers (_credit_reevaluate_changed).
        for company, orders in self.grouped("company_id").items():
            if not company.credit_control_enabled:
                continue
            self.env["res.partner"]._credit_exposure_changed(
                orders.partner_id.commercial_partner_id.ids, company
            )

    @api.model
    def _credit_recheck_held(self, partners, company, exposure):
        """Check again the held quotations of ``partners`` in ``company`` against their
        ``exposure`` ({commercial id: exposure}, read once for all): each by the credit decision
        (``_credit_refusal``), alone. Stores the new reason and excess in one UPDATE and marks
        the orders it now allows "can be confirmed now", with an activity for their salesperson.
        A fixed number of queries, whatever the number of held orders."""
        held = (
            self.sudo()
            .with_company(company)
            .search(
                [
                    ("credit_refusal_reason", "!=", False),
                    ("state", "in", ("draft", "sent")),
                    ("company_id", "=", company.id),
                    ("partner_id.commercial_partner_id", "in", partners.ids),
                ]
            )
        )
        if not held:
            return
        rows, confirmable = [], self.browse()
        for order in held:
            # Only the reason and the excess are kept: not when the order will fit (its queries).
            refusal = order._credit_refusal(
                exposure.get(order.partner_id.commercial_partner_id.id, 0.0), dated=False
            )
            if refusal:
                new = (getattr(refusal, "reason", "over_line"), getattr(refusal, "excess", 0.0), False)
            else:
                new = (order.credit_refusal_reason, 0.0, True)
            if new != (order.credit_refusal_reason, order.credit_refusal_excess, order.credit_confirmable):
                rows.append((order.id, *new))
                if new[2] and not order.credit_confirmable:
                    confirmable |= order
        if not rows:
            return
        ids, reasons, excesses, flags = zip(*rows, strict=True)
        self.env.execute_query(
            SQL(
                """
                UPDATE sale_order so
                   SET credit_refusal_reason = new.reason,
                       credit_refusal_excess = new.excess,
                       credit_confirmable = new.confirmable
                  FROM unnest(%s::int[], %s::varchar[], %s::numeric[], %s::bool[])
                       AS new(id, reason, excess, confirmable)
                 WHERE so.id = new.id
                """,
                list(ids),
                list(reasons),
                list(excesses),
                list(flags),
            )
        )
        held.invalidate_recordset(["credit_refusal_reason", "credit_refusal_excess", "credit_confirmable"])
        if confirmable:
            confirmable._credit_notify_confirmable()

    def _credit_notify_confirmable(self):
        """An activity for each order's salesperson (else the credit manager in charge), in one batch."""
        activity_type = self.env.ref("customer_credit_management.mail_activity_type_credit_confirmable")
        model_id = self.env["ir.model"]._get_id("sale.order")
        vals_list = []
        for order in self:
            user = order.user_id if order.user_id.active else order.company_id._credit_responsible_user()
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": order.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id or self.env.uid,
                    "automated": True,
                    "summary": self.env._("Held order can be confirmed now"),
                    "note": self.env._(
                        "The credit of %(customer)s now allows %(order)s: confirm it.",
                        customer=order.partner_id.commercial_partner_id.display_name,
                        order=order.name,
                    ),
                }
            )
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)

    def action_credit_confirm_held(self):
        """The worklist's one-click confirmation: Odoo's confirmation with its credit check,
        which refuses the order while the customer's credit does not allow it."""
        return self.action_confirm()
