from . import models
from . import wizard
from . import controllers


def uninstall_hook(env):
    env["sale.order"]._credit_demo_unsettle()
    env["credit.exposure"]._drop_exposure_function()
