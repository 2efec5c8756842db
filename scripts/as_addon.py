"""Runs a checker on the module as Odoo sees it: ``python scripts/as_addon.py TOOL ARGS...``.

pylint-odoo and oca-checks-odoo-module take the module's name from its folder, and a checkout may
be cloned into any folder: the checker gets ``.build/addons/customer_credit_management``, a link
to the checkout (the same link ``scripts/common.sh`` gives Odoo), as its last argument.
"""

import os
import pathlib
import sys

MODULE = "customer_credit_management"

root = pathlib.Path(__file__).resolve().parent.parent
link = root / ".build" / "addons" / MODULE
link.parent.mkdir(parents=True, exist_ok=True)
if not (link.is_symlink() and link.resolve() == root):
    if link.is_symlink():
        link.unlink()
    link.symlink_to(root, target_is_directory=True)
tool, *args = sys.argv[1:]
os.execvp(tool, [tool, *args, os.path.relpath(link)])
