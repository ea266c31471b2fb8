/** The topology drawing as a standalone SVG file: its own size, the page's styles inlined, a background. */

const SVG_NS = "http://www.w3.org/2000/svg";

/** A copy of `source` that renders on its own (in a browser, an editor, a slide). */
export function standaloneSvg(source: SVGSVGElement, css: string): SVGSVGElement {
  const copy = source.cloneNode(true) as SVGSVGElement;
  copy.setAttribute("xmlns", SVG_NS);
  const box = source.getBBox();
  const pad = 20;
  copy.setAttribute(
    "viewBox",
    `${box.x - pad} ${box.y - pad} ${box.width + 2 * pad} ${box.height + 2 * pad}`,
  );
  copy.setAttribute("width", String(Math.ceil(box.width + 2 * pad)));
  copy.setAttribute("height", String(Math.ceil(box.height + 2 * pad)));
  const style = document.createElementNS(SVG_NS, "style");
  style.textContent = css;
  copy.insertBefore(style, copy.firstChild);
  const bg = document.createElementNS(SVG_NS, "rect");
  bg.setAttribute("x", String(box.x - pad));
  bg.setAttribute("y", String(box.y - pad));
  bg.setAttribute("width", String(box.width + 2 * pad));
  bg.setAttribute("height", String(box.height + 2 * pad));
  bg.setAttribute("fill", "#fcfcfa");
  copy.insertBefore(bg, style.nextSibling);
  return copy;
}
