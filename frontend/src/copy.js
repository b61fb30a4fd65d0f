// Copy buttons for long values shown shortened (convention/templatetags/long_values.py): the
// full value is in the <details> already, without JavaScript; with it, one tap copies it.

export function addCopyButtons(root = document) {
  if (!globalThis.navigator?.clipboard) return;
  for (const box of root.querySelectorAll("details.long-hex[data-copy]")) {
    if (box.querySelector("button.copy")) continue;
    const full = box.querySelector(".hex-full");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = box.dataset.copy;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(full.textContent);
        button.textContent = box.dataset.copied;
      } catch {
        // Copying refused (permissions): the value is still there to select by hand.
      }
    });
    box.append(button);
  }
}
