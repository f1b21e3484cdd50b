/**
 * The early-exit oracle: with hindsight (every source's answer known), the fewest source calls
 * that still decide a symbol-day exactly as `none` does. A symbol that becomes a signal needs
 * every source (its consensus is computed from all of them); a rejected one needs only a set of
 * calls after which the consensus's upper bound is below `minConfidence`, whatever the sources
 * not called would say. No strategy can save more calls without losing a decision.
 */
import type { ConsensusResult, WeightedOpinion } from '../core/domain/domain';
import type { Consensus } from '../core/plugin-system/plugin-contracts';

/** The fewest calls deciding the symbol-day of `opinions` (the answers of the sources that answered, out of `sources`) as `none` did. */
export function oracleCalls(
  consensus: Pick<Consensus, 'upperBound'>,
  sources: readonly { readonly name: string; readonly weight: number }[],
  opinions: readonly WeightedOpinion[],
  full: ConsensusResult,
  minConfidence: number,
): number {
  const passes = opinions.length > 0 && full.direction !== 'NEUTRAL' && full.confidence >= minConfidence;
  if (passes) return sources.length;
  const answer = new Map(opinions.map((o) => [o.source, o]));
  // Subsets by size, smallest first: five sources are 32 subsets.
  const subsets = Array.from({ length: 2 ** sources.length }, (_, mask) => mask).sort((a, b) => bits(a) - bits(b));
  for (const mask of subsets) {
    const fetched = sources.flatMap((s, i) => (mask & (1 << i) && answer.has(s.name) ? [answer.get(s.name)!] : []));
    const remaining = sources.flatMap((s, i) => (mask & (1 << i) ? [] : [s.weight]));
    if (consensus.upperBound(fetched, remaining) < minConfidence) return bits(mask);
  }
  return sources.length;
}

function bits(mask: number): number {
  let n = 0;
  for (let m = mask; m > 0; m >>= 1) n += m & 1;
  return n;
}
