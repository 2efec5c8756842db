from odoo import api, models
from odoo.exceptions import AccessError, UserError

from .groups import CREDIT_MANAGER_GROUP

SYSTEM_STEP = "system"


class CreditApprovalMixin(models.AbstractModel):
    """A ``state`` workflow whose deciding steps only a Credit Manager may take.

    Checked in ``write``, so that no caller (form, RPC, import, a forged context) can step around
    it; once out of its editable states a record only takes the workflow's own fields.
    """

    _name = "credit.approval.mixin"
    _description = "Credit Approval Workflow"

    # (from state, to state) -> True when only a Credit Manager may take that step, SYSTEM_STEP
    # when only the module's own code (as superuser) takes it.
    _credit_transitions = {}
    _credit_editable_states = ()
    # What may still change outside the editable states (besides mail and activity fields); only
    # together with a change of state, or by the system.
    _credit_workflow_fields = frozenset({"state"})

    @api.model_create_multi
    def create(self, vals_list):
        # Odoo applies a context's ``default_*`` value at create as a value of the record: none may
        # set the workflow's state or what its steps set (a record created approved, by nobody).
        # The required fields it is created for (the release's order) are given as usual.
        if not self.env.su and any(
            f"default_{name}" in self.env.context
            for name in self._credit_workflow_fields
            if name == "state" or not self._fields[name].required
        ):
            raise AccessError(self._credit_manager_only_message())
        return super().create(vals_list)

    def write(self, vals):
        if "state" in vals:
            if (
                not self.env.su
                and (self._credit_workflow_fields - {"state"}) & vals.keys()
                and any(record.state == vals["state"] for record in self)
            ):
                # A state written again is no step: what the steps set stays theirs.
                raise AccessError(self._credit_manager_only_message())
            self._check_credit_transition(vals["state"])
        elif not self.env.su and (self._credit_workflow_fields & vals.keys()):
            # Who approved, when, for how much: set by the workflow's own steps, never on their own.
            raise AccessError(self._credit_manager_only_message())
        changed = {
            name
            for name in vals
            if name not in self._credit_workflow_fields and not name.startswith(("message_", "activity_"))
        }
        locked = self.filtered(lambda record: record.state not in self._credit_editable_states)
        if changed and locked:
            raise UserError(locked[0]._credit_locked_message())
        return super().write(vals)

    def _check_credit_transition(self, new_state):
        is_manager = self.env.su or self.env.user.has_group(CREDIT_MANAGER_GROUP)
        for record in self:
            if record.state == new_state:
                continue
            needs_manager = self._credit_transitions.get((record.state, new_state))
            if needs_manager is None or (needs_manager == SYSTEM_STEP and not self.env.su):
                raise UserError(record._credit_forbidden_step_message(new_state))
            if needs_manager and not is_manager:
                raise AccessError(self._credit_manager_only_message())
            record._check_credit_step(new_state, needs_manager)

    def _check_credit_step(self, new_state, needs_manager):
        """Hook: further conditions of a step, raise to refuse it."""

    def _credit_locked_message(self):
        raise NotImplementedError

    def _credit_forbidden_step_message(self, new_state):
        raise NotImplementedError

    def _credit_manager_only_message(self):
        raise NotImplementedError
