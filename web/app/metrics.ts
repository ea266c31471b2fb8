/**
 * Sizes the panes need at every step, read without forcing the browser to lay the page out again:
 * type metrics are read once per Large-type switch, element sizes come from ResizeObserver.
 */

let cached: { fontPx: number; rowPx: number } | null = null;

/** The body font size and the list row height, in pixels. */
export function typeMetrics(): { fontPx: number; rowPx: number } {
  if (!cached) {
    const style = getComputedStyle(document.body);
    cached = {
      fontPx: parseFloat(style.fontSize) || 14,
      rowPx: parseFloat(style.getPropertyValue("--row")) || 22,
    };
  }
  return cached;
}

/** Forgets the type metrics (after the Large-type switch). */
export function resetTypeMetrics(): void {
  cached = null;
}

/** An element's content-box size, kept current by a ResizeObserver. */
export class SizeWatch {
  width = 0;
  height = 0;

  constructor(element: Element, onChange?: () => void) {
    new ResizeObserver((entries) => {
      const box = entries[entries.length - 1].contentRect;
      if (box.width === this.width && box.height === this.height) return;
      this.width = box.width;
      this.height = box.height;
      onChange?.();
    }).observe(element);
  }
}
