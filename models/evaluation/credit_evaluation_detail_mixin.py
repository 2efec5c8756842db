from odoo import api, fields, models
from odoo.exceptions import AccessError


def check_computed_not_written(model, names):
    """An evaluation's results (scores, grade, indicator values) follow from what was entered: no
    caller writes a computed field, only the computation does."""
    if model.env.su:
        return
    for name in names:
        field = model._fields.get(name)
        if field and field.compute and field.readonly:
            raise AccessError(
                model.env._(
                    "%(field)s is computed: it cannot be written.",
                    field=field._description_string(model.env),
                )
            )


class CreditEvaluationDetailMixin(models.AbstractModel):
    """A part of a credit evaluation that the evaluator enters: changeable only in draft."""

    _name = "credit.evaluation.detail.mixin"
    _description = "Credit Evaluation Detail"

    evaluation_id = fields.Many2one("credit.evaluation", required=True, ondelete="cascade", index=True)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_computed_not_written(self, vals)
        self.env["credit.evaluation"].browse({vals.get("evaluation_id") for vals in vals_list})._check_draft()
        return super().create(vals_list)

    def write(self, vals):
        check_computed_not_written(self, vals)
        self.evaluation_id._check_draft()
        if "evaluation_id" in vals:
            self.env["credit.evaluation"].browse(vals["evaluation_id"])._check_draft()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_locked(self):
        self.evaluation_id._check_draft()
