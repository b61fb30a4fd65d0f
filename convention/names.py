"""Usernames and pseudonyms that cannot impersonate or hide.

A pseudonym is the only name other participants ever see, so it must not be able to pass for
someone else's or smuggle invisible characters. ``validate_username`` and ``validate_pseudonym``
return the name in NFC form or raise ``ValidationError`` with a message a person can act on.
``skeleton`` follows the idea of Unicode TR39 §4: two names whose skeletons are equal look alike,
and the database refuses the second (usernames globally, pseudonyms per convention).

The rules, and why:

- Control characters, NUL, bidi controls (U+202A–202E, U+2066–2069, U+200E/200F, U+061C) and
  zero-width characters (U+200B, U+200D, U+2060, U+FEFF) are refused: they reorder or hide text,
  so a name could display as another or carry an invisible difference.
- ZWNJ (U+200C) is allowed only between two Arabic-script letters. Dari and Pashto orthography
  needs it inside words (the "half space" of می‌خواهم or کتاب‌ها, and in names such as
  ذبیح‌الله), and refusing it would force people to misspell their names. Anywhere else it is
  invisible and serves only to make two names differ unseen. ``skeleton`` drops it, so a name
  with and without the ZWNJ count as the same name.
- Compatibility forms (fullwidth letters, Arabic presentation forms, ligatures such as ﷲ) are
  refused: they display like ordinary letters and NFKC would turn them into them.
- Letters come from one writing system: Latin, Arabic script, or Cyrillic, plus digits (ASCII
  digits with any script; Arabic-Indic digits with Arabic script). We cannot know which pairs of
  scripts look alike in every font a phone may use, so any mixture is refused, not only
  Latin+Cyrillic.
- Arabic-script letters that look alike or are spelling variants are folded in the skeleton:
  Arabic and Farsi yeh (ي ی ى), kaf (ك ک ڪ), heh (ه ە ھ ہ ۀ ة), alef forms, and tatweel
  (kashida) is dropped; Arabic-Indic and Extended Arabic-Indic digits are compared by value.
- Combining marks (harakat, accents) are dropped from the skeleton: at small sizes they are the
  easiest difference to miss.

Names also change over time, and a log that names people must not be rewritable by it: the
moderation and audit logs record the pseudonyms as they were, every change is audited ("X is now
Y"), a member may change a pseudonym at most once every ``PSEUDONYM_CHANGE_INTERVAL_DAYS``, and a
pseudonym given up (changed or its account deleted) is held for ``PSEUDONYM_HOLD_DAYS``, compared
by skeleton, before anyone else may take it. The holder may take it back.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from confusable_homoglyphs import categories, confusables
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 40
PSEUDONYM_MIN_LENGTH = 2
PSEUDONYM_MAX_LENGTH = 40
PSEUDONYM_CHANGE_INTERVAL_DAYS = 7
PSEUDONYM_HOLD_DAYS = 30

BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
ZWNJ = "\u200c"
ZERO_WIDTH = frozenset("\u200b\u200d\u2060\ufeff")
ALLOWED_SCRIPTS = frozenset({"LATIN", "ARABIC", "CYRILLIC"})
# Separators a name may use between letters; never two in a row, never first or last.
USERNAME_PUNCTUATION = frozenset("-_.")
PSEUDONYM_PUNCTUATION = frozenset("-_. ")
MAX_MARKS_IN_A_ROW = 3
# Names nobody may take: they would pass for the platform or a role.
RESERVED_NAMES = (
    "admin",
    "administrator",
    "moderator",
    "registrar",
    "organizer",
    "observer",
    "trustee",
    "staff",
    "system",
    "support",
    "mashwara",
    "مشوره",
    "deleted participant",
)
# Placeholders of deleted participants start with a character no valid name may contain, so a
# placeholder can never collide with, or be imitated by, a name someone chose.
DELETED_PLACEHOLDER_PREFIX = "∅"

_ARABIC_RANGES = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x0870, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)
_TATWEEL = "\u0640"
_ARABIC_FOLDS = {
    "\u064a": "\u06cc",  # ARABIC YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC KAF -> KEHEH
    "\u06aa": "\u06a9",  # SWASH KAF -> KEHEH
    "\u06d5": "\u0647",  # AE -> HEH
    "\u06be": "\u0647",  # HEH DOACHASHMEE -> HEH
    "\u06c1": "\u0647",  # HEH GOAL -> HEH
    "\u06c0": "\u0647",  # HEH WITH YEH ABOVE -> HEH
    "\u0629": "\u0647",  # TEH MARBUTA -> HEH
    "\u0671": "\u0627",  # ALEF WASLA -> ALEF
}
_ARABIC_FOLDS.update({chr(0x0660 + i): str(i) for i in range(10)})  # Arabic-Indic digits
_ARABIC_FOLDS.update({chr(0x06F0 + i): str(i) for i in range(10)})  # Extended Arabic-Indic
_SKELETON_DROPPED = frozenset(PSEUDONYM_PUNCTUATION | {ZWNJ, _TATWEEL})


def _is_arabic(char: str) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _ARABIC_RANGES)


def _script(char: str) -> str:
    """The writing system of ``char`` for the one-script rule.

    Arabic harakat are "inherited" in Unicode's data and tatweel is "common"; both only make
    sense in Arabic script, so they count as Arabic here and cannot decorate Latin letters.
    """
    if _is_arabic(char):
        return "ARABIC"
    return categories.alias(char)


# --- Skeletons ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    """Map characters to one representative of their class of look-alikes.

    Classes come from Unicode's confusables data (each character with its listed homoglyphs),
    joined with the upper-case forms of letters of the allowed scripts (upper-case I looks like
    lower-case l). A class that contains a multi-letter look-alike (``m`` and ``rn``) maps to
    that sequence, as TR39 maps ``m`` to ``rn``.
    """
    parent: dict[str, str] = {}

    def find(c: str) -> str:
        while parent.setdefault(c, c) != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    def union(a: str, b: str) -> None:
        a, b = find(a), find(b)
        if a != b:
            lo, hi = sorted((a, b))
            parent[hi] = lo

    sequences: dict[str, str] = {}
    for char, glyphs in confusables.confusables_data.items():
        for glyph in glyphs:
            # The data wraps right-to-left glyphs in LRM marks for display; they are not part
            # of the glyph.
            text = glyph["c"].replace("\u200e", "").replace("\u200f", "")
            if len(text) == 1:
                union(char, text)
            elif text and all(_script(c) in ALLOWED_SCRIPTS | {"COMMON"} for c in text):
                find(char)
                sequences[char] = min(sequences.get(char, text), text, key=lambda t: (len(t), t))
    # Case: only for characters a valid name can contain. Other scripts' case pairs (Cherokee's
    # small letters fold to capitals) would chain unrelated Latin letters together.
    for char in list(parent):
        folded = char.casefold()
        if (
            folded != char
            and len(folded) == 1
            and unicodedata.normalize("NFKC", char) == char
            and _script(char) in ALLOWED_SCRIPTS
        ):
            union(char, folded)
    roots = {c: find(c) for c in list(parent)}
    sequence_of_root: dict[str, str] = {}
    for char, text in sequences.items():
        root = roots.get(char, char)
        current = sequence_of_root.get(root)
        if current is None or (len(text), text) < (len(current), current):
            sequence_of_root[root] = text
    table: dict[str, str] = {}
    for char, root in roots.items():
        text = sequence_of_root.get(root)
        table[char] = "".join(roots.get(c, c) for c in text) if text else root
    return table


def skeleton(name: str) -> str:
    """The form two look-alike names share. Only for comparison: never shown. One pass of the
    folding below can leave a character that folds again (a prototype that is itself a
    compatibility form, e.g. Ꙑ → Ъ1 → ¯B1 → B1), so it is applied until nothing changes: the
    skeleton of a skeleton is itself."""
    text = _skeleton_pass(name)
    for _pass in range(8):
        again = _skeleton_pass(text)
        if again == text:
            break
        text = again
    return text


def _skeleton_pass(name: str) -> str:
    text = unicodedata.normalize("NFKC", name)
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    text = "".join(_ARABIC_FOLDS.get(c, c) for c in text).casefold()
    text = "".join(
        c for c in text if c not in _SKELETON_DROPPED and unicodedata.category(c)[0] != "C"
    )
    table = _prototypes()
    return "".join(table.get(c, c) for c in text)


# --- Validation --------------------------------------------------------------------------


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _check_invisible(name: str) -> None:
    if "\x00" in name:
        raise _refuse(_("The name contains a NUL character."), "nul")
    if any(c in BIDI_CONTROLS for c in name):
        raise _refuse(
            _(
                "The name contains invisible characters that change the direction of text. "
                "Type it again without them."
            ),
            "bidi",
        )
    if any(c in ZERO_WIDTH for c in name):
        raise _refuse(
            _("The name contains invisible zero-width characters. Type it again without them."),
            "zero_width",
        )
    for c in name:
        category = unicodedata.category(c)
        if category == "Cc":
            raise _refuse(
                _("The name contains control characters (such as tabs or line breaks)."),
                "control",
            )
        if category[0] in "CZ" and c not in (ZWNJ, " "):
            raise _refuse(
                _("The name contains invisible or unusual characters (such as special spaces)."),
                "invisible",
            )


def _check_zwnj(name: str) -> None:
    """ZWNJ only between two Arabic-script letters (marks on the first letter may intervene)."""
    for index, c in enumerate(name):
        if c != ZWNJ:
            continue
        before = index - 1
        while before >= 0 and unicodedata.category(name[before]) == "Mn":
            before -= 1
        after = index + 1
        ok = (
            before >= 0
            and after < len(name)
            and unicodedata.category(name[before]).startswith("L")
            and unicodedata.category(name[after]).startswith("L")
            and _is_arabic(name[before])
            and _is_arabic(name[after])
            and name[before] != _TATWEEL
            and name[after] != _TATWEEL
        )
        if not ok:
            raise _refuse(
                _(
                    "A zero-width non-joiner (half space) may only stand between two letters of "
                    "a Dari or Pashto word."
                ),
                "zwnj",
            )


def _check_characters(name: str, punctuation: frozenset[str], allowed_text: str) -> None:
    marks_in_a_row = 0
    previous = ""
    for c in name:
        category = unicodedata.category(c)
        if category == "Mn" or category == "Mc" or category == "Me":
            if not previous or previous in punctuation or previous == ZWNJ:
                raise _refuse(
                    _("An accent or vowel mark must follow a letter."), "mark_without_letter"
                )
            marks_in_a_row += 1
            if marks_in_a_row > MAX_MARKS_IN_A_ROW:
                raise _refuse(_("Too many accents or vowel marks on one letter."), "marks")
        elif category[0] == "L" or category == "Nd" or c == ZWNJ:
            marks_in_a_row = 0
        elif c in punctuation:
            marks_in_a_row = 0
            if not previous or previous in punctuation:
                raise _refuse(
                    _("Separators cannot start a name or follow one another."), "separators"
                )
        else:
            raise _refuse(allowed_text, "characters")
        previous = c
    if previous in punctuation:
        raise _refuse(_("A name cannot end with a separator."), "separators")
    if not any(unicodedata.category(c)[0] == "L" and c != _TATWEEL for c in name):
        raise _refuse(_("A name needs at least one letter."), "no_letter")


def _check_scripts(name: str) -> None:
    scripts = {_script(c) for c in name if c != ZWNJ} - {"COMMON", "INHERITED"}
    if scripts - ALLOWED_SCRIPTS:
        raise _refuse(_("Use Latin, Arabic-script (Dari, Pashto) or Cyrillic letters."), "script")
    if len(scripts) > 1:
        raise _refuse(
            _(
                "The name mixes letters of different alphabets (for example Latin and Cyrillic, "
                "or Latin letters with Dari digits), which can make it look like another name. "
                "Use one alphabet."
            ),
            "mixed_script",
        )


def _check_length(name: str, minimum: int, maximum: int) -> None:
    if len(name) < minimum:
        raise _refuse(
            ngettext(
                "The name must be at least %(count)d character long.",
                "The name must be at least %(count)d characters long.",
                minimum,
            )
            % {"count": minimum},
            "too_short",
        )
    if len(name) > maximum:
        raise _refuse(
            ngettext(
                "The name can be at most %(count)d character long.",
                "The name can be at most %(count)d characters long.",
                maximum,
            )
            % {"count": maximum},
            "too_long",
        )


def _reserved_skeletons() -> set[str]:
    from django.conf import settings
    from django.utils import translation

    reserved = set(RESERVED_NAMES)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            reserved.add(str(_("deleted participant")))
    return {skeleton(name) for name in reserved}


def _check_reserved(name: str) -> None:
    if skeleton(name) in _reserved_skeletons():
        raise _refuse(_("This name is reserved. Choose another."), "reserved")


def _validate(
    raw: str, *, minimum: int, maximum: int, punctuation: frozenset[str], allowed_text: str
) -> str:
    if not isinstance(raw, str):
        raise _refuse(_("Enter a name."), "required")
    # Refuse oversized input before any per-character work.
    if len(raw) > maximum * 4:
        _check_length(raw, minimum, maximum)
    _check_invisible(raw)
    name = unicodedata.normalize("NFC", raw)
    if unicodedata.normalize("NFKC", name) != name:
        raise _refuse(
            _(
                "The name contains decorative or compatibility forms of letters (such as "
                "full-width letters or ligatures). Type ordinary letters."
            ),
            "compatibility",
        )
    _check_length(name, minimum, maximum)
    _check_zwnj(name)
    _check_characters(name, punctuation, allowed_text)
    _check_scripts(name)
    _check_reserved(name)
    return name


def validate_username(raw: str) -> str:
    """The username in NFC form, or ``ValidationError``. Usernames have no spaces."""
    return _validate(
        raw.strip() if isinstance(raw, str) else raw,
        minimum=USERNAME_MIN_LENGTH,
        maximum=USERNAME_MAX_LENGTH,
        punctuation=USERNAME_PUNCTUATION,
        allowed_text=_("A username may contain only letters, digits and the separators - _ ."),
    )


def validate_pseudonym(raw: str) -> str:
    """The pseudonym in NFC form, or ``ValidationError``. Single spaces between words are fine."""
    return _validate(
        raw.strip(" ") if isinstance(raw, str) else raw,
        minimum=PSEUDONYM_MIN_LENGTH,
        maximum=PSEUDONYM_MAX_LENGTH,
        punctuation=PSEUDONYM_PUNCTUATION,
        allowed_text=_(
            "A pseudonym may contain only letters, digits, single spaces and the separators - _ ."
        ),
    )
