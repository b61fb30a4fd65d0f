// Finding the credential code inside whatever text the voter brings back: the downloaded file
// (a translated heading, a blank line, the code in lines), a pasted copy of the whole file, or a
// printed copy typed in again on a phone (spaces between groups, line breaks anywhere, a phone
// keyboard's capital first letter, Eastern Arabic-Indic digits, invisible bidi marks). This
// module knows only the code's outer shape — its prefix and its base64url alphabet — and nothing
// of what the bytes mean, so a change to the credential's content (docs/elections.md §3) leaves
// it alone: decoding is credential-store.js's job.

const PREFIX = "mashwara-credential-";
// Format markers this reader accepts (the digit after the prefix, then ':').
const VERSIONS = new Set(["2"]);

export class CredentialTextError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind; // "format": no code of a known format in the text
  }
}

// Invisible characters that phones and RTL text insert: ZWSP/ZWNJ/ZWJ, LRM/RLM, ALM, the bidi
// embeddings, overrides and isolates, BOM, soft hyphen.
const INVISIBLE = /[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
// Dashes a keyboard or a word processor substitutes for '-'.
const DASHES = /[\u2010-\u2015\u2212\ufe63\uff0d]/g;

function normalise(text) {
  return String(text)
    .normalize("NFKC") // full-width letters and digits become ASCII
    .replace(INVISIBLE, "")
    .replace(DASHES, "-")
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0)) // Extended Arabic-Indic (Dari, Pashto)
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660)) // Arabic-Indic
    .replace(/\r\n?/g, "\n");
}

/**
 * The compact code ("mashwara-credential-2:" + base64url, no whitespace) found in `text`.
 * The prefix may be split by whitespace and typed in any case; the code's body runs over
 * whitespace and line breaks and ends at a blank line, at the first character outside the
 * base64url alphabet, or at the end of the text. Throws CredentialTextError("format") when the
 * text holds no code of a known format.
 */
export function extractCredentialCode(text) {
  const clean = normalise(text);
  // Positions of the non-whitespace characters, to match the prefix across line breaks/spaces.
  const chars = [];
  for (let i = 0; i < clean.length; i += 1) if (!/\s/.test(clean[i])) chars.push(i);
  const squeezed = chars.map((i) => clean[i]).join("");
  const start = squeezed.toLowerCase().indexOf(PREFIX);
  if (start < 0) throw new CredentialTextError("format", "no credential code in the text");
  const version = squeezed.slice(start + PREFIX.length).match(/^([0-9]+):/);
  if (version === null || !VERSIONS.has(version[1])) {
    throw new CredentialTextError("format", "the credential code has an unknown format");
  }
  const markerEnd = start + PREFIX.length + version[0].length; // index in `squeezed`
  let body = "";
  let newlines = 0;
  for (let i = markerEnd < chars.length ? chars[markerEnd] : clean.length; i < clean.length; i += 1) {
    const ch = clean[i];
    if (ch === "\n") {
      newlines += 1;
      if (newlines >= 2 && body) break; // a blank line ends the code
      continue;
    }
    if (/\s/.test(ch)) continue;
    if (!/[A-Za-z0-9_-]/.test(ch)) break;
    newlines = 0;
    body += ch;
  }
  if (!body) throw new CredentialTextError("format", "the credential code is empty");
  return `${PREFIX}${version[1]}:${body}`;
}
