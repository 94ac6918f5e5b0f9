/**
 * The one rule for drawings (the room graph, the topology, the space-time diagram, the charts): a drawing
 * works only while it is seen — the document is visible, no closed `<details>` panel holds it, and it
 * intersects the viewport. A drawing reads its data through `whileSeen`, so while unseen its data is not
 * even read (nothing is laid out, diffed or animated) and the first look after draws the latest data once.
 *
 * Text of the automation contract (`state-digest`, `event-count`, `mode`, …) never goes through this: it
 * keeps updating everywhere, as the tests read it off-screen and in hidden tabs.
 */
import { isSeen, keepIfSame } from './seen.ts';

/**
 * How far beyond the viewport a drawing already counts as seen: a little scrolling then shows it drawn
 * at once; more margin keeps more of a long page drawing off-screen.
 */
const VIEWPORT_MARGIN = '48px';

export class Sight {
  #documentVisible = $state(typeof document === 'undefined' || document.visibilityState === 'visible');
  #intersecting = $state(false);
  #panelsOpen = $state(true);

  /** Whether the attached element is seen now (false until the first observation says otherwise). */
  readonly seen = $derived(isSeen({ documentVisible: this.#documentVisible, intersecting: this.#intersecting, panelsOpen: this.#panelsOpen }));

  /** A Svelte attachment (`{@attach sight.attach}`) on the drawing's root element. */
  readonly attach = (element: Element): (() => void) => {
    const onVisibility = (): void => {
      this.#documentVisible = document.visibilityState === 'visible';
    };
    // Panels around the drawing: a closed one hides it however the viewport lies.
    const panels: HTMLDetailsElement[] = [];
    for (let at = element.parentElement; at; at = at.parentElement) if (at instanceof HTMLDetailsElement) panels.push(at);
    const onToggle = (): void => {
      this.#panelsOpen = panels.every((panel) => panel.open);
    };
    const observer = new IntersectionObserver(
      (entries) => {
        const last = entries[entries.length - 1];
        if (last) this.#intersecting = last.isIntersecting;
      },
      { rootMargin: VIEWPORT_MARGIN },
    );
    onVisibility();
    onToggle();
    document.addEventListener('visibilitychange', onVisibility);
    for (const panel of panels) panel.addEventListener('toggle', onToggle);
    observer.observe(element);
    return () => {
      observer.disconnect();
      document.removeEventListener('visibilitychange', onVisibility);
      for (const panel of panels) panel.removeEventListener('toggle', onToggle);
    };
  };
}

/**
 * `read()`'s value as a drawing should show it: read again only while `sight` is seen, and kept as it was
 * (the same object, so nothing downstream redraws) when `same` finds the new value equal to the shown one.
 * The first value is always read, so a drawing that starts unseen still has something to show.
 */
export function whileSeen<T>(sight: Sight, read: () => T, same: (shown: T, next: T) => boolean = Object.is): { readonly current: T } {
  let shown: { value: T } | undefined;
  const current = $derived.by(() => {
    if (shown && !sight.seen) return shown.value;
    const next = keepIfSame(shown, read(), same);
    shown = { value: next };
    return next;
  });
  return {
    get current(): T {
      return current;
    },
  };
}
