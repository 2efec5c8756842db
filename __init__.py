from . import models
from . import wizard
from . import controllers


def uninstall_hook(env):
    env["sale.order"]._credit_demo_unsettle()
    # The to-dos of the module's kinds (credit warnings, approvals) go with their kinds.
    activity_types = env["ir.model.data"].search(
        [("module", "=", "customer_credit_management"), ("model", "=", "mail.activity.type")]
    )
    env["mail.activity"].search([("activity_type_id", "in", activity_types.mapped("res_id"))]).unlink()
    # The module's code still runs while Odoo deletes its records after this hook (the credit
    # re-evaluation of the customers whose demo documents go reads their exposure): the exposure
    # function is dropped once the uninstall has committed, on a cursor of its own.
    exposure = env["credit.exposure"]
    registry = env.registry

    @env.cr.postcommit.add
    def drop_exposure_function():
        with registry.cursor() as cr:
            exposure.with_env(exposure.env(cr=cr))._drop_exposure_function()
