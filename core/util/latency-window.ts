import { quantile } from './quantile';

/** The last `size` latencies of something, for percentiles that follow what happens now and stay bounded in memory. */
export class LatencyWindow {
  readonly #values: number[] = [];
  #next = 0;

  constructor(private readonly size = 1024) {}

  add(ms: number): void {
    if (this.#values.length < this.size) this.#values.push(ms);
    else this.#values[this.#next] = ms;
    this.#next = (this.#next + 1) % this.size;
  }

  /** The `q` quantile (0..1) of the window, null while it is empty. */
  quantile(q: number): number | null {
    return this.#values.length === 0 ? null : quantile(this.#values, q);
  }
}
