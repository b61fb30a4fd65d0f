// Messages written by the page scripts put numbers in the page's digits (Eastern Arabic-Indic in
// Dari and Pashto), as the server-rendered pages do: "You have signed ۲ requests", not "2".
import { test } from "node:test";
import assert from "node:assert/strict";

const item = (key, text) => ({ dataset: { key }, textContent: text });
globalThis.document = {
  documentElement: { lang: "ps" },
  querySelectorAll: () => [item("issued_count", "تاسو %(count)s غوښتنې لاسلیک کړې دي."), item("refused", "ودرول شو: %(message)s")],
};
const { t } = await import("../src/voting/messages.js");

test("numbers take the page's digits, text parameters are left as they are", () => {
  assert.equal(t("issued_count", { count: 12 }), "تاسو ۱۲ غوښتنې لاسلیک کړې دي.");
  assert.equal(t("refused", { message: "entry 12 of ab12" }), "ودرول شو: entry 12 of ab12");
  globalThis.document.documentElement.lang = "en";
  assert.equal(t("issued_count", { count: 12 }), "تاسو 12 غوښتنې لاسلیک کړې دي.");
});
