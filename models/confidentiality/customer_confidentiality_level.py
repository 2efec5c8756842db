from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class CustomerConfidentialityLevel(models.Model):
    """Confidentiality level (密级) of customer data, and clearance of the users who read it.

    A user reads a customer whose level's rank is at most the rank of the user's clearance.
    """

    _name = "customer.confidentiality.level"
    _description = "Customer Confidentiality Level"
    _order = "rank, id"

    name = fields.Char(required=True, translate=True)
    rank = fields.Integer(
        required=True,
        help="Higher is stricter. A user reads a customer whose level ranks at most the user's clearance.",
    )
    description = fields.Text(translate=True, help="Which customers get this level, and who may read them.")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("rank_unique", "UNIQUE (rank)", "Two confidentiality levels cannot have the same rank."),
        ("rank_positive", "CHECK (rank >= 0)", "The rank of a confidentiality level cannot be negative."),
    ]

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        # An emptied level would make its customers public: archive it instead.
        used = self.env["res.partner"].sudo().with_context(active_test=False).search_count(
            [
                "|",
                ("confidentiality_level_id", "in", self.ids),
                ("confidentiality_level_proposed_id", "in", self.ids),
            ],
            limit=1,
        ) or self.env["res.users"].sudo().with_context(active_test=False).search_count(
            [("customer_clearance_level_id", "in", self.ids)], limit=1
        )
        if used:
            raise UserError(
                self.env._("A confidentiality level given to customers or users cannot be deleted.")
            )

    @api.model
    def _default_level(self, xmlid="confidentiality_level_internal"):
        return self.env.ref(f"customer_credit_management.{xmlid}", raise_if_not_found=False)

    @api.model
    def _init_default_levels(self):
        """Give the default level to the users and partners created before the levels existed.

        In SQL: at installation every partner is concerned, and the rank follows the level.
        """
        level = self._default_level()
        self.env.execute_query(
            SQL(
                "UPDATE res_users SET customer_clearance_level_id = %(level)s"
                " WHERE customer_clearance_level_id IS NULL",
                level=level.id,
            )
        )
        self.env.execute_query(
            SQL(
                "UPDATE res_partner SET confidentiality_level_id = %(level)s,"
                " confidentiality_effective_level_id = %(level)s, confidentiality_rank = %(rank)s"
                " WHERE confidentiality_level_id IS NULL",
                level=level.id,
                rank=level.rank,
            )
        )
        self.env.invalidate_all()
        return True
