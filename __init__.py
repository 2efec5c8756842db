from . import models
from . import wizard


def uninstall_hook(env):
    env["credit.exposure"]._drop_exposure_function()
