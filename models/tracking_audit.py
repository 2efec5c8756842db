"""The chatter's record of the module's tracked fields (credit hold, score, term, category, level,
workflow states) does not depend on the client's context.

Odoo lets any caller send ``tracking_disable`` or ``mail_notrack`` in its context, which skips
field tracking. For a write that changes a field the module tracks, both are ignored unless the
module's own code switched tracking off with ``NO_FIELD_TRACKING`` (a flag of the running request
that no client can set). Odoo's other tracked fields keep Odoo's behaviour.
"""

from odoo import models

from .internal_flags import NO_FIELD_TRACKING

MODULE = "customer_credit_management"
# Odoo's context keys that skip field tracking in mail.thread's write.
TRACKING_OFF_KEYS = ("tracking_disable", "mail_notrack")


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def write(self, vals):
        context = self.env.context
        if (
            not NO_FIELD_TRACKING
            and any(context.get(key) for key in TRACKING_OFF_KEYS)
            and any(
                (field := self._fields.get(fname)) is not None
                and getattr(field, "tracking", None)
                and field._module == MODULE
                for fname in vals
            )
        ):
            return super(MailThread, self.with_context(tracking_disable=False, mail_notrack=False)).write(
                vals
            )
        return super().write(vals)
