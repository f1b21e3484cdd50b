import { DIRECTION_SIGN as SIGN, type ConsensusResult, type WeightedOpinion } from '../../core/domain/domain';

function totals(opinions: readonly WeightedOpinion[]): { score: number; weight: number } {
  let score = 0;
  let weight = 0;
  for (const { weight: w, opinion } of opinions) {
    score += w * SIGN[opinion.direction] * opinion.confidence;
    weight += w;
  }
  return { score, weight };
}

/**
 * The weighted mean of signed confidences (LONG +, SHORT -, NEUTRAL 0) over the sources that
 * answered, weights renormalised over them. Its sign is the direction, its size the confidence.
 */
export function weightedMean(opinions: readonly WeightedOpinion[]): ConsensusResult {
  const { score, weight } = totals(opinions);
  if (weight === 0) return { direction: 'NEUTRAL', confidence: 0, contributions: {} };
  const contributions: Record<string, number> = {};
  for (const { source, weight: w, opinion } of opinions) contributions[source] = (w * SIGN[opinion.direction] * opinion.confidence) / weight;
  const mean = score / weight;
  return { direction: mean > 0 ? 'LONG' : mean < 0 ? 'SHORT' : 'NEUTRAL', confidence: Math.min(100, Math.abs(mean)), contributions };
}

/**
 * The highest |weighted mean| any completion reaches. Each remaining source either fails
 * (dropping out of the renormalisation) or answers; answering 100 on the side of the current
 * score moves the mean towards 100, never away, so every remaining source answering 100 on
 * that side is the best completion. The bound grows with the remaining weights, so passing
 * weights at least as large as the real ones still gives a valid (looser) bound.
 */
export function weightedMeanBound(fetched: readonly WeightedOpinion[], remainingWeights: readonly number[]): number {
  const { score, weight } = totals(fetched);
  const remaining = remainingWeights.reduce((sum, w) => sum + w, 0);
  if (weight + remaining === 0) return 0;
  return Math.min(100, (Math.abs(score) + 100 * remaining) / (weight + remaining));
}
