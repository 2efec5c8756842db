import base64
import io
import logging

import xlsxwriter

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError

_logger = logging.getLogger(__name__)

# Columns of the "Customers" sheet, counted in the access log of an export.
ANALYSIS_CUSTOMER_COLUMNS = 11
# Dimensions of the characteristics analysis (客户特征分析) of the policy.
DISTRIBUTION_FIELDS = (
    "customer_category",
    "customer_enterprise_type",
    "industry_id",
    "country_id",
    "state_id",
    "customer_gender",
    "customer_education",
    "customer_income_band",
)


class CustomerAnalysisWizard(models.TransientModel):
    _name = "customer.analysis.wizard"
    _description = "Customer Data Analysis Report"

    year = fields.Integer(
        required=True,
        default=lambda self: fields.Date.context_today(self).year - 1,
        help="Calendar year whose confirmed orders the report shows.",
    )
    xlsx_file = fields.Binary(string="Spreadsheet", readonly=True, attachment=False)
    xlsx_filename = fields.Char(readonly=True)

    @api.model
    def _check_analysis_access(self):
        groups = (
            "customer_credit_management.group_customer_data_custodian",
            "customer_credit_management.group_marketing_director",
            "customer_credit_management.group_credit_manager",
        )
        if not (self.env.su or any(self.env.user.has_group(group) for group in groups)):
            raise AccessError(
                self.env._(
                    "Only customer service, the marketing director and credit managers can export "
                    "the analysis."
                )
            )

    def action_export_xlsx(self):
        self.ensure_one()
        self._check_analysis_access()
        # The analysis is an export of customer data: same control and log as the list export.
        customers = self._customers()
        policy = self.env["customer.access.policy"]
        policy._check_export(customers, ANALYSIS_CUSTOMER_COLUMNS)
        content = self._xlsx_content(customers)
        policy._log_access(customers, "export", export_counts=(len(customers), ANALYSIS_CUSTOMER_COLUMNS))
        self.write(
            {
                "xlsx_file": base64.b64encode(content),
                "xlsx_filename": f"Customer_Analysis_{self.year}.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "target": "self",
            "url": f"/web/content?model={self._name}&id={self.id}&field=xlsx_file"
            "&filename_field=xlsx_filename&download=true",
        }

    def _customers(self):
        return self.env["res.partner"].search(
            [("is_external_customer", "=", True), "|", ("is_company", "=", True), ("parent_id", "=", False)]
        )

    def _xlsx_content(self, customers):
        Partner = self.env["res.partner"]
        domain = [("id", "in", customers.ids)]
        amounts = customers._customer_category_amounts()[0] if customers else {}
        feedback = {
            partner.id: (count, avg)
            for partner, count, avg in self.env["customer.feedback"]._read_group(
                [("partner_id", "in", customers.ids)], ["partner_id"], ["__count", "satisfaction:avg"]
            )
        }
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        ratio = workbook.add_format({"num_format": "0.0"})

        sheet = workbook.add_worksheet(self.env._("Characteristics"))
        sheet.set_column(0, 1, 30)
        row = 0
        for name in DISTRIBUTION_FIELDS:
            field = Partner._fields[name]
            sheet.write(row, 0, field._description_string(self.env), bold)
            sheet.write(row, 1, self.env._("Customers"), bold)
            row += 1
            labels = dict(field._description_selection(self.env)) if field.type == "selection" else {}
            for value, count in Partner._read_group(domain, [name], ["__count"]):
                label = labels.get(value, value) if field.type == "selection" else value.display_name
                sheet.write(row, 0, label or self.env._("Not set"))
                sheet.write(row, 1, count)
                row += 1
            row += 1

        sheet = workbook.add_worksheet(self.env._("Customers"))
        headers = [
            self.env._("Customer"),
            Partner._fields["customer_category"]._description_string(self.env),
            Partner._fields["customer_enterprise_type"]._description_string(self.env),
            Partner._fields["industry_id"]._description_string(self.env),
            Partner._fields["state_id"]._description_string(self.env),
            self.env._("Annual Amount %(year)s", year=self.year),
            self.env._("Largest Order %(year)s", year=self.year),
            Partner._fields["customer_potential_demand"]._description_string(self.env),
            self.env._("Feedback Count"),
            self.env._("Average Satisfaction"),
            Partner._fields["credit_grade_id"]._description_string(self.env),
        ]
        sheet.write_row(0, 0, headers, bold)
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, len(headers) - 1, 18)
        categories = dict(Partner._fields["customer_category"]._description_selection(self.env))
        types = dict(Partner._fields["customer_enterprise_type"]._description_selection(self.env))
        order = {"key": 0, "stable": 1, "general": 2, "potential": 3}
        for row, partner in enumerate(
            customers.sorted(lambda p: (order.get(p.customer_category, 9), p.name or "")), start=1
        ):
            total, largest = amounts.get(partner.id, {}).get(self.year, (0.0, 0.0))
            count, average = feedback.get(partner.id, (0, 0.0))
            sheet.write(row, 0, partner.display_name)
            sheet.write(row, 1, categories.get(partner.customer_category, ""))
            sheet.write(row, 2, types.get(partner.customer_enterprise_type, ""))
            sheet.write(row, 3, partner.industry_id.display_name or "")
            sheet.write(row, 4, partner.state_id.display_name or "")
            sheet.write_number(row, 5, total, money)
            sheet.write_number(row, 6, largest, money)
            sheet.write_number(row, 7, partner.customer_potential_demand, money)
            sheet.write_number(row, 8, count)
            if count:
                sheet.write_number(row, 9, average, ratio)
            sheet.write(row, 10, partner.credit_grade_id.display_name or "")
        workbook.close()
        return buffer.getvalue()

    @api.model
    def _cron_send_monthly_analysis(self):
        """Monthly: e-mail the analysis of the year so far to the users who asked for it, each
        built as that user, so that it holds only what they may read and export."""
        today = fields.Date.context_today(self)
        # Early January, the year just closed is the one worth reading.
        year = today.year if today.month > 1 else today.year - 1
        # Who got this month's e-mail is skipped: a scheduled action may run again after it
        # committed (a server killed before Odoo stored its next call, or a run by hand).
        users = self.env["res.users"].search(
            [
                ("customer_analysis_monthly", "=", True),
                ("share", "=", False),
                ("email", "!=", False),
                "|",
                ("customer_analysis_sent_date", "=", False),
                ("customer_analysis_sent_date", "<", today.replace(day=1)),
            ]
        )
        for user in users:
            try:
                wizard = self.with_user(user).create({"year": year})
                wizard.action_export_xlsx()
            except AccessError as error:
                _logger.info("Monthly customer analysis not sent to %s: %s", user.login, error)
                continue
            self.env["mail.mail"].sudo().create(
                {
                    "subject": self.env._("Customer analysis %(year)s", year=year),
                    "body_html": self.env._(
                        "<p>The customer analysis report of %(year)s is attached.</p>", year=year
                    ),
                    "email_to": user.email_formatted,
                    "recipient_ids": [Command.link(user.partner_id.id)],
                    "attachment_ids": [
                        Command.create(
                            {
                                "name": wizard.xlsx_filename,
                                "datas": wizard.xlsx_file,
                            }
                        )
                    ],
                }
            )
            user.sudo().customer_analysis_sent_date = today
        return True
