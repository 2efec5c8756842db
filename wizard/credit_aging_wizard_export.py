from odoo import models

EXPORT_COUNTS = "customer_export_counts"


class CreditAgingWizard(models.TransientModel):
    _inherit = "credit.aging.wizard"

    def _xlsx_content(self, data):
        # The spreadsheet is an export of customer data: same control and log as the list export.
        partners = self.env["res.partner"].browse(
            {row["partner_id"] for row in data["rows"] if row["partner_id"]}
        )
        field_count = len(data["bucket_fields"]) + 6  # customer, salesperson, grade, total, overdue, %
        Partner = self.env["res.partner"]
        Partner._check_customer_export(partners, field_count)
        content = super()._xlsx_content(data)
        self.env["customer.access.log"].with_context(
            **{EXPORT_COUNTS: (len(partners), field_count)}
        )._log_access(partners, "export")
        return content
