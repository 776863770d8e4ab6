#!/usr/bin/env python3
"""Keep ui/translations/en/LC_MESSAGES/sanban-kiosk.po in step with the @tr strings of ui/.

    tools/po-sync.py            rewrite the .po: existing translations kept, obsolete entries dropped,
                                new strings added with an empty msgstr (tests/translations.rs then fails
                                until they are translated); prints the strings still untranslated
    tools/po-sync.py --check    only report, change nothing
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PO = ROOT / "ui/translations/en/LC_MESSAGES/sanban-kiosk.po"
HEADER = '''# English translation of the Sanban kiosk UI. Chinese is the source language (the @tr strings in ui/).
# tests/translations.rs fails when a @tr string has no entry here; tools/po-sync.py adds new strings.
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: en\\n"
'''


def ui_strings():
    found = set()
    for path in sorted((ROOT / "ui").rglob("*.slint")):
        for m in re.finditer(r'@tr\("((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8")):
            found.add(m.group(1))
    return found


def po_entries():
    entries = {}
    msgid = None
    for line in PO.read_text(encoding="utf-8").splitlines():
        if line.startswith('msgid "'):
            msgid = line[7:-1]
        elif line.startswith('msgstr "') and msgid is not None:
            if msgid:
                entries[msgid] = line[8:-1]
            msgid = None
    return entries


def main():
    strings = ui_strings()
    entries = po_entries()
    missing = sorted(s for s in strings if not entries.get(s))
    obsolete = sorted(s for s in entries if s not in strings)
    if "--check" not in sys.argv:
        out = [HEADER]
        for s in sorted(strings):
            out.append(f'msgid "{s}"\nmsgstr "{entries.get(s, "")}"\n')
        PO.write_text("\n".join(out), encoding="utf-8")
    for s in missing:
        print(f"untranslated: {s}")
    for s in obsolete:
        print(f"obsolete: {s}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
