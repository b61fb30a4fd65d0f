// Progressive enhancement only: every page works with JavaScript off.
import htmx from "htmx.org";
import { startLive } from "./live.js";

window.htmx = htmx;
htmx.config.includeIndicatorStyles = false; // inline styles would break the CSP
htmx.config.allowEval = false;
htmx.config.allowScriptTags = false;
htmx.config.selfRequestsOnly = true;

// Deliberation rooms: live posts, moderation and speaking queue.
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => startLive());
else startLive();
