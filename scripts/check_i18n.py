"""Fails when the .pot and a translation disagree: a msgid missing or left untranslated.

A translation identical to its source stays empty (OCA's po-pretty-format empties it, and Odoo then
shows the source): a translator comment ``# same as the source`` above its msgid counts it as done.
"""

import pathlib
import sys

import polib

i18n = pathlib.Path(__file__).resolve().parent.parent / "i18n"
pot = polib.pofile(str(i18n / "customer_credit_management.pot"))
wanted = {entry.msgid for entry in pot if entry.msgid}
SAME = "same as the source"
bad = 0
for path in sorted(i18n.glob("*.po")):
    po = polib.pofile(str(path))
    done = {
        entry.msgid
        for entry in po
        if (entry.msgstr or SAME in entry.tcomment) and not entry.obsolete and "fuzzy" not in entry.flags
    }
    for msgid in sorted(wanted - done):
        print(f"{path.name}: untranslated (or mark it '# {SAME}'): {msgid[:100]!r}")
        bad += 1
    for msgid in sorted({e.msgid for e in po if e.msgid and not e.obsolete} - wanted):
        print(f"{path.name}: not in the .pot (run make i18n): {msgid[:100]!r}")
        bad += 1
sys.exit(1 if bad else 0)
