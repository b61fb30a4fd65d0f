// A moment written as convention/dates.py's format_moment writes it, for the values a script
// receives (the receipt's hour): `<time datetime="…"><bdi>12 قوس 1405، 15:00 <bdi dir="ltr">UTC</bdi></bdi></time>`
// with Eastern digits in Dari and Pashto. The month names, the comma and the calendar come from
// the page (`{% moment_format %}`: convention.dates.moment_format in data attributes), so they live in one
// place; the Solar Hijri date comes from the browser's own calendar (Intl, "persian"); the
// digits from localDigits.

import { localDigits } from "./election.js";

let pageFormat = null;

function readFormat() {
  const element = document.getElementById("moment-format");
  pageFormat = element
    ? { calendar: element.dataset.calendar, months: JSON.parse(element.dataset.months), comma: element.dataset.comma }
    : { calendar: "gregory", months: null, comma: "," };
  return pageFormat;
}

const two = (number) => String(number).padStart(2, "0");

/** The text of `iso` in `style` ("datetime" or "hour") for `format` and `language`; null if `iso` is not a moment. */
export function momentText(iso, style, format, language) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime()) || !format.months) return null;
  const parts = new Intl.DateTimeFormat(`en-u-ca-${format.calendar}`, { timeZone: "UTC", year: "numeric", month: "numeric", day: "numeric" }).formatToParts(moment);
  const field = (type) => Number(parts.find((part) => part.type === type).value);
  const minutes = style === "hour" ? 0 : moment.getUTCMinutes();
  const text = `${field("day")} ${format.months[field("month") - 1]} ${field("year")}${format.comma} ${two(moment.getUTCHours())}:${two(minutes)}`;
  return localDigits(text, language);
}

/** Show `iso` in `element` as the page's templates show moments (`|when`); the raw value if it is not one. */
export function showMoment(element, iso, style = "datetime") {
  const text = momentText(iso, style, pageFormat ?? readFormat(), document.documentElement.lang);
  if (text === null) {
    element.textContent = iso;
    return;
  }
  const time = document.createElement("time");
  time.dateTime = new Date(iso).toISOString().replace(/\.\d{3}Z$/, "Z");
  const outer = document.createElement("bdi");
  const zone = document.createElement("bdi");
  zone.dir = "ltr";
  zone.textContent = "UTC";
  outer.append(`${text} `, zone);
  time.append(outer);
  element.replaceChildren(time);
}
