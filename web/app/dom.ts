/**
 * A tiny element builder. Text always goes in through `textContent`, never as markup, so names and
 * strings from a topology file can never become HTML.
 */

type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | undefined | EventListener>;

/** `h("button", {class: "x", onclick: f}, "Run")`: attributes, `on*` listeners, text or element children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, ...children);
  return el;
}

/** Appends children; strings and numbers become text nodes. */
export function append(el: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Removes every child. */
export function clear(el: Element): void {
  el.replaceChildren();
}

/** The element with this id; a missing one is a bug in index.html, so say which. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no element #${id}`);
  return el as T;
}

/** Whether a key press is meant for a text field rather than for the page's shortcuts. */
export function typingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "range", "submit", "reset"].includes(target.type);
  }
  return false;
}
