// Forms marked data-cookieless (the tracker look-up and the receipt check, served under the
// cookie-less /anonymous/ prefix) are sent with fetch(…, {credentials: "omit"}): the request
// carries no cookie at all, so nothing ties the tracker or receipt to the browser's session,
// and the answer's <main> replaces this page's. Without JavaScript the form is sent as usual:
// the browser then attaches its cookies, and the server's outermost middleware drops them
// before any code reads them (voting/middleware.py).

function target(form) {
  const url = new URL(form.getAttribute("action") || "", window.location.href);
  const fragment = url.hash;
  url.hash = "";
  return { url, fragment };
}

async function send(form) {
  const method = (form.getAttribute("method") || "get").toUpperCase();
  const { url, fragment } = target(form);
  const fields = new URLSearchParams(new FormData(form));
  const init = { method, credentials: "omit", cache: "no-store", headers: { Accept: "text/html" } };
  if (method === "GET") url.search = fields.toString();
  else init.body = fields;
  const response = await fetch(url, init);
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const main = page.querySelector("main");
  const current = document.querySelector("main");
  if (!main || !current) throw new Error("no page in the answer");
  current.replaceWith(document.adoptNode(main));
  enhanceCookielessForms(main);
  if (method === "GET") window.history.pushState(null, "", url);
  const focus = (fragment && document.querySelector(fragment)) || main.querySelector("[role=status], [role=alert]");
  if (focus) {
    if (!focus.hasAttribute("tabindex")) focus.setAttribute("tabindex", "-1");
    focus.focus();
  }
}

export function enhanceCookielessForms(root = document) {
  for (const form of root.querySelectorAll("form[data-cookieless]")) {
    form.dataset.enhanced = "true";
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(form).catch(() => form.submit());
    });
  }
}
