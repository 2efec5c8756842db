"""Fails when .pre-commit-config.yaml pins a tool at another version than requirements-dev.txt.

The hooks build their own environments from their ``additional_dependencies``; the tools
virtualenv of ``make test`` is built from requirements-dev.txt. Both must run the same versions.
"""

import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
PIN = re.compile(r"(?:^|[\s\[,\"'])([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\"',\]#]+)", re.MULTILINE)


def pins(path):
    return [(name.lower().replace("_", "-"), version) for name, version in PIN.findall(path.read_text())]


wanted = dict(pins(root / "requirements-dev.txt"))
hooks = pins(root / ".pre-commit-config.yaml")
bad = 0 if hooks else 1  # no pin found: this check no longer reads the file right
for name, version in sorted(set(hooks)):
    if wanted.get(name) != version:
        print(f".pre-commit-config.yaml: {name}=={version}, requirements-dev.txt: {name}=={wanted.get(name)}")
        bad += 1
sys.exit(1 if bad else 0)
