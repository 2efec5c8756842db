from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .credit_evaluation_detail_mixin import check_computed_not_written
from .credit_indicators import combine_scores


class CreditEvaluation(models.Model):
    _name = "credit.evaluation"
    _description = "Credit Evaluation"
    _inherit = ["mail.thread", "mail.activity.mixin", "credit.approval.mixin", "customer.access.logged.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _credit_transitions = {
        ("draft", "submitted"): False,
        ("submitted", "draft"): False,
        ("rejected", "draft"): False,
        ("submitted", "approved"): True,
        ("submitted", "rejected"): True,
    }
    _credit_editable_states = ("draft",)
    _credit_workflow_fields = frozenset({"state", "submitted_by_id", "approved_by_id", "approved_date"})

    name = fields.Char(string="Reference", readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        tracking=True,
        check_company=True,
        domain="['|', ('is_company', '=', True), ('parent_id', '=', False)]",
        help="The commercial entity evaluated: a company, or an individual without a company.",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="Evaluation Date", required=True, default=fields.Date.context_today, tracking=True
    )
    period = fields.Char(
        string="Statement Period", help="The period of the financial statements, e.g. FY 2025."
    )
    reference_set_id = fields.Many2one(
        "credit.reference.set",
        string="Reference Values",
        compute="_compute_reference_set_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="Reference values of the customer's industry, or the fallback set.",
    )
    figure_ids = fields.One2many(
        "credit.evaluation.figure", "evaluation_id", string="Statement Figures", copy=True
    )
    line_ids = fields.One2many(
        "credit.evaluation.line",
        "evaluation_id",
        string="Indicators",
        compute="_compute_line_ids",
        store=True,
    )
    qualitative_ids = fields.One2many(
        "credit.evaluation.qualitative",
        "evaluation_id",
        string="Qualitative Criteria",
        copy=True,
        default=lambda self: [
            Command.create({"criterion_id": criterion.id})
            for criterion in self.env["credit.qualitative.criterion"].search([])
        ],
    )
    quantitative_share = fields.Float(
        string="Quantitative Share (%)",
        digits=(5, 2),
        default=lambda self: self.env.company.credit_quantitative_share,
        help="Share of the quantitative score in the final score; the qualitative score makes up the rest.",
    )
    quantitative_score = fields.Float(compute="_compute_scores", store=True, digits=(5, 2))
    qualitative_score = fields.Float(compute="_compute_scores", store=True, digits=(5, 2))
    final_score = fields.Float(compute="_compute_scores", store=True, digits=(5, 2), tracking=True)
    is_scored = fields.Boolean(
        compute="_compute_scores",
        store=True,
        help="False while no indicator can be computed from the figures entered.",
    )
    grade_id = fields.Many2one("credit.grade", compute="_compute_grade_id", store=True, tracking=True)
    grade_recommendation = fields.Text(related="grade_id.recommendation", string="Grade Policy")
    state = fields.Selection(
        [("draft", "Draft"), ("submitted", "Submitted"), ("approved", "Approved"), ("rejected", "Rejected")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    submitted_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    approved_date = fields.Date(readonly=True, copy=False)
    # Read as superuser: a credit manager decides on evaluations of customers above his clearance.
    is_current = fields.Boolean(
        compute="_compute_is_current",
        compute_sudo=True,
        help="The approved evaluation behind the customer's grade.",
    )
    note = fields.Html(string="Notes")

    @api.depends("partner_id")
    def _compute_reference_set_id(self):
        for evaluation in self:
            evaluation.reference_set_id = self.env["credit.reference.set"]._for_partner(evaluation.partner_id)

    @api.depends("reference_set_id")
    def _compute_line_ids(self):
        # The reference values are copied: later edits of the set do not rewrite past evaluations.
        for evaluation in self:
            ref_set = evaluation.reference_set_id
            ref_set._check_weight_total()
            evaluation.line_ids = [Command.clear()] + [
                Command.create(
                    {
                        "sequence": ref.sequence,
                        "indicator": ref.indicator,
                        "high": ref.high,
                        "low": ref.low,
                        "weight": ref.weight,
                        "lower_is_better": ref.lower_is_better,
                    }
                )
                for ref in ref_set.line_ids
            ]

    @api.depends(
        "line_ids.score",
        "line_ids.is_scored",
        "line_ids.weight",
        "qualitative_ids.points",
        "qualitative_ids.max_points",
        "quantitative_share",
    )
    def _compute_scores(self):
        for evaluation in self:
            quantitative, qualitative, final = combine_scores(
                [(line.score if line.is_scored else None, line.weight) for line in evaluation.line_ids],
                [(line.points, line.max_points) for line in evaluation.qualitative_ids],
                evaluation.quantitative_share,
            )
            evaluation.quantitative_score = quantitative or 0.0
            evaluation.qualitative_score = qualitative or 0.0
            evaluation.final_score = final or 0.0
            evaluation.is_scored = final is not None

    @api.depends("final_score", "is_scored")
    def _compute_grade_id(self):
        grades = self.env["credit.grade"].search([])
        for evaluation in self:
            evaluation.grade_id = (
                grades._grade_for_score(evaluation.final_score, grades=grades)
                if evaluation.is_scored
                else False
            )

    @api.depends("partner_id.credit_evaluation_id")
    def _compute_is_current(self):
        for evaluation in self:
            evaluation.is_current = evaluation.partner_id.credit_evaluation_id == evaluation

    @api.constrains("partner_id")
    def _check_commercial_partner(self):
        for evaluation in self:
            if evaluation.partner_id != evaluation.partner_id.commercial_partner_id:
                raise UserError(
                    self.env._(
                        "Evaluate the company %(company)s, not its contact or address %(partner)s.",
                        company=evaluation.partner_id.commercial_partner_id.display_name,
                        partner=evaluation.partner_id.display_name,
                    )
                )

    @api.constrains("quantitative_share")
    def _check_quantitative_share(self):
        for evaluation in self:
            if not 0 <= evaluation.quantitative_share <= 100:
                raise UserError(self.env._("The quantitative share must be between 0 and 100."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_computed_not_written(self, vals, create=True)
            if vals.get("state", "draft") != "draft":
                raise UserError(self.env._("A credit evaluation starts as a draft."))
        evaluations = super().create(vals_list)
        for evaluation in evaluations:
            evaluation.name = (
                self.env["ir.sequence"].with_company(evaluation.company_id).next_by_code("credit.evaluation")
            )
        return evaluations

    def write(self, vals):
        check_computed_not_written(self, vals)
        res = super().write(vals)
        if vals.get("state") == "approved":
            self._apply_to_partners()
        return res

    def _check_credit_step(self, new_state, needs_manager):
        if new_state in ("submitted", "approved") and not self.is_scored:
            raise UserError(
                self.env._(
                    "The evaluation %(name)s has no score yet: enter the statement figures of at "
                    "least one indicator.",
                    name=self.name,
                )
            )

    def _credit_locked_message(self):
        return self.env._(
            "The evaluation %(name)s is no longer a draft: it cannot be changed.", name=self.name
        )

    def _credit_forbidden_step_message(self, new_state):
        states = dict(self._fields["state"]._description_selection(self.env))
        return self.env._(
            "The evaluation %(name)s cannot go from %(old)s to %(new)s.",
            name=self.name,
            old=states[self.state],
            new=states[new_state],
        )

    def _credit_manager_only_message(self):
        return self.env._("Only a Credit Manager can approve or reject a credit evaluation.")

    def _apply_to_partners(self):
        # The most recent approved evaluation (by evaluation date) gives the customer its score.
        for evaluation in self.sorted(lambda e: (e.date, e.id)):
            vals = {
                "credit_score": evaluation.final_score,
                "credit_score_date": evaluation.date,
                "credit_evaluation_id": evaluation.id,
            }
            # The score is the module's own field: written as superuser once the module's check
            # passed, so that neither Odoo's "Contact Creation" right nor the customer's level
            # (above the approver's clearance) stops the approval.
            evaluation.partner_id._check_protected_field_write(vals)
            partner = evaluation.partner_id.sudo()
            current = partner.credit_evaluation_id
            if current and (current.date, current.id) > (evaluation.date, evaluation.id):
                continue
            partner.write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_not_draft(self):
        if any(evaluation.state not in ("draft", "rejected") for evaluation in self):
            raise UserError(self.env._("Only draft or rejected credit evaluations can be deleted."))

    # Actions return True: XML-RPC cannot marshal None.
    def action_submit(self):
        return self.write({"state": "submitted", "submitted_by_id": self.env.uid})

    def action_approve(self):
        return self.write(
            {"state": "approved", "approved_by_id": self.env.uid, "approved_date": fields.Date.today()}
        )

    def action_reject(self):
        return self.write({"state": "rejected"})

    def action_reset_to_draft(self):
        return self.write({"state": "draft", "submitted_by_id": False})

    def action_open_import(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Import Statement Figures"),
            "res_model": "credit.evaluation.import",
            "view_mode": "form",
            "target": "new",
            "context": {"default_evaluation_id": self.id},
        }

    def _figures_dict(self):
        self.ensure_one()
        return {figure.code: figure.amount for figure in self.figure_ids}

    def _check_draft(self):
        for evaluation in self:
            if evaluation.state != "draft":
                raise UserError(
                    self.env._(
                        "The evaluation %(name)s is no longer a draft: its figures and judgements "
                        "cannot be changed.",
                        name=evaluation.name,
                    )
                )
