"""Fails when an XML file of the module is not well-formed."""

import pathlib
import sys

from lxml import etree

root = pathlib.Path(__file__).resolve().parent.parent
bad = 0
for path in sorted(root.glob("**/*.xml")):
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        continue
    try:
        etree.parse(str(path))
    except etree.XMLSyntaxError as error:
        print(f"{path.relative_to(root)}: {error}")
        bad += 1
sys.exit(1 if bad else 0)
