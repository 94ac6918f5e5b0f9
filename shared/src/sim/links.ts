/**
 * The simulated transports between nodes: each link is a number (its id, as a string, is the engine's
 * link id on both ends), with its two ends and whether it is still open. A closed link carries nothing:
 * messages in flight on it are lost, as on a closed data channel.
 */
export class LinkTable {
  readonly #a: number[] = [];
  readonly #b: number[] = [];
  readonly #open: boolean[] = [];
  readonly #names: string[] = [];
  /** Links each node has had, open or closed (pruned as it grows). */
  readonly #byNode: number[][] = [];

  open(a: number, b: number): number {
    const link = this.#a.length;
    this.#a.push(a);
    this.#b.push(b);
    this.#open.push(true);
    this.#names.push(String(link));
    this.#note(a, link);
    this.#note(b, link);
    return link;
  }

  close(link: number): void {
    this.#open[link] = false;
  }

  isOpen(link: number): boolean {
    return this.#open[link] === true;
  }

  name(link: number): string {
    return this.#names[link]!;
  }

  /** The end of `link` that is not `node`. */
  other(link: number, node: number): number {
    return this.#a[link] === node ? this.#b[link]! : this.#a[link]!;
  }

  /** Open links of `node`. */
  openOf(node: number): number[] {
    return (this.#byNode[node] ?? []).filter((link) => this.#open[link]);
  }

  linked(a: number, b: number): boolean {
    return (this.#byNode[a] ?? []).some((link) => this.#open[link] && this.other(link, a) === b);
  }

  #note(node: number, link: number): void {
    let list = this.#byNode[node];
    if (list === undefined) {
      list = [];
      this.#byNode[node] = list;
    }
    list.push(link);
    // Churn and shedding close links; forget closed ones now and then so the lists stay short.
    if (list.length > 32) this.#byNode[node] = list.filter((id) => this.#open[id]);
  }
}
