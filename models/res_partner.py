from odoo import api, fields, models
from odoo.exceptions import AccessError

# Fields only a Credit Manager may change; everyone who reads the customer sees them.
CREDIT_MANAGER_FIELDS = {"credit_score", "credit_score_date"}


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_score = fields.Float(
        digits=(5, 2),
        tracking=True,
        help="Credit score from 0 to 100 given by the last approved credit evaluation. "
        "Kept on the commercial entity; its contacts and addresses share it.",
    )
    credit_score_date = fields.Date(
        string="Last Evaluation",
        tracking=True,
        help="Date of the credit evaluation behind the score. A customer without it has "
        "not been scored and has no grade.",
    )
    credit_grade_id = fields.Many2one(
        "credit.grade",
        compute="_compute_credit_grade_id",
        store=True,
        index="btree_not_null",
        ondelete="restrict",
        help="Grade of the commercial entity, from its credit score and the grade table.",
    )
    credit_grade_recommendation = fields.Text(related="credit_grade_id.recommendation", string="Grade Policy")
    credit_can_edit_score = fields.Boolean(compute="_compute_credit_can_edit_score")

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

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_credit_write_access(vals)
            self._stamp_credit_score_date(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_credit_write_access(vals)
        self._stamp_credit_score_date(vals)
        return super().write(vals)

    @api.model
    def _check_credit_write_access(self, vals):
        if (
            CREDIT_MANAGER_FIELDS & vals.keys()
            and not self.env.su
            and not self.env.user.has_group("customer_credit_management.group_credit_manager")
        ):
            raise AccessError(self.env._("Only a Credit Manager can change a customer's credit score."))

    @api.model
    def _stamp_credit_score_date(self, vals):
        # A score set without a date counts from today, so it always yields a grade.
        if "credit_score" in vals and "credit_score_date" not in vals:
            vals["credit_score_date"] = fields.Date.context_today(self)
