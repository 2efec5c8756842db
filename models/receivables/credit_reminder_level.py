import re

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# The values a letter body may quote, written {name} in the text (see the field's help).
BODY_PLACEHOLDERS = (
    "partner",
    "company",
    "amount",
    "amount_words",
    "credit_term",
    "days_late",
    "period",
    "previous_dates",
    "pay_by",
    "law_firm",
    "filing_date",
    "promised_amount",
)
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


class CreditReminderLevel(models.Model):
    """One of the five collection letters of the credit policy (收帐信, attachment 4)."""

    _name = "credit.reminder.level"
    _description = "Collection Letter Level"
    _order = "sequence, id"

    sequence = fields.Integer(
        required=True,
        help="Rank of the letter, 1 to 5: a customer receives the levels in this order. Level 0 is "
        "the courtesy reminder before the due date (see the setting 'Reminder Before Due Date').",
    )
    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    min_days_overdue = fields.Integer(
        string="Minimum Days Overdue",
        help="The oldest open overdue document of the customer must be at least this many days "
        "past its due date.",
    )
    min_days_since_previous = fields.Integer(
        string="Days After Previous Letter",
        help="Days that must have passed since the previous letter was sent (the second letter "
        "comes about half a month after the first). Ignored for the first level.",
    )
    days_to_pay = fields.Integer(
        string="Days to Pay",
        default=10,
        help="The pay-by date of the letter is its date plus this many days.",
    )
    signer_role = fields.Selection(
        [
            ("clerk", "Department clerk"),
            ("supervisor", "Department supervisor"),
            ("manager", "Department manager"),
            ("legal", "Legal department"),
        ],
        required=True,
        default="clerk",
        help="Who signs the letter: the letters are signed by ever more senior roles.",
    )
    signer_title = fields.Char(
        translate=True, help="Title printed under the signature, e.g. 'Finance Department Manager'."
    )
    effect = fields.Selection(
        [
            ("none", "None"),
            ("collection", "Credit hold: in collection"),
            ("litigation", "Credit hold: pre-litigation"),
        ],
        string="Effect on the Customer",
        required=True,
        default="none",
        help="What sending this letter does to the customer's credit: a hold blocks orders and "
        "deliveries until the overdue receivables are paid or a Credit Manager lifts it.",
    )
    asks_legal_details = fields.Boolean(
        string="Names Law Firm",
        help="The letter names the law firm and the planned filing date entered in the collection run.",
    )
    body = fields.Html(
        translate=True,
        sanitize_attributes=False,
        help="Text of the letter. It may quote: {partner} the customer, {company} your company, "
        "{amount} the overdue amount, {amount_words} the same in words, {credit_term} the agreed "
        "credit term in days, {days_late} the days the oldest document is late, {period} the month "
        "of the oldest overdue document, {previous_dates} the dates of the earlier letters, "
        "{pay_by} the pay-by date, {law_firm} and {filing_date} (from the collection run), "
        "{promised_amount} the amount of the payment promise a promise reminder recalls.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        domain=[("model", "=", "credit.reminder")],
        help="E-mail sent with the letter attached when the letters are e-mailed.",
    )
    fee_amount = fields.Float(
        string="Collection Fee",
        digits="Account",
        help="Fixed collection fee charged with this letter, in the company's currency; zero for none.",
    )
    show_interest = fields.Boolean(
        string="Itemise Interest",
        help="The letter lists the late-payment interest of each overdue document (when the company "
        "charges interest).",
    )
    promise_reminder = fields.Boolean(
        string="Reminds a Promise",
        help="The reminder of a payment promise, proposed before the promised date (see the setting "
        "'Reminder of a payment promise'): outside the chain of letters.",
    )
    reminder_count = fields.Integer(compute="_compute_reminder_count", string="Letters")

    _sql_constraints = [
        (
            "sequence_positive",
            "CHECK(sequence >= 0)",
            "The sequence of a letter level cannot be negative (0 is the reminder before the due date).",
        ),
    ]

    @api.constrains("sequence", "active")
    def _check_sequence_unique(self):
        for level in self.filtered("active"):
            if self.search_count([("sequence", "=", level.sequence), ("id", "!=", level.id)]):
                raise ValidationError(
                    self.env._("Two active letter levels cannot have the sequence %s.", level.sequence)
                )

    @api.constrains("min_days_overdue", "min_days_since_previous", "days_to_pay", "fee_amount")
    def _check_days(self):
        for level in self:
            days = (level.min_days_overdue, level.min_days_since_previous, level.days_to_pay)
            if min(*days, level.fee_amount) < 0:
                raise ValidationError(
                    self.env._("The days and the fee of a letter level cannot be negative.")
                )

    @api.constrains("body")
    def _check_body_placeholders(self):
        for level in self:
            unknown = set(PLACEHOLDER_RE.findall(level.body or "")) - set(BODY_PLACEHOLDERS)
            if unknown:
                raise ValidationError(
                    self.env._(
                        "The letter %(level)s quotes unknown values: %(names)s. Known values: %(known)s.",
                        level=level.name,
                        names=", ".join(sorted("{" + name + "}" for name in unknown)),
                        known=", ".join("{" + name + "}" for name in BODY_PLACEHOLDERS),
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if self.env["credit.reminder"].search_count([("level_id", "in", self.ids)], limit=1):
            raise UserError(self.env._("A letter level with letters cannot be deleted; archive it instead."))

    def _compute_reminder_count(self):
        counts = dict(
            self.env["credit.reminder"]._read_group([("level_id", "in", self.ids)], ["level_id"], ["__count"])
        )
        for level in self:
            level.reminder_count = counts.get(level, 0)
