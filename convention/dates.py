"""Dates and times as a reader of each interface language reads them.

English readers get the Gregorian calendar ("3 December 2026, 15:00 UTC"). Dari and Pashto
readers get Afghanistan's official Solar Hijri calendar with Afghanistan's month names (حمل ثور …
in Dari, وری غویی … in Pashto; ``jdatetime`` only knows Iran's names, so the names live here) and
Eastern Arabic-Indic digits, with the Gregorian date beside it where a deadline matters.

Every moment is shown in UTC and says so: participants are spread from Kabul to the Americas.
The output is HTML: the whole value is isolated in ``<bdi>`` and the Latin parts (the zone, the
Gregorian date) get ``dir="ltr"``, so that a date never reorders the sentence around it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import jdatetime
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

# Afghanistan's names of the Solar Hijri months, Hamal (1) to Hut (12). The Pashto spellings
# follow the table in shared/notes; a native speaker should confirm them before release.
MONTHS = {
    "fa-af": (
        "حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله",
        "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت",
    ),
    "ps": (
        "وری", "غویی", "غبرګولی", "چنګاښ", "زمری", "وږی",
        "تله", "لړم", "لیندۍ", "مرغومی", "سلواغه", "کب",
    ),
}  # fmt: skip
GREGORIAN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
EASTERN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# The Arabic comma for Dari and Pashto, the Latin one for English.
COMMA = {"fa-af": "،", "ps": "،"}
STYLES = ("datetime", "hour", "date", "deadline")


def solar_hijri(day: date) -> tuple[int, int, int]:
    """(year, month, day) of ``day`` in the Solar Hijri calendar."""
    converted = jdatetime.date.fromgregorian(date=day)
    return converted.year, converted.month, converted.day


def _language(language: str | None) -> str:
    code = (language or get_language() or "en").lower()
    return code if code in MONTHS else "en"


def _moment(value: datetime | date | str) -> datetime | date | None:
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            return None
        value = parsed
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    return value if isinstance(value, date) else None


def date_text(day: date, language: str | None = None) -> str:
    """The date alone, in the reader's calendar and digits ("12 قوس 1405" → with ۰–۹)."""
    language = _language(language)
    if language == "en":
        return f"{day.day} {GREGORIAN_MONTHS[day.month - 1]} {day.year}"
    year, month, dom = solar_hijri(day)
    return f"{dom} {MONTHS[language][month - 1]} {year}".translate(EASTERN_DIGITS)


def time_text(moment: datetime, language: str | None = None, *, hour_only: bool = False) -> str:
    text = f"{moment.hour:02d}:{0 if hour_only else moment.minute:02d}"
    return text if _language(language) == "en" else text.translate(EASTERN_DIGITS)


def format_moment(
    value: datetime | date | str | None, style: str = "datetime", language: str | None = None
) -> SafeString | str:
    """HTML for ``value`` in ``style`` (one of ``STYLES``): ``datetime`` (date, hour, minute,
    zone), ``hour`` (the hour a record was rounded to), ``date``, ``deadline`` (as
    ``datetime`` plus the Gregorian date for Dari and Pashto readers)."""
    if value in (None, ""):
        return ""
    moment = _moment(value)
    if moment is None:
        return str(value)
    language = _language(language)
    comma = COMMA.get(language, ",")
    if not isinstance(moment, datetime) or style == "date":
        day = moment.date() if isinstance(moment, datetime) else moment
        return format_html(
            '<time datetime="{}"><bdi>{}</bdi></time>', day.isoformat(), date_text(day, language)
        )
    text = f"{date_text(moment.date(), language)}{comma} " + time_text(
        moment, language, hour_only=style == "hour"
    )
    iso = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "deadline" and language != "en":
        gregorian = f"{moment.day} {GREGORIAN_MONTHS[moment.month - 1][:3]} {moment.year}"
        return format_html(
            '<time datetime="{}"><bdi>{} <bdi dir="ltr">UTC</bdi></bdi></time> '
            '(<bdi dir="ltr" class="gregorian">{}</bdi>)',
            iso,
            text,
            gregorian,
        )
    return format_html(
        '<time datetime="{}"><bdi>{} <bdi dir="ltr">UTC</bdi></bdi></time>', iso, text
    )


def moment_format(language: str | None = None) -> dict[str, object]:
    """What a page's script needs to write a moment as ``format_moment`` does (the ballot page's
    receipt hour): the calendar for ``Intl`` (``persian`` is the Solar Hijri calendar), the
    month names and the comma. The script takes the digits from the page's language."""
    language = _language(language)
    if language == "en":
        return {"calendar": "gregory", "months": list(GREGORIAN_MONTHS), "comma": ","}
    return {"calendar": "persian", "months": list(MONTHS[language]), "comma": COMMA[language]}


def local_digits(text: object, language: str | None = None) -> str:
    """``text`` (a count, a position, a page number) with the reader's digits: Eastern
    Arabic-Indic in Dari and Pashto, as the dates around it, unchanged in English."""
    text = str(text)
    return text if _language(language) == "en" else text.translate(EASTERN_DIGITS)


def list_separator(language: str | None = None) -> str:
    """ ", " in English, the Arabic comma "، " in Dari and Pashto."""
    return COMMA.get(_language(language), ",") + " "
