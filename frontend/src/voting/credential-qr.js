// The credential code as a QR code on the printed sheet, drawn in the browser (the credential
// never reaches the server). Bundled on its own (voting-qr.js) and loaded only when the voter
// prints, so the credential page's first load stays small.

import qrcode from "qrcode-generator";

const SVG = "http://www.w3.org/2000/svg";

/** Draw `text` as a QR code (error correction M) into the <svg> `target`, with DOM calls only. */
export function drawQR(target, text) {
  const qr = qrcode(0, "M");
  qr.addData(text, "Byte");
  qr.make();
  const size = qr.getModuleCount();
  const quiet = 4;
  let path = "";
  for (let row = 0; row < size; row += 1) {
    for (let col = 0; col < size; col += 1) if (qr.isDark(row, col)) path += `M${col + quiet} ${row + quiet}h1v1h-1z`;
  }
  target.replaceChildren();
  target.setAttribute("viewBox", `0 0 ${size + 2 * quiet} ${size + 2 * quiet}`);
  target.setAttribute("shape-rendering", "crispEdges");
  const background = document.createElementNS(SVG, "rect");
  background.setAttribute("width", "100%");
  background.setAttribute("height", "100%");
  background.setAttribute("fill", "#fff");
  const modules = document.createElementNS(SVG, "path");
  modules.setAttribute("d", path);
  modules.setAttribute("fill", "#000");
  target.append(background, modules);
  return size;
}

globalThis.MashwaraQR = { drawQR };
