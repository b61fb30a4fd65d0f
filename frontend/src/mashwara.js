// Progressive enhancement only: every page works with JavaScript off.
import { enhanceCookielessForms } from "./cookieless.js";
import { addCopyButtons } from "./copy.js";
import { startLive } from "./live.js";
import { startOpinionMap } from "./opinion.js";

// Deliberation rooms: live posts, moderation and speaking queue.
function start() {
  startLive();
  startOpinionMap();
  addCopyButtons();
  enhanceCookielessForms();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
