from odoo import api, fields, models


class CreditEvaluationDetailMixin(models.AbstractModel):
    """A part of a credit evaluation that the evaluator enters: changeable only in draft."""

    _name = "credit.evaluation.detail.mixin"
    _description = "Credit Evaluation Detail"

    evaluation_id = fields.Many2one("credit.evaluation", required=True, ondelete="cascade", index=True)

    @api.model_create_multi
    def create(self, vals_list):
        self.env["credit.evaluation"].browse({vals.get("evaluation_id") for vals in vals_list})._check_draft()
        return super().create(vals_list)

    def write(self, vals):
        self.evaluation_id._check_draft()
        if "evaluation_id" in vals:
            self.env["credit.evaluation"].browse(vals["evaluation_id"])._check_draft()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_locked(self):
        self.evaluation_id._check_draft()
