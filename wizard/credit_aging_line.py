from odoo import api, fields, models

BUCKET_FIELDS = [f"b{index}" for index in range(1, 9)]


class CreditAgingLine(models.TransientModel):
    _name = "credit.aging.line"
    _description = "Receivables Aging Line"
    _order = "partner_name, id"

    wizard_id = fields.Many2one("credit.aging.wizard", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    partner_name = fields.Char(string="Customer Name", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    grade_id = fields.Many2one("credit.grade", string="Credit Grade", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    b1 = fields.Monetary(string="Bucket 1", readonly=True)
    b2 = fields.Monetary(string="Bucket 2", readonly=True)
    b3 = fields.Monetary(string="Bucket 3", readonly=True)
    b4 = fields.Monetary(string="Bucket 4", readonly=True)
    b5 = fields.Monetary(string="Bucket 5", readonly=True)
    b6 = fields.Monetary(string="Bucket 6", readonly=True)
    b7 = fields.Monetary(string="Bucket 7", readonly=True)
    b8 = fields.Monetary(string="Bucket 8", readonly=True)
    total = fields.Monetary(readonly=True)
    overdue = fields.Monetary(readonly=True, help="Part of the total past its due date.")
    overdue_percent = fields.Float(
        string="Overdue (%)", digits=(5, 1), aggregator=False, readonly=True, help="Overdue / total."
    )
    blocked = fields.Monetary(
        string="Disputed",
        readonly=True,
        help="Part of the total under an approved dispute or collection block: kept in the aging, "
        "left out of the collection letters and the overdue hold.",
    )
    promised = fields.Monetary(
        readonly=True,
        help="Part of the total covered by a valid payment promise: not escalated by the collection run.",
    )
    promise_broken = fields.Boolean(
        related="partner_id.credit_promise_broken", help="The customer's last payment promise was not kept."
    )

    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        labels = self._bucket_labels(view_id) if view_type == "list" else ()
        return (*super()._get_view_cache_key(view_id, view_type, **options), labels)

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        # Each bucket set has a list view of its own (the web client asks for views by id and
        # sends no other context than the language): its bucket names, in that language, become
        # the column headers and the columns beyond them are hidden.
        arch, view = super()._get_view(view_id, view_type, **options)
        labels = self._bucket_labels(view_id) if view_type == "list" else ()
        if labels:
            for index, fname in enumerate(BUCKET_FIELDS):
                for node in arch.xpath(f"//field[@name='{fname}']"):
                    if index < len(labels):
                        node.set("string", labels[index])
                    else:
                        node.set("column_invisible", "1")
        return arch, view

    @api.model
    def _bucket_labels(self, view_id):
        """The names of the buckets of the set whose list view is ``view_id``, else of the
        default set."""
        BucketSet = self.env["credit.aging.bucket.set"].sudo()
        bucket_set = view_id and BucketSet.with_context(active_test=False).search(
            [("list_view_id", "=", view_id)], limit=1
        )
        bucket_set = bucket_set or BucketSet.search([], limit=1)
        return tuple(bucket_set._ordered_buckets().mapped("name")) if bucket_set else ()

    def action_open_items(self):
        """The customer's receivable lines open on the wizard's date."""
        self.ensure_one()
        wizard = self.wizard_id
        items = self.env["credit.receivable"].get_open_items(
            wizard.date_as_of,
            wizard._scope_companies(),
            **wizard._scope_filters(partner_ids=[self.partner_id.id]),
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Open Receivables of %(customer)s on %(date)s",
                customer=self.partner_id.display_name,
                date=wizard.date_as_of,
            ),
            "res_model": "account.move.line",
            "view_mode": "list,form",
            "views": [
                (self.env.ref("customer_credit_management.credit_aging_item_view_list").id, "list"),
                (False, "form"),
            ],
            "search_view_id": [self.env.ref("customer_credit_management.credit_aging_item_view_search").id],
            "domain": [("id", "in", [item["line_id"] for item in items])],
            # The flags of the items as of the aging's date.
            "context": {"create": False, "credit_as_of": fields.Date.to_string(wizard.date_as_of)},
        }
