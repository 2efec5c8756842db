"""Runs an OCA checker on the module laid out as in an OCA repository: ``as_addon.py TOOL ARGS...``.

pylint-odoo and oca-checks-odoo-module look for a file's ``__manifest__.py`` in the folders above
it up to, not including, the root of its git repository, and resolve symlinks first. Here the
repository root is the module root, so they never find it: oca-checks-odoo-module then checks
nothing at all, and pylint-odoo skips its module-wide checks. The checker gets instead a copy of
the files git knows, ``customer_credit_management/``, in a temporary repository of its own, as its
last argument, and runs there: its messages name ``customer_credit_management/<path>``. An
argument ``--option=FILE`` naming a file of the checkout (``--rcfile=.pylintrc-mandatory``) is
passed with that file's absolute path. The copy is removed afterwards (a copy left in the checkout
would be found by grep, and by Odoo's translation export).
"""

import pathlib
import shutil
import subprocess
import sys
import tempfile

MODULE = "customer_credit_management"

root = pathlib.Path(__file__).resolve().parent.parent
tool, *args = sys.argv[1:]
for i, arg in enumerate(args):
    option, _, value = arg.partition("=")
    if value and (root / value).is_file():
        args[i] = f"{option}={root / value}"
files = subprocess.run(["git", "ls-files", "-z"], cwd=root, check=True, capture_output=True, text=True).stdout
with tempfile.TemporaryDirectory(prefix="ccm-oca-") as repo:
    subprocess.run(["git", "init", "--quiet", repo], check=True)
    copy = pathlib.Path(repo) / MODULE
    for name in filter(None, files.split("\0")):
        source = root / name
        if source.is_file():  # not a file deleted from the work tree
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    sys.exit(subprocess.run([tool, *args, MODULE], cwd=repo, check=False).returncode)
