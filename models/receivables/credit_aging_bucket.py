from odoo import api, fields, models


class CreditAgingBucket(models.Model):
    _name = "credit.aging.bucket"
    _description = "Aging Bucket"
    _order = "bucket_set_id, day_from, sequence, id"

    bucket_set_id = fields.Many2one("credit.aging.bucket.set", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    day_from = fields.Integer(
        string="From",
        help="First day overdue (or day since the invoice date) of this bucket. The 'not due' "
        "bucket starts at 0 and also holds documents not yet due.",
    )
    day_to = fields.Integer(
        string="To",
        help="Last day overdue of this bucket, inclusive. Leave it empty (0) on the last bucket "
        "to make it open-ended.",
    )
    is_open_ended = fields.Boolean(
        string="Open-ended",
        compute="_compute_is_open_ended",
        help="The bucket holds every document older than its start.",
    )

    @api.depends("day_from", "day_to")
    def _compute_is_open_ended(self):
        # An Integer cannot be empty in Odoo: an end before the start stands for "no end".
        for bucket in self:
            bucket.is_open_ended = bucket.day_to < bucket.day_from
