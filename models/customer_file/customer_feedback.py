from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CustomerFeedback(models.Model):
    _name = "customer.feedback"
    _description = "Customer Feedback"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    channel = fields.Selection(
        [
            ("visit", "Visit"),
            ("phone", "Phone"),
            ("email", "Email"),
            ("survey", "Survey"),
            ("other", "Other"),
        ],
        required=True,
        default="phone",
    )
    satisfaction = fields.Integer(
        required=True,
        default=3,
        aggregator="avg",
        help="Satisfaction of the customer, from 1 (poor) to 5 (excellent).",
    )
    note = fields.Text(string="Feedback", help="What the customer said (意见反馈).")
    suggestion = fields.Text(help="Suggestions and requests of the customer (合理建议和要求).")
    user_id = fields.Many2one("res.users", string="Recorded By", default=lambda self: self.env.user)

    @api.constrains("satisfaction")
    def _check_satisfaction(self):
        if any(not 1 <= feedback.satisfaction <= 5 for feedback in self):
            raise ValidationError(self.env._("Satisfaction is a score from 1 to 5."))
