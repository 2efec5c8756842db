"""Fails when the .pot and a translation disagree: a msgid missing or left untranslated, or a
translation whose placeholders (``%(name)s``, ``%s``, ``{name}``) are not those of its source.

A translation identical to its source stays empty (OCA's po-pretty-format empties it, and Odoo then
shows the source): a translator comment ``# same as the source`` above its msgid counts it as done.
"""

import collections
import pathlib
import re
import sys

import polib

i18n = pathlib.Path(__file__).resolve().parent.parent / "i18n"
pot = polib.pofile(str(i18n / "customer_credit_management.pot"))
wanted = {entry.msgid for entry in pot if entry.msgid}
SAME = "same as the source"
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdfr]|%[sdfr]|\{[A-Za-z_]\w*\}")


def placeholders(text):
    return collections.Counter(PLACEHOLDER.findall(text))


bad = 0
for path in sorted(i18n.glob("*.po")):
    po = polib.pofile(str(path))
    done = {
        entry.msgid
        for entry in po
        if (entry.msgstr or SAME in entry.tcomment) and not entry.obsolete and "fuzzy" not in entry.flags
    }
    for entry in po:
        if entry.msgstr and not entry.obsolete and placeholders(entry.msgid) != placeholders(entry.msgstr):
            print(f"{path.name}: placeholders differ from the source's: {entry.msgid[:100]!r}")
            bad += 1
    for msgid in sorted(wanted - done):
        print(f"{path.name}: untranslated (or mark it '# {SAME}'): {msgid[:100]!r}")
        bad += 1
    for msgid in sorted({e.msgid for e in po if e.msgid and not e.obsolete} - wanted):
        print(f"{path.name}: not in the .pot (run make i18n): {msgid[:100]!r}")
        bad += 1
sys.exit(1 if bad else 0)
