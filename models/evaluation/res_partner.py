from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_score = fields.Float(
        digits=(5, 2),
        tracking=True,
        help="Credit score from 0 to 100 given by the last approved credit evaluation. "
        "Kept on the commercial entity; its contacts and addresses share it.",
        write_owner="credit",
    )
    credit_score_date = fields.Date(
        string="Last Evaluation",
        tracking=True,
        help="Date of the credit evaluation behind the score. A customer without it has "
        "not been scored and has no grade.",
        write_owner="credit",
    )
    credit_grade_id = fields.Many2one(
        "credit.grade",
        compute="_compute_credit_grade_id",
        store=True,
        index="btree_not_null",
        help="Grade of the commercial entity, from its credit score and the grade table.",
        write_owner="credit",
    )
    credit_grade_recommendation = fields.Text(related="credit_grade_id.recommendation", string="Grade Policy")
    credit_can_edit_score = fields.Boolean(compute="_compute_credit_can_edit_score")
    credit_evaluation_id = fields.Many2one(
        "credit.evaluation",
        string="Current Evaluation",
        readonly=True,
        copy=False,
        help="The approved credit evaluation behind the score.",
        write_owner="credit",
    )
    credit_evaluation_count = fields.Integer(compute="_compute_credit_evaluation_count")
    credit_reevaluation_due = fields.Boolean(
        string="Re-evaluation Due",
        compute="_compute_credit_reevaluation_due",
        search="_search_credit_reevaluation_due",
        help="The last approved evaluation is older than the re-evaluation period of the company.",
    )

    def _compute_credit_evaluation_count(self):
        counts = dict(
            self.env["credit.evaluation"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.credit_evaluation_count = counts.get(partner.commercial_partner_id, 0)

    @api.model
    def _credit_reevaluation_limit(self):
        months = self.env.company.credit_reevaluation_months
        return fields.Date.context_today(self) - relativedelta(months=months)

    @api.depends("commercial_partner_id.credit_score_date")
    @api.depends_context("company")
    def _compute_credit_reevaluation_due(self):
        limit = self._credit_reevaluation_limit()
        for partner in self:
            date = partner.commercial_partner_id.credit_score_date
            partner.credit_reevaluation_due = bool(date and date < limit)

    def _search_credit_reevaluation_due(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Re-evaluation Due."))
        # On ids in SQL: the path would search the commercial entities under the user's rules.
        self.flush_model(["credit_score_date"])
        domain = [
            (
                "commercial_partner_id",
                "in",
                SQL(
                    "(SELECT id FROM res_partner WHERE credit_score_date < %s)",
                    self._credit_reevaluation_limit(),
                ),
            )
        ]
        return domain if (operator == "=") == value else ["!", *domain]

    def action_open_credit_evaluations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_credit_management.credit_evaluation_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    @api.model
    def _cron_schedule_credit_reevaluations(self):
        """Give the credit manager one to-do per customer whose evaluation is out of date."""
        partners = self.search(
            [
                ("credit_reevaluation_due", "=", True),
                "|",
                ("is_company", "=", True),
                ("parent_id", "=", False),
            ]
        )
        activity_type = self.env.ref("customer_credit_management.mail_activity_type_credit_reevaluation")
        partners._customer_schedule_activities(
            activity_type,
            self.env.company._credit_responsible_user(),
            note=lambda partner: self.env._(
                "The last credit evaluation of %(partner)s dates from %(date)s: evaluate the customer again.",
                partner=partner.display_name,
                date=partner.credit_score_date,
            ),
        )
        return True

    def _compute_credit_can_edit_score(self):
        self.credit_can_edit_score = self.env.user.has_group(
            "customer_credit_management.group_credit_manager"
        )

    @api.depends("commercial_partner_id.credit_score", "commercial_partner_id.credit_score_date")
    def _compute_credit_grade_id(self):
        scored = self.filtered(lambda p: p.commercial_partner_id.credit_score_date)
        (self - scored).credit_grade_id = False
        if not scored:
            return
        Grade = self.env["credit.grade"].sudo()
        grades = Grade.search([("active", "=", True)])
        for partner in scored:
            partner.credit_grade_id = Grade._grade_for_score(
                partner.commercial_partner_id.credit_score, grades=grades
            )

    @api.model
    def _stamp_credit_score_date(self, vals):
        # A score set without a date counts from today, so it always yields a grade.
        if "credit_score" in vals and "credit_score_date" not in vals:
            vals["credit_score_date"] = fields.Date.context_today(self)
