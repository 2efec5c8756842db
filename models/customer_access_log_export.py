from odoo import api, fields, models

EXPORT_COUNTS = "customer_export_counts"
EXPORT_GRANT_TYPES = ("copy", "external")


class CustomerAccessLog(models.Model):
    _inherit = "customer.access.log"

    action = fields.Selection(
        selection_add=[("export_refused", "Export refused")], ondelete={"export_refused": "cascade"}
    )
    export_record_count = fields.Integer(
        string="Records Exported",
        readonly=True,
        help="Number of records in the export this entry belongs to.",
    )
    export_field_count = fields.Integer(
        string="Fields Exported", readonly=True, help="Number of fields (columns) in that export."
    )

    @api.model_create_multi
    def create(self, vals_list):
        counts = self.env.context.get(EXPORT_COUNTS)
        if counts:
            for vals in vals_list:
                if vals.get("action") == "export":
                    vals.setdefault("export_record_count", counts[0])
                    vals.setdefault("export_field_count", counts[1])
        return super().create(vals_list)

    @api.model
    def _grants_used(self, partners):
        used = super()._grants_used(partners)
        if not self.env.context.get(EXPORT_COUNTS):
            return used
        # An export is covered by a copy or external-provision grant, not by a consult one.
        wrong = {pid for pid, grant in used.items() if grant.grant_type not in EXPORT_GRANT_TYPES}
        if wrong:
            now = fields.Datetime.now()
            grants = (
                self.env["customer.access.grant"]
                .sudo()
                .search(
                    [
                        ("user_id", "=", self.env.uid),
                        ("state", "=", "active"),
                        ("grant_type", "in", EXPORT_GRANT_TYPES),
                        ("date_start", "<=", now),
                        ("date_end", ">", now),
                        ("partner_ids", "in", list(wrong)),
                    ]
                )
            )
            used.update(
                {
                    partner.id: grant
                    for grant in grants
                    for partner in grant.partner_ids
                    if partner.id in wrong
                }
            )
        return used
