import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..groups import CREDIT_MANAGER_GROUP, CUSTODIAN_GROUP

_logger = logging.getLogger(__name__)

# Who may ask for each action: the action itself checks it again as the requester
# (``credit.bulk.job._bulk_apply``), this check only refuses a job that could never run.
ACTION_GROUPS = {
    "limits": CREDIT_MANAGER_GROUP,
    "categories": CUSTODIAN_GROUP,
    "hold": CREDIT_MANAGER_GROUP,
    "lift": CREDIT_MANAGER_GROUP,
}
# Customers per batch: each batch is one transaction of the cron (committed by the cron framework).
BATCH_SIZE = 200
# A selection up to this size is processed at once, in the request that starts it.
SYNC_LIMIT = 200


class CreditBulkJob(models.Model):
    """An action of the customer form (recompute the limit or the category, put on hold, lift the
    hold) run over a selection of customers or over all of them, in batches by a cron that reports
    its progress, with a summary at the end: how many changed, how many failed and why. Each
    customer's change goes through the customer's own action, as the requester."""

    _name = "credit.bulk.job"
    _description = "Credit Bulk Action"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(string="Reference", readonly=True, copy=False, default="/")
    action = fields.Selection(
        [
            ("limits", "Recompute credit limits"),
            ("categories", "Recompute customer categories"),
            ("hold", "Put on credit hold"),
            ("lift", "Lift credit hold"),
        ],
        required=True,
        tracking=True,
        help="What is done to each customer, as the customer form's button does it.",
    )
    scope = fields.Selection(
        [("selection", "Selected customers"), ("all", "All customers")],
        required=True,
        default="selection",
        tracking=True,
        help="All customers: every customer (company or individual) the requester may read.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        help="The selected customers (their companies are processed).",
    )
    note = fields.Char(string="Hold Note", help="Put on hold: the note written on each customer put on hold.")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True
    )
    user_id = fields.Many2one(
        "res.users", string="Requested By", readonly=True, default=lambda self: self.env.user
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        help="Failed: the job stopped on an error of its own (each customer's failure is listed, "
        "not a failure of the job).",
    )
    total = fields.Integer(readonly=True, copy=False, help="Customers to process.")
    processed = fields.Integer(readonly=True, copy=False, help="Customers processed so far.")
    changed = fields.Integer(
        readonly=True, copy=False, help="Customers whose limit, category or hold changed."
    )
    failed = fields.Integer(readonly=True, copy=False, help="Customers the action failed for.")
    progress = fields.Float(compute="_compute_progress", help="Share of the customers processed (%).")
    last_partner_id = fields.Integer(
        readonly=True, copy=False, help="The customers are processed by id: the last one processed."
    )
    date_start = fields.Datetime(string="Started", readonly=True, copy=False)
    date_done = fields.Datetime(string="Finished", readonly=True, copy=False)
    failure_ids = fields.One2many("credit.bulk.job.failure", "job_id", string="Failures", readonly=True)
    summary = fields.Text(readonly=True, copy=False)

    @api.depends("total", "processed")
    def _compute_progress(self):
        for job in self:
            job.progress = 100.0 * job.processed / job.total if job.total else 0.0

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if "partner_ids" in fields_list and context.get("active_model") == "res.partner":
            values.setdefault("partner_ids", [fields.Command.set(context.get("active_ids") or [])])
        return values

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # The progress and the requester are the job's own, never the caller's.
            for name in (
                "state", "total", "processed", "changed", "failed", "last_partner_id",
                "date_start", "date_done", "summary", "failure_ids", "user_id", "name",
            ):  # fmt: skip
                vals.pop(name, None)
            vals["user_id"] = self.env.uid
            self._check_requester(vals.get("action"))
        jobs = super().create(vals_list)
        for job in jobs:
            job.sudo().name = self.env["ir.sequence"].next_by_code("credit.bulk.job") or "/"
        return jobs

    def write(self, vals):
        if not self.env.su:
            if vals.keys() - {"action", "scope", "partner_ids", "note"}:
                raise AccessError(self.env._("A bulk action's progress is written by the bulk action only."))
            if any(job.state != "draft" for job in self):
                raise UserError(self.env._("A started bulk action cannot be changed."))
            if any(job.user_id != self.env.user for job in self):
                raise AccessError(self.env._("Only its requester can change a bulk action before it starts."))
            if "action" in vals:
                self._check_requester(vals["action"])
        return super().write(vals)

    @api.model
    def _check_requester(self, action):
        group = ACTION_GROUPS.get(action)
        if not self.env.su and group and not self.env.user.has_group(group):
            raise AccessError(
                self.env._(
                    "Only a Credit Manager can recompute limits or put on or lift holds, and only a "
                    "customer data custodian can recompute categories, for many customers as for one."
                )
            )

    def _requester_partners(self):
        """res.partner as the requester, in the job's company: every change and every search of
        the job runs with the requester's rights, whoever runs the job (the cron is superuser)."""
        self.ensure_one()
        return self.env["res.partner"].with_user(self.user_id).with_company(self.company_id)

    def _customer_domain(self):
        self.ensure_one()
        domain = ["|", ("is_company", "=", True), ("parent_id", "=", False)]
        if self.scope == "selection":
            return [("id", "in", self.sudo().partner_ids.commercial_partner_id.ids), *domain]
        return [("customer_rank", ">", 0), *domain]

    def action_start(self):
        """Count the customers and process them: a small selection now, with a notification of
        the summary, the rest by the cron, in batches."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("This bulk action has already started."))
        if self.user_id != self.env.user:
            raise AccessError(self.env._("Only its requester can start a bulk action."))
        self._check_requester(self.action)
        if self.scope == "selection" and not self.partner_ids:
            raise UserError(self.env._("Select the customers to process."))
        total = self._requester_partners().search_count(self._customer_domain())
        job = self.sudo()
        job.write({"state": "queued", "total": total, "date_start": fields.Datetime.now()})
        if self.scope == "selection" and total <= SYNC_LIMIT:
            job._process_batch(SYNC_LIMIT)
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": self.name,
                    "message": self.summary,
                    "type": "warning" if self.failed else "success",
                    "sticky": bool(self.failed),
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        self.env.ref("customer_credit_management.ir_cron_credit_bulk_job")._trigger()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.model
    def _cron_process(self):
        """One batch of the oldest queued job per call: the cron framework commits it and calls
        again while customers remain (``_notify_progress``)."""
        jobs = self.sudo().search([("state", "in", ("queued", "running"))], order="id")
        if not jobs:
            return
        job = jobs[0]
        try:
            with self.env.cr.savepoint():
                done = job._process_batch(BATCH_SIZE)
        except Exception as error:
            # An error of the job itself, not of a customer's: the job stops and says why, rather
            # than the cron running the same batch again and again.
            _logger.exception("Credit bulk action %s failed", job.name)
            job.write({"state": "failed", "date_done": fields.Datetime.now(), "summary": str(error)})
            job._post_summary()
            # Closing the job is progress: the cron goes on with the next queued one.
            done = 1
        waiting = jobs.exists().filtered(lambda j: j.state in ("queued", "running"))
        remaining = sum(max(j.total - j.processed, 0) for j in waiting)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    def _process_batch(self, size):
        """Process up to ``size`` more customers of this job; returns how many."""
        self.ensure_one()
        Partner = self._requester_partners()
        # One more than the batch: whether any customer is left.
        batch = Partner.search(
            [*self._customer_domain(), ("id", ">", self.last_partner_id)], order="id", limit=size + 1
        )
        last = len(batch) <= size
        batch = batch[:size]
        changed, failures = self._bulk_run(batch)
        vals = {
            "state": "running",
            "processed": self.processed + len(batch),
            "changed": self.changed + len(changed),
            "failed": self.failed + len(failures),
            "last_partner_id": batch[-1].id if batch else self.last_partner_id,
        }
        if failures:
            vals["failure_ids"] = [
                fields.Command.create({"partner_id": partner.id, "reason": reason})
                for partner, reason in failures.items()
            ]
        if last:
            vals.update(state="done", date_done=fields.Datetime.now())
        self.write(vals)
        if self.state == "done":
            self.summary = self._summary()
            self._post_summary()
        return len(batch)

    def _bulk_run(self, partners):
        """(changed customers, {customer: reason}): the whole batch in one go, and only when it
        fails customer by customer, each in its savepoint, to tell which ones fail and why."""
        if not partners:
            return partners, {}
        try:
            with self.env.cr.savepoint():
                return self._bulk_apply(partners), {}
        except Exception as error:
            # Each customer's failure is found again below and recorded with its customer.
            _logger.info(
                "Credit bulk action %s: a batch failed (%s), run customer by customer", self.name, error
            )
        changed, failures = partners.browse(), {}
        for partner in partners:
            try:
                with self.env.cr.savepoint():
                    changed |= self._bulk_apply(partner)
            except Exception as error:
                if not isinstance(error, UserError):
                    _logger.exception("Credit bulk action %s failed for customer %s", self.name, partner.id)
                failures[partner] = str(error.args[0] if error.args else error)
        return changed, failures

    def _bulk_apply(self, partners):
        """Run the job's action on ``partners`` (as the requester): the customers it changed."""
        if self.action == "limits":
            before = {partner: partner.credit_limit_computed for partner in partners}
            partners.action_compute_credit_limit()
            currency = self.company_id.currency_id
            return partners.filtered(
                lambda p: currency.compare_amounts(before[p], p.credit_limit_computed) != 0
            )
        if self.action == "categories":
            before = {partner: partner.customer_category for partner in partners}
            partners.action_recompute_customer_category()
            partners.invalidate_recordset(["customer_category", "customer_category_auto"])
            return partners.filtered(lambda p: p.customer_category != before[p])
        if self.action == "hold":
            return partners._credit_manual_hold(self.note or None)
        return partners._credit_manual_lift()

    def _summary(self):
        self.ensure_one()
        summary = self.env._(
            "%(processed)s customers processed: %(changed)s changed, %(unchanged)s unchanged, "
            "%(failed)s failed.",
            processed=self.processed,
            changed=self.changed,
            unchanged=self.processed - self.changed - self.failed,
            failed=self.failed,
        )
        reasons = {}
        for failure in self.sudo().failure_ids:
            reasons[failure.reason] = reasons.get(failure.reason, 0) + 1
        for reason, count in reasons.items():
            summary += "\n" + self.env._("%(count)s × %(reason)s", count=count, reason=reason)
        return summary

    def _post_summary(self):
        """The summary in the chatter, notified to the requester."""
        self.message_post(
            body=self.summary,
            partner_ids=self.user_id.partner_id.ids,
            subtype_xmlid="mail.mt_comment",
        )


class CreditBulkJobFailure(models.Model):
    _name = "credit.bulk.job.failure"
    _description = "Credit Bulk Action Failure"
    _order = "id"

    job_id = fields.Many2one("credit.bulk.job", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, ondelete="cascade")
    reason = fields.Text(required=True, help="The error the customer's action raised.")
