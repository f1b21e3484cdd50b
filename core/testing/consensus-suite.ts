import fc from 'fast-check';
import assert from 'node:assert/strict';
import { DIRECTIONS, isDirection, type Opinion, type WeightedOpinion } from '../domain/domain';
import type { PluginDefinition } from '../plugin-system/define-plugin';
import type { Consensus } from '../plugin-system/plugin-contracts';
import { optionsCheck } from './options-check';
import { holds } from './property';
import type { TestApi } from './test-api';
import { testContext, type TestContextOptions } from './test-context';

/** How the consensus suite checks a consensus. */
export interface ConsensusSuiteOptions extends TestContextOptions {
  /** Property runs per check (fast-check). */
  readonly runs?: number;
  /** Whether some completion of the remaining sources reaches the upper bound (true for a tight bound; a looser one is still lossless). */
  readonly tightBound?: boolean;
}

const opinion: fc.Arbitrary<Opinion> = fc.record({ direction: fc.constantFrom(...DIRECTIONS), confidence: fc.double({ min: 0, max: 100, noNaN: true }) });
const weight = fc.double({ min: 0.01, max: 10, noNaN: true });
const fetchedArb = fc.array(fc.record({ weight, opinion }), { maxLength: 6 });
/** Each remaining source: its weight, and what it does in one completion (an opinion, or null: it fails). */
const remainderArb = fc.array(fc.record({ weight, answer: fc.option(opinion, { nil: null }) }), { maxLength: 5 });

function named(list: readonly { weight: number; opinion: Opinion }[], prefix: string): WeightedOpinion[] {
  return list.map((w, i) => ({ source: `${prefix}${i}`, ...w }));
}

/** Every answer a remaining source can give at the extremes: fail, or LONG, SHORT or NEUTRAL at 0 or 100. */
const CORNERS: readonly (Opinion | null)[] = [null, ...DIRECTIONS.flatMap((direction) => [0, 100].map((confidence) => ({ direction, confidence })))];

function* corners(count: number): Generator<(Opinion | null)[]> {
  if (count === 0) return yield [];
  for (const rest of corners(count - 1)) for (const answer of CORNERS) yield [answer, ...rest];
}

/**
 * The conformance suite of a consensus plugin: options refuse wrong formats; `combine` gives a
 * direction, a confidence in 0..100 and finite contributions for any opinions, NEUTRAL 0 for
 * none; `upperBound` is never below what any completion of the remaining sources (each
 * answering anything or failing) reaches, and, when tight, some extreme completion reaches it.
 */
export function consensusSuite(api: TestApi, definition: PluginDefinition<'consensus'>, suite: ConsensusSuiteOptions = {}): void {
  const numRuns = suite.runs ?? 300;
  const build = (): Promise<Consensus> => Promise.resolve(definition.create(testContext(definition, suite)));

  api.describe(`consensus plugin "${definition.name}" (argo-signals/testing)`, () => {
    optionsCheck(api, definition, suite.options);

    api.it('combines any opinions into a direction, a confidence in 0..100 and finite contributions; none into NEUTRAL 0', async () => {
      const consensus = await build();
      const empty = await consensus.combine([]);
      assert.equal(empty.direction, 'NEUTRAL');
      assert.equal(empty.confidence, 0);
      await holds(
        fc.asyncProperty(fetchedArb, async (list) => {
          const result = await consensus.combine(named(list, 's'));
          assert.ok(isDirection(result.direction), `direction ${JSON.stringify(result.direction)}`);
          assert.ok(result.confidence >= 0 && result.confidence <= 100, `confidence ${result.confidence}`);
          for (const [source, share] of Object.entries(result.contributions)) assert.ok(Number.isFinite(share), `contribution of ${source}: ${share}`);
        }),
        { numRuns },
      );
    });

    api.it('never gives an upper bound below the confidence any completion of the remaining sources reaches', async () => {
      const consensus = await build();
      await holds(
        fc.asyncProperty(fetchedArb, remainderArb, async (list, rest) => {
          const fetched = named(list, 'f');
          const bound = consensus.upperBound(fetched, rest.map((r) => r.weight));
          const completed = [...fetched, ...named(rest.flatMap((r) => (r.answer === null ? [] : [{ weight: r.weight, opinion: r.answer }])), 'r')];
          const reached = (await consensus.combine(completed)).confidence;
          assert.ok(reached <= bound + 1e-9, `a completion reached ${reached} above the bound ${bound}`);
        }),
        { numRuns },
      );
    });

    if (suite.tightBound !== false) {
      api.it('gives a bound that an extreme completion of the remaining sources reaches', async () => {
        const consensus = await build();
        await holds(
          fc.asyncProperty(fetchedArb, fc.array(weight, { maxLength: 3 }), async (list, weights) => {
            const fetched = named(list, 'f');
            const bound = consensus.upperBound(fetched, weights);
            let best = 0;
            for (const answers of corners(weights.length)) {
              const completion = answers.flatMap((answer, i) => (answer === null ? [] : [{ source: `r${i}`, weight: weights[i], opinion: answer }]));
              best = Math.max(best, (await consensus.combine([...fetched, ...completion])).confidence);
            }
            assert.ok(best >= bound - 1e-6, `no completion reaches the bound ${bound} (best ${best}); pass tightBound: false for a looser bound`);
          }),
          { numRuns: Math.min(numRuns, 100) },
        );
      });
    }
  });
}
