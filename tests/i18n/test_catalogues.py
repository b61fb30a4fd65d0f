"""Every interface string is translated into Dari and Pashto, and the catalogues are current.

The test extracts the strings from a copy of the source with Django's own ``makemessages`` and
checks that each one has a non-empty, non-fuzzy translation in both shipped catalogues, with the
same placeholders as the English text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ["fa_AF", "ps"]
SOURCES = ["config", "convention", "deliberation", "voting", "manage.py"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}")


def parse_po(path: Path) -> dict[str, tuple[str, bool]]:
    """msgid -> (msgstr, fuzzy), for singular and plural entries (plural keyed by msgid)."""
    entries: dict[str, tuple[str, bool]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            match = re.match(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (\".*\")$", line)
            if match:
                current = match.group(1)
                fields[current] = eval(match.group(2))  # noqa: S307 - a PO string literal
            elif line.startswith('"') and current:
                fields[current] += eval(line)  # noqa: S307
        if fields.get("msgid"):
            text = fields.get("msgstr", fields.get("msgstr[0]", ""))
            key = fields.get("msgctxt", "") + "\x04" + fields["msgid"]
            entries[key] = (text, fuzzy)
    return entries


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, tuple[str, bool]]:
    work = tmp_path_factory.mktemp("extract")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, work / name, ignore=shutil.ignore_patterns("*.mo", "__pycache__")
            )
        else:
            shutil.copy(source, work / name)
    shutil.rmtree(work / "config" / "locale")
    (work / "config" / "locale").mkdir()
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v", "0"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "MASHWARA_VAR_DIR": str(work / "var"),
            "PYTHONPATH": str(work),
        },
    )
    assert result.returncode == 0, result.stderr
    return parse_po(work / "config" / "locale" / "en" / "LC_MESSAGES" / "django.po")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_interface_string_is_translated(extracted, locale):
    shipped = parse_po(ROOT / "config" / "locale" / locale / "LC_MESSAGES" / "django.po")
    missing = [key.split("\x04")[1] for key in extracted if not shipped.get(key, ("", True))[0]]
    fuzzy = [key.split("\x04")[1] for key in extracted if shipped.get(key, ("", False))[1]]
    assert not missing, f"{len(missing)} untranslated in {locale}, e.g. {missing[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {locale}, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_placeholders(locale):
    shipped = parse_po(ROOT / "config" / "locale" / locale / "LC_MESSAGES" / "django.po")
    for key, (text, _fuzzy) in shipped.items():
        msgid = key.split("\x04")[1]
        if text:
            assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), msgid
