"""Fails when .pre-commit-config.yaml pins a tool at another version than requirements-dev.txt.

The hooks build their own environments from their ``additional_dependencies``; the tools
virtualenv of ``make test`` is built from requirements-dev.txt. Both must run the same versions.
"""

import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
PIN = re.compile(r"^\s*-?\s*[\"']?([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\"',\]#]+)", re.MULTILINE)


def pins(path):
    return {name.lower().replace("_", "-"): version for name, version in PIN.findall(path.read_text())}


wanted = pins(root / "requirements-dev.txt")
bad = 0
for name, version in sorted(pins(root / ".pre-commit-config.yaml").items()):
    if wanted.get(name) != version:
        print(f".pre-commit-config.yaml: {name}=={version}, requirements-dev.txt: {name}=={wanted.get(name)}")
        bad += 1
sys.exit(1 if bad else 0)
