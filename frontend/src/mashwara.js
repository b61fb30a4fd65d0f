// Progressive enhancement only: every page works with JavaScript off.
import htmx from "htmx.org";

window.htmx = htmx;
htmx.config.includeIndicatorStyles = false; // inline styles would break the CSP
htmx.config.allowEval = false;
htmx.config.allowScriptTags = false;
htmx.config.selfRequestsOnly = true;
