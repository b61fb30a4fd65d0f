"""Faults ten readers found in the Dari and Pashto interface, checked in the catalogues and on
the pages: wrong words, Latin commas, untranslated names, one word per concept, raw codes."""

from __future__ import annotations

import re

import pytest

from tests.i18n.test_catalogues import ROOT, parse_po

LOCALES = ["fa_AF", "ps"]
ARABIC = "\u0600-\u06ff"
# Names and codes that read the same in every language.
SAME_EVERYWHERE = {"%%(rank)s. %%(option)s", "%(rank)s. %(option)s", "JSON", "UTC", "QR"}


def catalogue(locale: str) -> dict[str, str]:
    path = ROOT / "config" / "locale" / locale / "LC_MESSAGES" / "django.po"
    return {key.split("\x04")[1]: text for key, (text, _) in parse_po(path).items()}


@pytest.mark.parametrize("locale", LOCALES)
def test_no_open_flags_is_not_a_game(locale):
    entries = catalogue(locale)
    for msgid in ("No open flags.", "There are no open flags on this post."):
        assert "بازی" not in entries[msgid], entries[msgid]


@pytest.mark.parametrize("locale", LOCALES)
def test_lists_use_the_arabic_comma(locale):
    faults = [
        (msgid, text)
        for msgid, text in catalogue(locale).items()
        if ", " in msgid and re.search(rf"[{ARABIC}]\s*,|,\s*[{ARABIC}]", text)
    ]
    assert not faults, faults[:5]


def test_dari_has_one_word_for_convention():
    entries = catalogue("fa_AF")
    assert not [text for text in entries.values() if "همایش" in text]
    with_convention = [t for m, t in entries.items() if re.search(r"\bconvention\b", m, re.I)]
    assert sum("مجمع" in t for t in with_convention) >= len(with_convention) * 0.9


@pytest.mark.parametrize("locale", LOCALES)
def test_no_translation_is_the_english_text(locale):
    same = [
        msgid
        for msgid, text in catalogue(locale).items()
        if text == msgid and msgid not in SAME_EVERYWHERE and re.search("[A-Za-z]{3}", msgid)
    ]
    assert not same, same[:5]


@pytest.mark.parametrize("locale", LOCALES)
def test_no_phrase_is_said_twice_in_a_row(locale):
    twice = []
    for text in catalogue(locale).values():
        words = re.sub(r"<[^>]+>", " ", text).split()
        if any(words[i : i + 2] == words[i + 2 : i + 4] for i in range(len(words) - 3)):
            twice.append(text)
    assert not twice, twice[:3]


def test_pashto_has_no_latin_names_for_schulze_or_markdown_words():
    for text in catalogue("ps").values():
        for word in ("Schulze", "Condorcet", "bold", "italic", "[links]"):
            assert word not in text, text


@pytest.mark.parametrize("locale", LOCALES)
def test_dates_keep_afghan_month_names_out_of_the_catalogue_and_in_code(locale):
    from convention.dates import MONTHS

    names = MONTHS["fa-af" if locale == "fa_AF" else "ps"]
    assert len(set(names)) == 12
    assert not {"فروردین", "اردیبهشت", "آذر", "دی"} & set(names)
