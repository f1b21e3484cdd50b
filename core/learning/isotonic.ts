/**
 * Isotonic regression by pool-adjacent-violators: the non-decreasing step function closest (in
 * squared error) to outcomes ordered by a score. Blocks start with at least `minBlock` samples,
 * so a step never rests on a handful of symbol-days. No npm package fits this small a need
 * (the ones there are want a dense array API or bring a numeric stack).
 */

/** A fitted monotone map: `x` ascending block upper edges, `y` the block means (non-decreasing). */
export interface IsotonicMap {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** Fits `outcomes` (0..1) against `scores`; at least `minBlock` samples a block (the last may have more). */
export function fitIsotonic(scores: readonly number[], outcomes: readonly number[], minBlock: number): IsotonicMap {
  if (scores.length !== outcomes.length || scores.length === 0) throw new Error('isotonic fit: scores and outcomes must be non-empty and of one length');
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  // Initial blocks of minBlock samples, never splitting equal scores.
  const blocks: { sum: number; n: number; edge: number }[] = [];
  let current = { sum: 0, n: 0, edge: Number.NEGATIVE_INFINITY };
  order.forEach((i, k) => {
    current.sum += outcomes[i];
    current.n++;
    current.edge = scores[i];
    const next = order[k + 1];
    if (current.n >= minBlock && (next === undefined || scores[next] !== scores[i])) {
      blocks.push(current);
      current = { sum: 0, n: 0, edge: Number.NEGATIVE_INFINITY };
    }
  });
  if (current.n > 0) {
    if (blocks.length === 0) blocks.push(current);
    else Object.assign(blocks[blocks.length - 1], { sum: blocks[blocks.length - 1].sum + current.sum, n: blocks[blocks.length - 1].n + current.n, edge: current.edge });
  }
  // Pool adjacent violators: merge a block into the one before while its mean is lower.
  const pooled: { sum: number; n: number; edge: number }[] = [];
  for (const block of blocks) {
    pooled.push({ ...block });
    while (pooled.length > 1 && pooled[pooled.length - 1].sum / pooled[pooled.length - 1].n < pooled[pooled.length - 2].sum / pooled[pooled.length - 2].n) {
      const last = pooled.pop()!;
      const before = pooled[pooled.length - 1];
      before.sum += last.sum;
      before.n += last.n;
      before.edge = last.edge;
    }
  }
  return { x: pooled.map((b) => b.edge), y: pooled.map((b) => b.sum / b.n) };
}

/** The value of `map` at `score`: the first block whose upper edge is at or above it (the last block beyond). */
export function applyIsotonic(map: IsotonicMap, score: number): number {
  let lo = 0;
  let hi = map.x.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (map.x[mid] >= score) hi = mid;
    else lo = mid + 1;
  }
  return map.y[lo];
}
