import hashlib
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)

# The scheduled action refreshes the figures every 30 minutes; figures older than this are not
# shown (the dashboard computes them while the user waits), so a stopped cron costs speed only.
MAX_AGE = timedelta(hours=1)
# What the dashboard shows of ``credit.dashboard._receivable_figures`` (not the per-customer DSO
# of every customer, which it does not display).
STORED_KEYS = (
    "bucket_names",
    "bucket_keys",
    "aging_by_grade",
    "dso_rows",
    "company_dso",
    "average_days_late",
    "cei_months",
    "total_receivable",
)


def visibility_key(hidden_ids):
    """A digest of the customers a user may not read: figures computed for one set of hidden
    customers are never shown with another."""
    return hashlib.sha256(",".join(map(str, sorted(hidden_ids))).encode()).hexdigest()


class CreditDashboardFigures(models.Model):
    """The dashboard's receivable figures (aging by grade, DSO, days late, CEI) of one user in one
    company, as last computed for them: six scans of the receivable lines that take seconds on a
    large book, so a scheduled action and the dashboard's Refresh button compute them and the
    dashboard reads them. The tiles are always computed when read.

    Read and written by the server only (``sudo``), for the user they were computed for, while
    the customers that user may not read are the same (``hidden_key``): no group has access."""

    _name = "credit.dashboard.figures"
    _description = "Credit Dashboard Figures"

    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    date = fields.Date(required=True, help="The day the figures are for.")
    hidden_key = fields.Char(required=True)
    computed_at = fields.Datetime(required=True)
    data = fields.Json()

    _sql_constraints = [
        ("user_company_unique", "UNIQUE(user_id, company_id)", "One set of figures per user and company."),
    ]

    @api.model
    def _current(self, company, today, hidden_ids):
        """(figures, computed at) stored for the current user in ``company`` for ``today`` with
        these hidden customers, at most ``MAX_AGE`` old; (None, None) otherwise."""
        record = self.sudo().search(
            [("user_id", "=", self.env.uid), ("company_id", "=", company.id)], limit=1
        )
        if (
            not record
            or record.date != today
            or record.hidden_key != visibility_key(hidden_ids)
            or record.computed_at < fields.Datetime.now() - MAX_AGE
        ):
            return None, None
        data = dict(record.data)
        for month in data["cei_months"]:
            month["month"] = fields.Date.to_date(month["month"])
        return data, record.computed_at

    @api.model
    def _store(self, company, today, hidden_ids, figures):
        values = {
            "date": today,
            "hidden_key": visibility_key(hidden_ids),
            "computed_at": fields.Datetime.now(),
            "data": {
                **{key: figures[key] for key in STORED_KEYS},
                "cei_months": [
                    {**month, "month": fields.Date.to_string(month["month"])}
                    for month in figures["cei_months"]
                ],
            },
        }
        record = self.sudo().search([("user_id", "=", self.env.uid), ("company_id", "=", company.id)])
        if record:
            record.write(values)
        else:
            record = self.sudo().create({**values, "user_id": self.env.uid, "company_id": company.id})
        return record

    @api.model
    def _cron_refresh(self):
        """Compute the figures of every Credit Manager in each of their companies, as them (their
        clearance), and forget those of other days."""
        self.sudo().search([("date", "<", fields.Date.today() - timedelta(days=1))]).unlink()
        managers = self.env.ref("customer_credit_management.group_credit_manager").users
        for user in managers.filtered(lambda user: user.active and not user.share):
            for company in user.company_ids:
                try:
                    with self.env.cr.savepoint():
                        self.env["credit.dashboard"].with_user(user).with_company(company)._refresh_figures()
                except (AccessError, UserError) as error:
                    _logger.info(
                        "Dashboard figures of %s in %s not computed: %s", user.login, company.name, error
                    )
