import { ArgoError } from '../../core/errors/errors';
import type { SourceInfo } from '../../core/plugin-system/plugin-contracts';

/** Sources by descending weight; ties keep their configured order. */
export function byWeight(sources: readonly SourceInfo[]): SourceInfo[] {
  return [...sources].sort((a, b) => b.weight - a.weight);
}

/** `names` split into consecutive waves of `size`. */
export function chunk(names: readonly string[], size: number): string[][] {
  const waves: string[][] = [];
  for (let i = 0; i < names.length; i += size) waves.push(names.slice(i, i + size));
  return waves;
}

/** The configured sources named in `wanted`; ARGO_ERR_PLUGIN_OPTIONS naming `key` when one is not configured. */
export function pickSources(sources: readonly SourceInfo[], wanted: readonly string[], key: string): string[] {
  const known = new Set(sources.map((s) => s.name));
  const unknown = wanted.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new ArgoError('ARGO_ERR_PLUGIN_OPTIONS', `${key} names ${unknown.join(', ')}, not among the configured sources (${[...known].join(', ')})`);
  return [...wanted];
}
