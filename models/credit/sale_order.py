import math
from contextlib import contextmanager

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_amount, format_date

from ..internal_flags import ODOO_COMPUTATION

# Keys of the cursor's cache (a per-transaction dict no client can reach, unlike the context):
# the orders that action_confirm has just checked, and the confirmed orders whose amount a
# write in progress is watching.
CONFIRM_CHECKED = "customer_credit_management.confirm_checked"
RISE_WATCHED = "customer_credit_management.rise_watched"


# The stored computed columns that the credit check (``_credit_amount``) and the exposure query
# (``credit.exposure``) read: they come from the order's lines and the company's currency rates,
# never from a caller. Odoo's ORM writes a stored computed field when asked; other stored
# computed fields of orders (currency, invoicing and delivery methods...) stay as Odoo has them,
# some being part of Odoo's own API (an order created in a currency without a pricelist).
CREDIT_COMPUTED_INPUTS = {
    # Whose an order, an invoice or a contact's hold is: the commercial entity, from the parents.
    "res.partner": {"commercial_partner_id"},
    "sale.order": {
        "amount_total",
        "amount_untaxed",
        "amount_tax",
        "currency_rate",
        # The check's own record of a refusal (the held-order worklist, ``sale_order_held``).
        "credit_blocked",
        "credit_refusal_reason",
        "credit_refusal_excess",
        "credit_held_since",
        "credit_confirmable",
        "credit_release_expiry",
    },
    "sale.order.line": {"price_total", "price_subtotal", "price_tax", "qty_invoiced", "state"},
    # What the exposure and the collection hold read of the books: computed by Odoo from the
    # journal items and their reconciliation (a written ``parent_state`` is not the move's state).
    # An invoice's totals (a draft's in the exposure, a down payment's for a cash sale): Odoo's
    # tax totals inverse writes them by hand, as the user (``ODOO_COMPUTATION``).
    "account.move": {
        "amount_total_signed",
        "amount_residual",
        "amount_residual_signed",
        "amount_total_in_currency_signed",
    },
    "account.move.line": {"amount_residual", "amount_residual_currency", "reconciled", "parent_state"},
}


def company_amount(amount, rate):
    """An order's ``amount`` in its company's currency. The one conversion of the module (in SQL:
    ``company_amount_sql``): ``currency_rate`` is company-to-order currency; a missing or zero
    rate (an order without currency) counts as 1 instead of failing."""
    return amount / (rate or 1.0)


def company_amount_sql(amount, rate):
    """``company_amount`` as an SQL expression of the SQL ``amount`` and ``rate``."""
    return SQL("(%s / COALESCE(NULLIF(%s, 0), 1))", amount, rate)


def refuse_computed_values(model, vals_list, create=False):
    """Refuse values for the credit check's computed inputs, except from code running as superuser.
    At ``create`` the context's ``default_*`` values count as given: Odoo keeps a default of a
    computed field as it keeps a value."""
    if model.env.su or ODOO_COMPUTATION:
        return
    protected = CREDIT_COMPUTED_INPUTS.get(model._name, set())
    fields_set = {fname for vals in vals_list for fname in vals if fname in protected}
    if create:
        fields_set |= {fname for fname in protected if f"default_{fname}" in model.env.context}
    if fields_set:
        raise AccessError(
            model.env._(
                "These fields are computed and cannot be set: %(fields)s.",
                fields=", ".join(sorted(model._fields[fname].string for fname in fields_set)),
            )
        )


def refuse_non_finite_figures(model, vals_list):
    """NaN or infinity in a quantity, price or discount would make the order's amount and the
    customer's exposure unusable: refused with a clear error before Odoo rounds them, also in
    the lines an order's values create or update."""
    for vals in vals_list:
        for fname, value in vals.items():
            field = model._fields.get(fname)
            if field is None:
                continue
            if field.type in ("one2many", "many2many") and isinstance(value, list | tuple):
                refuse_non_finite_figures(
                    model.env[field.comodel_name],
                    [
                        command[2]
                        for command in value
                        if isinstance(command, list | tuple)
                        and len(command) == 3
                        and command[0] in (0, 1)
                        and isinstance(command[2], dict)
                    ],
                )
                continue
            if field.type not in ("float", "monetary") or isinstance(value, bool):
                continue
            if value is None:
                continue
            try:
                finite = math.isfinite(float(value))
            except (TypeError, ValueError):
                raise ValidationError(
                    model.env._("%(field)s must be a number.", field=field.string)
                ) from None
            if not finite:
                raise ValidationError(model.env._("%(field)s must be a finite number.", field=field.string))


class SaleOrder(models.Model):
    _name = "sale.order"
    # Opening, printing or exporting a customer's documents is logged like opening the customer.
    _inherit = ["sale.order", "customer.access.logged.mixin"]

    credit_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    # The customer's credit, shown on its orders (``customer_mirror``: exported as the customer's).
    credit_grade_id = fields.Many2one(
        "credit.grade",
        compute="_compute_credit_status",
        help="Grade of the commercial entity, from its credit score and the grade table.",
        customer_mirror="partner_id",
    )
    credit_line = fields.Monetary(
        compute="_compute_credit_status", currency_field="credit_currency_id", customer_mirror="partner_id"
    )
    credit_exposure = fields.Monetary(
        compute="_compute_credit_status",
        currency_field="credit_currency_id",
        help="The customer's unpaid receivables, draft invoices and confirmed orders not yet "
        "invoiced, this order excluded.",
        customer_mirror="partner_id",
    )
    credit_available = fields.Monetary(
        compute="_compute_credit_status", currency_field="credit_currency_id", customer_mirror="partner_id"
    )
    credit_available_after = fields.Monetary(
        string="Available After This Order",
        compute="_compute_credit_status",
        currency_field="credit_currency_id",
        customer_mirror="partner_id",
    )
    credit_block_message = fields.Text(compute="_compute_credit_status", customer_mirror="partner_id")
    credit_blocked = fields.Boolean(
        string="Credit Hold",
        copy=False,
        readonly=True,
        tracking=True,
        help="Confirmation was refused for credit reasons where nobody saw the error (portal, "
        "automation): a credit manager has an activity about it.",
    )
    credit_release_ids = fields.One2many("credit.release.request", "order_id", string="Release Requests")
    credit_release_count = fields.Integer(compute="_compute_credit_release_count")
    credit_release_state = fields.Selection(
        [("waiting", "Release Requested"), ("released", "Released")],
        compute="_compute_credit_release_state",
    )
    credit_release_status = fields.Char(compute="_compute_credit_release_state")

    def _credit_shown_orders(self):
        """The orders whose customer's credit the current user may see: those whose customer they
        may read (``customer_access_ok``, the access policy), every order as superuser. Display
        only: the credit check reads the figures itself."""
        if self.env.su:
            return self
        partners = self.sudo().partner_id.commercial_partner_id
        readable = partners.with_context(active_test=False).search(
            [("id", "in", partners.ids), ("customer_access_ok", "=", True)]
        )
        return self.filtered(lambda order: order.sudo().partner_id.commercial_partner_id in readable)

    @api.depends("partner_id", "company_id", "amount_total", "currency_rate", "state")
    @api.depends_context("uid")
    def _compute_credit_status(self):
        self.credit_block_message = self.credit_grade_id = False
        self.credit_line = self.credit_exposure = self.credit_available = self.credit_available_after = 0.0
        # Blank for a customer the user may not read, whatever partner the values name (onchange).
        for company, orders in self._credit_shown_orders().grouped("company_id").items():
            # Sudo: the customer's figures are read as superuser once the user may read it.
            partners = orders.sudo().partner_id.commercial_partner_id
            exposure = self.env["credit.exposure"]._exposure_by_partner(
                partners._credit_with_group_members(company).ids,
                company,
                exclude_order_ids=orders._origin.ids,
            )
            for order in orders:
                partner = order.sudo().partner_id.commercial_partner_id.with_company(company)
                if not partner:
                    continue
                order.credit_grade_id = partner.credit_grade_id
                order.credit_line = partner.credit_line
                order.credit_exposure = exposure[partner.id]
                order.credit_available = partner.credit_line - exposure[partner.id]
                order.credit_available_after = order.credit_available - order._credit_amount()
                if order.state in ("draft", "sent"):
                    order.credit_block_message = (
                        order._credit_refusal(exposure[partner.id], exposure) or False
                    )

    def _compute_credit_release_count(self):
        counts = dict(
            self.env["credit.release.request"]._read_group(
                [("order_id", "in", self.ids)], ["order_id"], ["__count"]
            )
        )
        for order in self:
            order.credit_release_count = counts.get(order, 0)

    @api.depends(
        "credit_release_ids.state", "credit_release_ids.expiry_date", "partner_id", "amount_total", "state"
    )
    def _compute_credit_release_state(self):
        """What the quotation's banner says about its release: requested and waiting, or released."""
        self.credit_release_state = self.credit_release_status = False
        for order in self.filtered(lambda o: o.state in ("draft", "sent")):
            releases = order.sudo().credit_release_ids
            waiting = releases.filtered(lambda r: r.state == "to_approve")[:1]
            valid = order._credit_valid_release() if releases else releases
            if waiting:
                order.credit_release_state = "waiting"
                order.credit_release_status = self.env._(
                    "Release requested on %(date)s by %(user)s, waiting for a credit manager.",
                    date=format_date(self.env, waiting.create_date),
                    user=waiting.user_id.name,
                )
            elif valid:
                order.credit_release_state = "released"
                order.credit_release_status = self.env._(
                    "Released by %(manager)s until %(date)s, up to %(amount)s.",
                    manager=valid.approved_by_id.name,
                    date=format_date(self.env, valid.expiry_date),
                    amount=format_amount(self.env, valid.order_amount, order.company_id.currency_id),
                )

    def _credit_amount(self):
        """This order's amount in the company currency. A quotation is measured at today's rate:
        Odoo's confirmation dates it today (and so rates it today), whatever date the caller gave
        it before; a confirmed order at its own rate, with what it delivered beyond its lines'
        quantities, as the exposure counts it."""
        self.ensure_one()
        rate = self.currency_rate
        company_currency = self.company_id.currency_id
        if self.state in ("draft", "sent") and self.currency_id and self.currency_id != company_currency:
            rate = self.env["res.currency"]._get_conversion_rate(
                company_currency, self.currency_id, self.company_id, fields.Datetime.now().date()
            )
        amount = self.amount_total
        if self.state == "sale":
            # Delivered beyond the order (a service's delivered quantity, goods shipped beyond
            # it) is owed too, as the exposure counts it: a rise like a larger quantity.
            amount += sum(
                max(line.qty_delivered - max(line.product_uom_qty, 0.0), 0.0) * line._credit_unit_amount()
                for line in self.order_line
                if not line.display_type
            )
        return company_currency.round(company_amount(amount, rate))

    @api.model
    def _order_volumes(self, partner_ids, company=None, periods=None):
        """The orders of the customers ``partner_ids`` (commercial entities; a contact's orders
        count for its company), in one query: ({commercial id: {period: (confirmed total, largest
        confirmed order)}} in company currency, {commercial ids with an open quotation}).

        ``periods``: {key: (start, end)}, end excluded, an order counting in every period it falls
        in; None: by calendar year. ``company``: only its orders, else every company's. The one
        "confirmed orders per customer and period" of the credit limit and the classification."""
        self.flush_model(["state", "company_id", "date_order", "amount_total", "currency_rate", "partner_id"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        amount = company_amount_sql(SQL("so.amount_total"), SQL("so.currency_rate"))
        conditions = [SQL("partner.commercial_partner_id = ANY(%s)", list(partner_ids))]
        if company:
            conditions.append(SQL("so.company_id = %s", company.id))
        if periods is None:
            period, join = SQL("EXTRACT(YEAR FROM so.date_order)::int"), SQL()
        else:
            if not periods:
                return {}, set()
            period = SQL("period.key")
            join = SQL(
                "JOIN (VALUES %s) AS period(key, date_from, date_to)"
                " ON so.date_order >= period.date_from AND so.date_order < period.date_to",
                SQL(", ").join(
                    SQL("(%s, %s::date, %s::date)", key, start, end) for key, (start, end) in periods.items()
                ),
            )
            conditions.append(
                SQL(
                    "so.date_order >= %s AND so.date_order < %s",
                    min(start for start, _end in periods.values()),
                    max(end for _start, end in periods.values()),
                )
            )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner.commercial_partner_id, %(period)s,
                       SUM(%(amount)s) FILTER (WHERE so.state = 'sale'),
                       MAX(%(amount)s) FILTER (WHERE so.state = 'sale'),
                       COUNT(*) FILTER (WHERE so.state IN ('draft', 'sent'))
                  FROM sale_order so
                  JOIN res_partner partner ON partner.id = so.partner_id
                  %(join)s
                 WHERE so.state IN ('sale', 'draft', 'sent')
                   AND %(conditions)s
              GROUP BY 1, 2
                """,
                period=period,
                amount=amount,
                join=join,
                conditions=SQL(" AND ").join(conditions),
            )
        )
        volumes, quoted = {}, set()
        for partner_id, key, total, largest, open_quotes in rows:
            if total is not None:
                volumes.setdefault(partner_id, {})[key] = (total, largest)
            if open_quotes:
                quoted.add(partner_id)
        return volumes, quoted

    def _credit_holder(self):
        """Whose credit, in which company, this order uses."""
        return self.partner_id.commercial_partner_id.id, self.company_id.id

    def _credit_is_cash_sale(self):
        """Paid in full before confirmation (done online payments, paid down payments): no credit.
        A down payment's credit note (the down payment refunded) takes back what it refunds:
        signed amounts, the credit notes counted as soon as posted."""
        self.ensure_one()
        paid = sum(tx.amount for tx in self.sudo().transaction_ids if tx.state == "done")
        down_payment_invoices = self.sudo().order_line.filtered("is_downpayment").invoice_lines.move_id
        for invoice in down_payment_invoices.filtered(lambda move: move.state == "posted"):
            # Paid is settled in the books (its receivables reconciled), not a payment status,
            # which Odoo lets a billing user set (blocked / not paid) and a caller write.
            receivables = invoice.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            )
            if invoice.move_type == "out_refund" or all(line.reconciled for line in receivables):
                paid += sum(receivables.mapped("amount_currency"))
        return bool(self.amount_total) and self.currency_id.compare_amounts(paid, self.amount_total) >= 0

    def _credit_refusal(self, exposure, exposures=None, dated=True):
        """The reason this order may not be confirmed given the customer's ``exposure`` without it,
        or None: the customer's decision (``res.partner._credit_refusal``, ``exposures`` the
        exposures of its credit group's members if read with it) for this order's amount, unless
        the order is a cash sale or released. Only credit sales of companies enforcing credit
        lines are checked. ``dated``: see ``res.partner._credit_refusal``."""
        self.ensure_one()
        if not self.company_id.credit_control_enabled:
            return None
        refusal = self.partner_id.commercial_partner_id._credit_refusal(
            self.company_id, self._credit_amount(), self, exposure, exposures, dated=dated
        )
        # Checked last: most orders pass without reading their payments or releases.
        if not refusal or self._credit_is_cash_sale() or self._credit_valid_release():
            return None
        return refusal

    def _credit_valid_release(self):
        """The release that covers this order at its present amount: one approved and not
        expired, or, once the order is confirmed, the one its confirmation used. A release covers
        its order up to the amount approved, once, and for the customer it was requested for
        only: not once the order is moved to another customer."""
        self.ensure_one()
        releases = self.sudo().credit_release_ids
        if not releases:
            return releases
        # The server's date, not the caller's: context_today would read the caller's time zone.
        today = fields.Date.today()
        amount = self._credit_amount()
        confirmed = self.state == "sale"
        customer = self.sudo().partner_id.commercial_partner_id
        return releases.filtered(
            lambda r: (
                r.partner_id == customer
                and ((r.state == "approved" and r.expiry_date >= today) or (r.state == "used" and confirmed))
                and self.company_id.currency_id.compare_amounts(amount, r.order_amount) <= 0
            )
        )[:1]

    def _credit_has_release(self):
        """A release lets this order's goods ship, up to the amount it approved."""
        self.ensure_one()
        return bool(self._credit_valid_release())

    def _credit_check(self):
        """Return {order: refusal message} for the orders of ``self`` that may not be confirmed.

        Locks the customers first, so that two confirmations for one customer are serialised,
        and counts the orders of ``self`` that pass against the ones after them.
        """
        orders = self.filtered(lambda o: o.company_id.credit_control_enabled)
        if not orders:
            return {}
        partners = orders.partner_id.commercial_partner_id
        # Just what the check reads of the customers: see _compute_credit_line.
        partners.fetch(["credit_hold", "credit_grade_id", "credit_group_id"])
        refusals = {}
        # The customers are locked by the first exposure query (the statement that reads it): a
        # no-op UPDATE, not SELECT FOR UPDATE: under REPEATABLE READ the second transaction must
        # fail and retry with a fresh snapshot, not go on with one that misses the first order.
        lock = True
        for company, company_orders in orders.grouped("company_id").items():
            # The members of the customers' credit groups are read (and locked) with them: one
            # query, and two orders of one group are serialised like two of one customer.
            exposure = self.env["credit.exposure"]._exposure_by_partner(
                partners._credit_with_group_members(company).ids,
                company,
                exclude_order_ids=company_orders.ids,
                lock=lock,
            )
            lock = False
            for order in company_orders.sorted("id"):
                partner_id = order.partner_id.commercial_partner_id.id
                refusal = order._credit_refusal(exposure[partner_id], exposure)
                if refusal:
                    refusals[order] = refusal
                elif len(company_orders) > 1 and not order._credit_is_cash_sale():
                    # Only the next orders of the batch can be refused for this one.
                    exposure[partner_id] += order._credit_amount()
        return refusals

    @api.model_create_multi
    def create(self, vals_list):
        refuse_computed_values(self, vals_list, create=True)
        refuse_non_finite_figures(self, vals_list)
        orders = super().create(vals_list)
        # Created confirmed (create, copy, import): the same check as a confirmation.
        orders.filtered(lambda o: o.state == "sale")._credit_check_entering()
        return orders

    def write(self, vals):
        refuse_computed_values(self, [vals])
        refuse_non_finite_figures(self, [vals])
        if "date_order" in vals:
            self._credit_refuse_redating(vals["date_order"])
        entering = self.browse()
        if vals.get("state") == "sale":
            entering = self.filtered(lambda o: o.state != "sale")
        with self._credit_watch_rise(moving_company="company_id" in vals):
            result = super().write(vals)
            entering._credit_check_entering()
        return result

    def _credit_refuse_redating(self, date_order):
        """A confirmed order is dated by its confirmation (Odoo's action_confirm; its form then
        shows the date read-only): its currency rate, hence what it counts in the exposure, and
        the period whose limit it counts for follow that date. Changing it is refused where the
        company enforces credit lines, as the check's other inputs; elsewhere Odoo's behaviour
        stays. Checked before the write: Odoo's confirmation dates a quotation as it confirms
        it. Code running as superuser is trusted, as for computed fields."""
        if self.env.su:
            return
        new_date = self._fields["date_order"].convert_to_cache(date_order, self)
        redated = self.filtered(
            lambda o: o.state == "sale" and o.company_id.credit_control_enabled and o.date_order != new_date
        )
        if redated:
            raise UserError(
                self.env._(
                    "The date of the confirmed order %(order)s cannot be changed: the customer's "
                    "credit counts the order at the date it was confirmed.",
                    order=redated[0].name,
                )
            )

    def _credit_check_entering(self):
        """Orders of ``self`` have just become confirmed: refuse those that the credit check
        refuses, unless action_confirm checked them a moment ago. Code running as superuser
        (sudo: migrations, data set-up) is trusted here as for computed fields; no client
        request runs as superuser, and action_confirm checks every caller."""
        if self.env.su:
            return
        checked = self.env.cr.cache.get(CONFIRM_CHECKED, ())
        unchecked = self.filtered(lambda o: o.id not in checked)
        if not unchecked:
            return
        # Dated as Odoo's confirmation dates an order: its rate, and the period whose limit it
        # counts for, are the day's, not a day the caller chose (``_credit_refuse_redating``).
        today = fields.Date.today()
        backdated = unchecked.filtered(
            lambda o: o.company_id.credit_control_enabled and o.date_order.date() != today
        )
        if backdated:
            raise UserError(
                self.env._(
                    "The order %(order)s is confirmed today: its order date must be today's.",
                    order=backdated[0].name,
                )
            )
        refusals = unchecked._credit_check()
        if refusals:
            raise UserError("\n\n".join(refusals.values()))
        unchecked._credit_mark_confirmed()

    @contextmanager
    def _credit_watch_rise(self, moving_company=False):
        """A change that raises a confirmed order's credit amount, or moves it to another
        customer or company, is checked like its confirmation; lowering it is always allowed.
        Nested writes (an order's lines written through the order) are watched by the outermost
        one, so that a change is judged as a whole. ``moving_company``: the change may move the
        orders to another company, which may enforce credit lines where theirs does not. Code
        running as superuser is trusted, as for computed fields."""
        if self.env.su:
            yield
            return
        with self._credit_watch_changes(moving_company):
            yield

    @contextmanager
    def _credit_watch_changes(self, moving_company=False):
        """``_credit_watch_rise`` for every caller, the superuser too: for the checks that watch
        the orders a change reaches through another record (a contact moved to another
        customer), whose orders they read as superuser."""
        watched = self.env.cr.cache.setdefault(RISE_WATCHED, set())
        orders = self.filtered(
            lambda o: (
                o.id not in watched
                and o.state == "sale"
                and (moving_company or o.company_id.credit_control_enabled)
            )
        )
        before = {order: (order._credit_holder(), order._credit_amount()) for order in orders}
        watched.update(orders.ids)
        try:
            yield
        finally:
            watched.difference_update(orders.ids)
        risen = self.browse(
            [
                order.id
                for order, (holder, amount) in before.items()
                if order.state == "sale"
                and (
                    order._credit_holder() != holder
                    or order.company_id.currency_id.compare_amounts(order._credit_amount(), amount) > 0
                )
            ]
        )
        refusals = risen._credit_check()
        if refusals:
            order, refusal = next(iter(refusals.items()))
            raise UserError(
                self.env._(
                    "The change raises the confirmed order %(order)s beyond what credit control allows:"
                    "\n%(refusal)s",
                    order=order.name,
                    refusal=refusal,
                )
            )

    def action_confirm(self):
        refusals = self._credit_check()
        if not refusals:
            with self._credit_checked():
                return super().action_confirm()
        if len(self) == 1 and self._credit_caller_sees_errors():
            raise UserError(refusals[self])
        refused = self.browse([order.id for order in refusals])
        refused._credit_flag_blocked(refusals)
        accepted = self - refused
        if accepted:
            with accepted._credit_checked():
                super(SaleOrder, accepted).action_confirm()
        if not self._credit_caller_sees_errors():
            return True
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Some orders were not confirmed"),
                "message": "\n\n".join(refusals.values()),
                "type": "warning",
                "sticky": True,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @contextmanager
    def _credit_checked(self):
        """These orders have just passed the check: Odoo's confirmation writing their state does
        not check them again."""
        checked = self.env.cr.cache.setdefault(CONFIRM_CHECKED, set())
        checked.update(self.ids)
        try:
            yield
        finally:
            checked.difference_update(self.ids)

    def _credit_caller_sees_errors(self):
        # The portal and automations run as superuser or as an external user: an error would
        # reach nobody, so they get the flag and the activity instead.
        return not self.env.su and self.env.user._is_internal()

    def _credit_flag_blocked(self, refusals):
        company_users = {}
        # No assignment e-mail: the author may be the public user of the portal, without address.
        for order in self.sudo().with_context(mail_activity_quick_update=True):
            order.credit_blocked = True
            order.message_post(body=refusals[order])
            user = company_users.setdefault(order.company_id, order.company_id._credit_responsible_user())
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id or self.env.uid,
                summary=self.env._("Order blocked by credit control"),
                note=refusals[order],
            )

    def _action_confirm(self):
        self._credit_mark_confirmed()
        return super()._action_confirm()

    def _credit_mark_confirmed(self):
        self.filtered("credit_blocked").sudo().credit_blocked = False
        # A release is used by the check; where the company does not check, confirming an order
        # reads nothing of the module's. Only an order with an approved release (its stored
        # expiry, set with the approval) has one to mark: the others' releases are not read.
        checked = self.filtered(lambda o: o.company_id.credit_control_enabled and o.credit_release_expiry)
        used = checked.sudo().credit_release_ids.filtered(lambda r: r.state == "approved")
        used.write({"state": "used"})

    def action_request_credit_release(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Request a Credit Release"),
            "res_model": "credit.release.request",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def action_open_credit_releases(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_credit_management.credit_release_request_action"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"default_order_id": self.id}
        return action

    @api.constrains("partner_id")
    def _check_partner_readable(self):
        # The rules let a user's own orders through: moving one to a customer the user may not read
        # is refused here (creating one is refused by a create rule).
        self.env["customer.access.policy"]._check_partners_readable(
            self.partner_id, self.env._("You may not make an order for a customer above your clearance.")
        )

    @api.model
    def _credit_demo_settle(self, order_ids):
        """Demo data: these confirmed orders were paid in advance (a 100% down payment, invoiced
        and paid), as a customer's regular business; they count for the credit limit and no
        longer for the exposure."""
        orders = self.browse(order_ids)
        Wizard = self.env["sale.advance.payment.inv"]
        for order in orders:
            # A down payment is invoiced order by order.
            Wizard.create(
                {
                    "advance_payment_method": "percentage",
                    "amount": 100,
                    "sale_order_ids": [Command.set(order.ids)],
                }
            ).create_invoices()
        invoices = orders.invoice_ids.filtered(lambda move: move.state == "draft")
        invoices.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices.ids
        ).create({"group_payment": False}).action_create_payments()
        # Marked as the module's demo data: uninstalling the module removes them first
        # (``_credit_demo_unsettle``), before the demo customers they refer to.
        payments = invoices.line_ids.matched_credit_ids.credit_move_id.payment_id
        self.env["ir.model.data"].create(
            [
                {
                    "module": "customer_credit_management",
                    "name": f"demo_settle_{record._table}_{record.id}",
                    "model": record._name,
                    "res_id": record.id,
                    "noupdate": True,
                }
                for record in [*invoices, *payments]
            ]
        )
        return True

    @api.model
    def _credit_demo_unsettle(self):
        """Uninstall: remove the posted, reconciled demo invoices and payments of
        ``_credit_demo_settle`` (Odoo deletes neither while posted)."""
        records = self.env["ir.model.data"].search(
            [("module", "=", "customer_credit_management"), ("name", "=like", "demo_settle_%")]
        )
        payments = (
            self.env["account.payment"]
            .browse(records.filtered(lambda r: r.model == "account.payment").mapped("res_id"))
            .exists()
        )
        invoices = (
            self.env["account.move"]
            .browse(records.filtered(lambda r: r.model == "account.move").mapped("res_id"))
            .exists()
        )
        payments.action_draft()
        payments.unlink()
        invoices.button_draft()
        invoices.with_context(force_delete=True).unlink()
