import assert from 'node:assert/strict';
import type { EngineConfig } from '../config/config-schema';
import { CycleStats } from '../engine/cycle-stats';
import type { PluginDefinition } from '../plugin-system/define-plugin';
import type { ExplainRequest, Explainer } from '../plugin-system/plugin-contracts';
import { ReasoningService, fallbackText } from '../reasoning/reasoning-service';
import { createLogger } from '../util/logger';
import { SecretRedactor } from '../util/secret-redactor';
import { optionsCheck } from './options-check';
import { sampleRequest } from './sample-data';
import type { TestApi } from './test-api';
import { testContext, type TestContextOptions } from './test-context';

/** How the explainer suite asks an explainer; `requests` default to two sample signals. */
export interface ExplainerSuiteOptions extends TestContextOptions {
  readonly requests?: readonly ExplainRequest[];
}

const SYNC_REASONING = { reasoning: { mode: 'sync', maxWaitMs: 0, cache: { bucket: 5 } } } as unknown as EngineConfig;

/**
 * The conformance suite of an explainer: options refuse wrong formats; it writes a non-empty
 * text for each request; when it throws, the core stores the fallback text, counted.
 */
export function explainerSuite(api: TestApi, definition: PluginDefinition<'explainer'>, suite: ExplainerSuiteOptions = {}): void {
  const requests = suite.requests ?? [sampleRequest(), sampleRequest({ symbol: 'SAMPLE-CHOP', action: 'SELL', consensus: { direction: 'SHORT', confidence: 77, contributions: { trend: -60 } } })];
  const build = (): Promise<Explainer> => Promise.resolve(definition.create(testContext(definition, suite)));

  api.describe(`explainer "${definition.name}" (argo-signals/testing)`, () => {
    optionsCheck(api, definition, suite.options);

    api.it('writes a non-empty text for each request', async () => {
      const explainer = await build();
      for (const request of requests) {
        const text = await explainer.explain(request);
        assert.ok(typeof text === 'string' && text.trim() !== '', `${request.symbol}: answered ${JSON.stringify(text)}`);
      }
      await explainer.close?.();
    });

    api.it('has its texts stored through the core as they are, and a throw stored as the fallback text, counted', async () => {
      const explainer = await build();
      const service = (inner: Explainer, stats: CycleStats) =>
        new ReasoningService(inner, { name: definition.name, version: definition.version, options: {} }, null, SYNC_REASONING, stats, createLogger('silent'), new SecretRedactor());
      const stats = new CycleStats();
      const stored = await service(explainer, stats).forSignal(requests[0]);
      assert.equal(stored.now.status, 'done', `the core did not take its text: ${stored.now.text}`);
      const failing = new CycleStats();
      const thrown = await service({ explain: () => Promise.reject(new Error('explainer down')) }, failing).forSignal(requests[0]);
      assert.deepEqual(thrown.now, { text: fallbackText(requests[0]), status: 'fallback' });
      assert.equal(failing.reasoningFallbacks, 1);
      await explainer.close?.();
    });
  });
}
