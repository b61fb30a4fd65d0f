// Live updates of a deliberation room. The page works without this file: a reload shows
// everything. With it, new posts, moderation and the speaking queue appear by themselves over
// server-sent events; if those do not get through (a proxy, a censor's middlebox), the page
// falls back to asking the server every few seconds.
const POLL_MS = 5000;
const FAILURES_BEFORE_POLLING = 3;

function formatSeconds(total) {
  const s = Math.max(0, Math.floor(total));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function tickCountdowns() {
  const now = Date.now() / 1000;
  document.querySelectorAll("[data-countdown-ends]").forEach((el) => {
    const left = Number(el.dataset.countdownEnds) - now;
    el.textContent = formatSeconds(left);
    el.classList.toggle("is-over", left <= 0);
  });
}

export function startLive(doc = document) {
  if (doc.querySelector("[data-countdown-ends]") || doc.querySelector("[data-session-panel]")) {
    tickCountdowns();
    setInterval(tickCountdowns, 1000);
  }
  const room = doc.querySelector("[data-live-events]");
  if (!room) return;
  const status = room.querySelector("[data-live-status]");
  const csrf = doc.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
  const canAppend = room.dataset.append === "true";
  let cursor = Number(room.dataset.after || 0);
  let source = null;
  let failures = 0;
  let polling = false;

  const say = (text) => {
    if (status && text) status.textContent = text;
  };

  const fragment = (html) => {
    const template = doc.createElement("template");
    template.innerHTML = (html || "").trim();
    template.content.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach((input) => {
      if (!input.value) input.value = csrf;
    });
    template.content.querySelectorAll("input[name=room]").forEach((input) => {
      if (!input.value) input.value = room.dataset.room || "";
    });
    return template.content.firstElementChild;
  };

  const applyPost = (event) => {
    if (event.seq > cursor) cursor = event.seq;
    const element = fragment(event.html);
    if (!element) return;
    const existing = room.querySelector(`#threads [id="post-${event.post}"]`);
    if (existing) {
      if (Number(existing.dataset.seq || 0) >= event.seq) return;
      existing.replaceWith(element);
      return;
    }
    element.classList.add("is-new");
    if (event.thread) {
      doc.getElementById(`replies-${event.thread}`)?.append(element);
      return;
    }
    if (!canAppend) return;
    const threads = doc.getElementById("threads");
    threads.querySelector("[data-empty]")?.remove();
    const section = doc.createElement("section");
    section.className = "thread";
    section.id = `thread-${event.post}`;
    const replies = doc.createElement("div");
    replies.className = "replies";
    replies.id = `replies-${event.post}`;
    section.append(element, replies);
    threads.append(section);
  };

  const applySession = (html) => {
    const panel = room.querySelector("[data-session-panel]");
    const element = fragment(html);
    if (panel && element) panel.replaceWith(element);
    tickCountdowns();
  };

  // A moderator changed the room's settings: new badges, and the composer follows the lock.
  const applyRoom = (event) => {
    const flags = doc.querySelector("[data-room-flags]");
    const element = fragment(event.html);
    if (flags && element) flags.replaceWith(element);
    const closed = event.locked || event.archived;
    const form = doc.querySelector(".compose-form");
    form?.querySelectorAll("textarea, input, select, button").forEach((field) => {
      field.disabled = closed;
    });
    if (closed) say(event.archived ? room.dataset.labelArchived : room.dataset.labelLocked);
    else if (room.dataset.roomClosed === "true") {
      say(form ? room.dataset.labelLive : room.dataset.labelReopened);
    }
    room.dataset.roomClosed = String(Boolean(closed));
  };

  const handle = (type, event) => {
    if (type === "post") applyPost(event);
    else if (type === "room") applyRoom(event);
    else if (type === "remove") room.querySelector(`#threads [id="post-${event.post}"]`)?.remove();
    else if (type === "session") applySession(event.html);
    else if (type === "reload") say(room.dataset.labelReload);
  };

  const poll = async () => {
    try {
      const response = await fetch(`${room.dataset.livePoll}?after=${cursor}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.ok) {
        const body = await response.json();
        if (body.reload) say(room.dataset.labelReload);
        if (body.room) applyRoom(body.room);
        body.events.forEach((event) => handle(event.type, event));
        if (body.session) applySession(body.session);
      }
    } catch (_error) {
      // offline for a moment: try again at the next tick
    }
    setTimeout(poll, POLL_MS);
  };

  const startPolling = () => {
    if (polling) return;
    polling = true;
    say(room.dataset.labelPolling);
    setTimeout(poll, POLL_MS);
  };

  if (!("EventSource" in window)) {
    startPolling();
    return;
  }
  source = new EventSource(`${room.dataset.liveEvents}?after=${cursor}`);
  source.addEventListener("open", () => {
    failures = 0;
    say(room.dataset.labelLive);
    room.dataset.liveState = "connected";
  });
  source.addEventListener("error", () => {
    failures += 1;
    if (failures >= FAILURES_BEFORE_POLLING || source.readyState === EventSource.CLOSED) {
      source.close();
      startPolling();
    }
  });
  ["post", "remove", "room", "session", "reload"].forEach((type) => {
    source.addEventListener(type, (message) => {
      failures = 0;
      handle(type, JSON.parse(message.data));
    });
  });
}
