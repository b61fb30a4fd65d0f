// Progressive enhancement only: every page works with JavaScript off.
import { startLive } from "./live.js";

// Deliberation rooms: live posts, moderation and speaking queue.
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => startLive());
else startLive();
