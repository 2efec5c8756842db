from odoo import fields, models


class CustomerMajorChange(models.Model):
    _name = "customer.major.change"
    _description = "Customer Major Change"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    description = fields.Text(
        required=True, help="What changed at the customer (重大变动事项): ownership, management, address, …"
    )
    user_id = fields.Many2one(
        "res.users", string="Recorded By", required=True, default=lambda self: self.env.user
    )
