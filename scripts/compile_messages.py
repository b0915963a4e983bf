"""Compile locale/*/LC_MESSAGES/*.po into .mo files with polib (pure Python).

`make install` runs it, so `make run` needs nothing but Python: GNU gettext's msgfmt (what Django's
`compilemessages` calls) is not required. `manage.py makemessages` (to extract new strings) still
needs GNU gettext; CI does not run it. A .mo is rewritten only when its .po is newer.
"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def compile_all(root: Path = ROOT, *, force: bool = False) -> int:
    done = 0
    for po_path in sorted((root / "locale").glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if force or not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            done += 1
    return done


if __name__ == "__main__":
    count = compile_all(force="--force" in sys.argv)
    print(f"compiled {count} message catalogue(s)")
