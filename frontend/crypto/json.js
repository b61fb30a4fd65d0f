// Strict JSON text and canonical JSON text (protocol §10), the byte level under serialization.js.
//
// parseJson accepts exactly RFC 8259 JSON and additionally refuses what the protocol forbids:
// duplicate keys, numbers that are not integers (fractions, exponents) or not exactly
// representable, a byte-order mark, nesting deeper than 64 levels. canonicalJson writes the one
// byte form used wherever JSON is hashed, signed or compared, identical to Python's
// json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False): keys sorted by code
// point, no whitespace, integers only, non-ASCII characters written as themselves.

import { InvalidEncoding } from "./errors.js";

const MAX_DEPTH = 64;
const ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

class Parser {
  constructor(text) {
    this.text = text;
    this.at = 0;
  }

  fail(message) {
    throw new InvalidEncoding(`not valid protocol JSON: ${message} at offset ${this.at}`);
  }

  skipSpace() {
    const t = this.text;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.at++;
      else break;
    }
  }

  value(depth) {
    if (depth > MAX_DEPTH) this.fail("nesting too deep");
    this.skipSpace();
    const c = this.text[this.at];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.string();
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    for (const [word, result] of [["true", true], ["false", false], ["null", null]]) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return result;
      }
    }
    return this.fail(c === undefined ? "unexpected end" : `unexpected character ${JSON.stringify(c)}`);
  }

  object(depth) {
    this.at++;
    const result = {};
    const seen = new Set();
    this.skipSpace();
    if (this.text[this.at] === "}") {
      this.at++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] !== '"') this.fail("expected a string key");
      const key = this.string();
      if (seen.has(key)) throw new InvalidEncoding(`duplicate key ${JSON.stringify(key)}`);
      seen.add(key);
      this.skipSpace();
      if (this.text[this.at] !== ":") this.fail("expected ':'");
      this.at++;
      // defineProperty, not assignment: a "__proto__" key stays an ordinary key.
      Object.defineProperty(result, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      const next = this.text[this.at++];
      if (next === "}") return result;
      if (next !== ",") this.fail("expected ',' or '}'");
    }
  }

  array(depth) {
    this.at++;
    const result = [];
    this.skipSpace();
    if (this.text[this.at] === "]") {
      this.at++;
      return result;
    }
    for (;;) {
      result.push(this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.at++];
      if (next === "]") return result;
      if (next !== ",") this.fail("expected ',' or ']'");
    }
  }

  string() {
    const t = this.text;
    this.at++;
    let out = "";
    let start = this.at;
    for (;;) {
      if (this.at >= t.length) this.fail("unterminated string");
      const c = t.charCodeAt(this.at);
      if (c === 0x22) {
        out += t.slice(start, this.at);
        this.at++;
        return out;
      }
      if (c < 0x20) this.fail("control character in string");
      if (c === 0x5c) {
        out += t.slice(start, this.at);
        const e = t[this.at + 1];
        if (e === "u") {
          const hex = t.slice(this.at + 2, this.at + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("bad \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          this.at += 6;
        } else if (e !== undefined && Object.prototype.hasOwnProperty.call(ESCAPES, e)) {
          out += ESCAPES[e];
          this.at += 2;
        } else {
          this.fail("bad escape");
        }
        start = this.at;
      } else {
        this.at++;
      }
    }
  }

  number() {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.at, this.at + 400));
    if (match === null) this.fail("bad number");
    if (match[2] !== undefined || match[3] !== undefined) {
      throw new InvalidEncoding(`non-integer number ${match[0]} is not allowed in protocol JSON`);
    }
    const value = Number(match[0]);
    if (!Number.isSafeInteger(value)) throw new InvalidEncoding(`integer ${match[0]} is too large`);
    this.at += match[0].length;
    return value === 0 ? 0 : value;
  }
}

/** Parse strict protocol JSON from a string or UTF-8 bytes. */
export function parseJson(text) {
  if (text instanceof Uint8Array) {
    try {
      text = decoder.decode(text);
    } catch {
      throw new InvalidEncoding("not valid protocol JSON: not UTF-8");
    }
  }
  if (typeof text !== "string") throw new TypeError("parseJson expects a string or bytes");
  if (text.charCodeAt(0) === 0xfeff) throw new InvalidEncoding("not valid protocol JSON: byte-order mark");
  const parser = new Parser(text);
  const value = parser.value(0);
  parser.skipSpace();
  if (parser.at !== text.length) parser.fail("extra data after the value");
  return value;
}

function compareCodePoints(a, b) {
  const x = Array.from(a, (ch) => ch.codePointAt(0));
  const y = Array.from(b, (ch) => ch.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function quote(text) {
  let out = '"';
  for (const ch of text) {
    const c = ch.codePointAt(0);
    // String iteration yields whole code points, so a remaining surrogate is a lone one.
    if (c >= 0xd800 && c <= 0xdfff) throw new InvalidEncoding("a string with a lone surrogate has no UTF-8 form");
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (c < 0x20) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** Canonical JSON text: sorted keys, no whitespace, integers only, UTF-8 characters as they are. */
export function canonicalJson(value) {
  if (value === null || value === true || value === false) return String(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new InvalidEncoding(`only integers are allowed in protocol JSON, got ${value}`);
    return String(value === 0 ? 0 : value);
  }
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return quote(value);
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  if (typeof value === "object" && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    const keys = Object.keys(value).sort(compareCodePoints);
    return "{" + keys.map((key) => quote(key) + ":" + canonicalJson(value[key])).join(",") + "}";
  }
  throw new TypeError(`no JSON form for ${typeof value}`);
}
