/**
 * A drag handle on the left pane's edge, so a wide table (NAT mappings, IPsec SAs) can have the room it
 * needs. The width is remembered; a double click goes back to the default.
 */
import { remember, remembered } from "./storage.ts";

const WIDTH_KEY = "tunnel-lab:left-width";

/** Adds the handle to `pane`, resizing the grid of `layout`. */
export function addSplitter(pane: HTMLElement, layout: HTMLElement): void {
  const handle = document.createElement("div");
  handle.className = "splitter";
  handle.setAttribute("role", "separator");
  handle.setAttribute("aria-orientation", "vertical");
  handle.setAttribute("aria-label", "Drag to resize the lesson and tables pane; double-click to reset");
  handle.title = "Drag to resize; double-click to reset";
  pane.append(handle);
  const saved = Number(remembered(WIDTH_KEY));
  if (saved > 0) layout.style.setProperty("--left-width", `${saved}px`);
  handle.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    handle.setPointerCapture(e.pointerId);
    handle.classList.add("dragging");
    const left = layout.getBoundingClientRect().left;
    const move = (ev: PointerEvent) => {
      const width = Math.max(200, Math.min(ev.clientX - left, layout.clientWidth * 0.6));
      layout.style.setProperty("--left-width", `${Math.round(width)}px`);
    };
    const up = () => {
      handle.classList.remove("dragging");
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
      remember(WIDTH_KEY, String(parseInt(layout.style.getPropertyValue("--left-width")) || 0));
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
  });
  handle.addEventListener("dblclick", () => {
    layout.style.removeProperty("--left-width");
    remember(WIDTH_KEY, "0");
  });
}
