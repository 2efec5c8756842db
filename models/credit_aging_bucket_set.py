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

    def _ordered_buckets(self):
        self.ensure_one()
        return self.bucket_ids.sorted(lambda b: (b.day_from, b.sequence, b.id))

    def _bucket_limits(self):
        """Inclusive upper bounds in days overdue of every bucket but the open-ended last."""
        return [bucket.day_to for bucket in self._ordered_buckets()[:-1]]
