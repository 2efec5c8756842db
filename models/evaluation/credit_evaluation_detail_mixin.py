from odoo import api, fields, models
from odoo.exceptions import AccessError


def check_computed_not_written(model, names, create=False):
    """An evaluation's results (scores, grade, indicator values) follow from what was entered: no
    caller writes a computed field, only the computation does. At ``create`` the context's
    ``default_*`` values count as given (Odoo keeps them like values)."""
    if model.env.su:
        return
    if create:
        # Related fields aside: a default_partner_id opening an evaluation also reaches its lines.
        defaults = (key[8:] for key in model.env.context if key.startswith("default_"))
        names = [
            *names,
            *(name for name in defaults if not getattr(model._fields.get(name), "related", None)),
        ]
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
            check_computed_not_written(self, vals, create=True)
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
