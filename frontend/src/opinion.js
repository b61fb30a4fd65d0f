// Live opinion map. The page works without this file (a reload shows the latest map). With it,
// a new analysis announced over the conversation room's server-sent events makes the page fetch
// its own map fragment: the event itself carries nothing, since only the reader may see their
// own position. If the events do not get through, the page asks every few seconds instead.
// Closing the conversation is announced the same way: the fragment then says it is closed (and
// shows the final map); a closed conversation's page that sees it reopened says to reload.
const POLL_MS = 10000;
const FAILURES_BEFORE_POLLING = 3;

export function startOpinionMap(doc = document) {
  const holder = doc.querySelector("[data-opinion-map]");
  if (!holder) return;
  const status = doc.querySelector("[data-opinion-status]");
  let polling = false;

  const refresh = async () => {
    const current = holder.querySelector("#opinion-map");
    const version = current ? current.dataset.version : "";
    try {
      const response = await fetch(`${holder.dataset.fragment}?v=${encodeURIComponent(version)}`, {
        credentials: "same-origin",
      });
      if (response.status !== 200) return;
      const template = doc.createElement("template");
      template.innerHTML = (await response.text()).trim();
      const fresh = template.content.querySelector("#opinion-map");
      const csrf = doc.querySelector("input[name=csrfmiddlewaretoken]")?.value;
      fresh?.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach((input) => {
        if (!input.value && csrf) input.value = csrf;
      });
      if (fresh && current) current.replaceWith(fresh);
      holder.dataset.version = fresh ? fresh.dataset.version : version;
      const reopened = fresh && !fresh.querySelector(".conversation-closed");
      if (reopened && holder.dataset.closed === "true" && status) {
        status.textContent = holder.dataset.labelReopened || "";
      }
    } catch (_error) {
      // offline for a moment: the next event or tick tries again
    }
  };

  const poll = () => {
    refresh().finally(() => setTimeout(poll, POLL_MS));
  };

  const startPolling = () => {
    if (polling) return;
    polling = true;
    setTimeout(poll, POLL_MS);
  };

  if (!("EventSource" in window)) {
    startPolling();
    return;
  }
  let failures = 0;
  const source = new EventSource(holder.dataset.events);
  source.addEventListener("open", () => {
    failures = 0;
    holder.dataset.liveState = "connected";
    if (status) status.textContent = "";
    refresh(); // anything announced while (re)connecting
  });
  source.addEventListener("error", () => {
    failures += 1;
    if (failures >= FAILURES_BEFORE_POLLING || source.readyState === EventSource.CLOSED) {
      source.close();
      startPolling();
    }
  });
  source.addEventListener("opinion", () => {
    failures = 0;
    refresh();
  });
}
