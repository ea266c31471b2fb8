/**
 * The browser's localStorage, when it allows it: a file:// page or a locked-down profile may refuse,
 * and the view then simply forgets between visits instead of failing.
 */

/** localStorage, or null when the browser refuses it. */
export function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/** A remembered string, or null. */
export function remembered(key: string): string | null {
  try {
    return storage()?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

/** Remembers a string; a full or refused store just means it is forgotten. */
export function remember(key: string, value: string): void {
  try {
    storage()?.setItem(key, value);
  } catch {
    // the page still works; it only forgets
  }
}
