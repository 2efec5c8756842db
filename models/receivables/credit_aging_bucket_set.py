import itertools

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# The aging line and its reports have this many bucket columns.
MAX_BUCKETS = 8


class CreditAgingBucketSet(models.Model):
    _name = "credit.aging.bucket.set"
    _description = "Aging Bucket Set"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    bucket_ids = fields.One2many("credit.aging.bucket", "bucket_set_id", string="Buckets", copy=True)
    list_view_id = fields.Many2one(
        "ir.ui.view",
        string="Aging Screen View",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The aging screen's list with this set's buckets as its columns.",
    )

    @api.constrains("bucket_ids")
    def _check_buckets(self):
        for bucket_set in self:
            buckets = bucket_set.bucket_ids.sorted(lambda b: (b.day_from, b.sequence, b.id))
            if not buckets:
                raise ValidationError(
                    self.env._("The bucket set %(name)s needs at least one bucket.", name=bucket_set.name)
                )
            if len(buckets) > MAX_BUCKETS:
                raise ValidationError(
                    self.env._(
                        "The bucket set %(name)s has %(count)s buckets; at most %(max)s are allowed.",
                        name=bucket_set.name,
                        count=len(buckets),
                        max=MAX_BUCKETS,
                    )
                )
            first = buckets[0]
            if first.day_from > 0 or first.day_to != 0:
                raise ValidationError(
                    self.env._(
                        "The first bucket of %(name)s must be the 'not due' bucket: from 0 (or less) "
                        "to 0 days overdue.",
                        name=bucket_set.name,
                    )
                )
            for previous, bucket in itertools.pairwise(buckets):
                if previous.is_open_ended or bucket.day_from != previous.day_to + 1:
                    raise ValidationError(
                        self.env._(
                            "The buckets %(previous)s and %(bucket)s of %(name)s overlap or leave a gap: "
                            "each bucket must start the day after the previous one ends.",
                            previous=previous.name,
                            bucket=bucket.name,
                            name=bucket_set.name,
                        )
                    )
            if not buckets[-1].is_open_ended:
                raise ValidationError(
                    self.env._(
                        "The last bucket of %(name)s must be open-ended (leave its 'To' empty) "
                        "so that no old receivable is left out.",
                        name=bucket_set.name,
                    )
                )

    def unlink(self):
        views = self.sudo().list_view_id
        result = super().unlink()
        views.unlink()
        return result

    def _aging_list_view(self):
        """The aging screen's list view of this set: a view of its own, so that the web client,
        which asks for views by id (it sends no other context than the language), gets this
        set's bucket names as column headers (see ``credit.aging.line._get_view``)."""
        self.ensure_one()
        if not self.sudo().list_view_id:
            base = self.env.ref("customer_credit_management.credit_aging_line_view_list")
            # Sudo: whoever runs the aging may not write views.
            self.sudo().list_view_id = (
                self.env["ir.ui.view"]
                .sudo()
                .create(
                    {
                        "name": f"credit.aging.line.list.bucket.set.{self.id}",
                        "model": "credit.aging.line",
                        "inherit_id": base.id,
                        "mode": "primary",
                        "arch": '<xpath expr="/list" position="attributes">'
                        '<attribute name="class">o_credit_aging_list</attribute></xpath>',
                    }
                )
            )
        return self.sudo().list_view_id

    def _ordered_buckets(self):
        self.ensure_one()
        return self.bucket_ids.sorted(lambda b: (b.day_from, b.sequence, b.id))

    def _bucket_limits(self):
        """Inclusive upper bounds in days overdue of every bucket but the open-ended last."""
        return [bucket.day_to for bucket in self._ordered_buckets()[:-1]]
