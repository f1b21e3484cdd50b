import { expect } from 'chai';
import path from 'node:path';
import type { SourceConfig } from '../../core/config/config-schema';
import { BarView } from '../../core/domain/bar-view';
import { callSource, simulateCall, type RunSource } from '../../core/engine/source-caller';
import { StageClock } from '../../core/engine/stage-clock';
import type { SourceOutcome } from '../../core/domain/domain';
import type { Source } from '../../core/plugin-system/plugin-contracts';
import { InFlight } from '../../core/util/in-flight';
import { syntheticBars } from '../../plugins/market-data/synthetic-bars';
import { ROOT } from '../helpers';

const bars = BarView.upTo({ symbol: 'T', bars: syntheticBars('T', 1, ['2020-01-02', '2020-01-03']), malformedRows: 0 }, 1);

function source(instance: Source, config: Partial<SourceConfig> = {}): RunSource {
  return { config: { name: 's', plugin: 'test', weight: 1, timeoutMs: 50, options: {}, simulate: null, breaker: { failures: 0, cooldownMs: 1 }, ...config }, instance, abandoned: new InFlight(), breaker: null };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const misbehaving = require(path.join(ROOT, 'test', 'fixtures', 'plugins', 'misbehaving-source.js'));

function misbehave(mode: string): Source {
  return misbehaving.create({ options: { mode } });
}

describe('source caller', () => {
  it('returns a validated copy of a good opinion', async () => {
    const outcome = await callSource(source(misbehave('good')), 'T', bars, 1);
    expect(outcome).to.include({ ok: true, source: 's' });
    expect(outcome.ok && outcome.opinion).to.deep.equal({ direction: 'LONG', confidence: 90 });
  });

  it('records a throwing source as failed with its message', async () => {
    const outcome = await callSource(source(misbehave('throw')), 'T', bars, 1);
    expect(outcome).to.include({ ok: false, failure: 'error', code: 'ARGO_ERR_SOURCE_FAILED' });
    expect(!outcome.ok && outcome.message).to.contain('503');
  });

  it('times out a hanging source and aborts its signal', async () => {
    let aborted = false;
    const hanging: Source = {
      opinion: ({ signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    };
    const outcome = await callSource(source(hanging, { timeoutMs: 20 }), 'T', bars, 1);
    expect(outcome).to.include({ ok: false, failure: 'timeout', code: 'ARGO_ERR_SOURCE_TIMEOUT' });
    expect(aborted).to.equal(true);
  });

  for (const [mode, expected] of [
    ['nan', 'confidence'],
    ['over', '140'],
    ['direction', 'UP'],
    ['null', 'null'],
  ] as const) {
    it(`records a source answering ${mode} as malformed`, async () => {
      const outcome = await callSource(source(misbehave(mode)), 'T', bars, 1);
      expect(outcome).to.include({ ok: false, failure: 'malformed', code: 'ARGO_ERR_SOURCE_MALFORMED' });
      expect(!outcome.ok && outcome.message).to.contain(expected);
    });
  }

  it('simulates latency from the seed, source, symbol and date alone', () => {
    const simulate = { latencyMs: 100, sigma: 0.5, failureRate: 0.1, timeoutRate: 0.05 };
    const a = simulateCall(simulate, 7, 'news', 'AAPL', '2017-01-03');
    expect(simulateCall(simulate, 7, 'news', 'AAPL', '2017-01-03')).to.deep.equal(a);
    expect(simulateCall(simulate, 7, 'news', 'AAPL', '2017-01-04')).to.not.deep.equal(a);
    const draws = Array.from({ length: 2000 }, (_, i) => simulateCall(simulate, 7, 'news', `S${i}`, '2017-01-03'));
    const sorted = draws.map((d) => d.latencyMs).sort((x, y) => x - y);
    expect(sorted[1000]).to.be.within(90, 110);
    expect(draws.filter((d) => d.fails).length / 2000).to.be.within(0.08, 0.12);
  });

  it('turns a simulated latency past the timeout into a timeout without waiting', async () => {
    const slow = source(misbehave('good'), { timeoutMs: 10, simulate: { latencyMs: 1000, sigma: 0, failureRate: 0, timeoutRate: 0 } });
    const outcome = await callSource(slow, 'T', bars, 1);
    expect(outcome).to.include({ ok: false, failure: 'timeout', latencyMs: 10 });
    const fine = source(misbehave('good'), { timeoutMs: 5000, simulate: { latencyMs: 1000, sigma: 0, failureRate: 0, timeoutRate: 0 } });
    expect(await callSource(fine, 'T', bars, 1)).to.include({ ok: true, latencyMs: 1000 });
  });

  it('times a call from where the last one ended (one clock reading a call), and an answer that comes later from where the clock stood when it was asked', async () => {
    let time = 100;
    const clock = new StageClock(() => time);
    const taking = (ms: number): Source => ({
      opinion: () => {
        time += ms;
        return { direction: 'LONG', confidence: 50 };
      },
    });
    const first = callSource(source(taking(7)), 'T', bars, 1, clock) as SourceOutcome;
    const second = callSource(source(taking(3)), 'T', bars, 1, clock) as SourceOutcome;
    expect([first.latencyMs, second.latencyMs]).to.deep.equal([7, 3]);
    expect(clock.at).to.equal(110);
    let answer!: () => void;
    const pending = new Promise<{ direction: 'SHORT'; confidence: number }>((resolve) => (answer = () => resolve({ direction: 'SHORT', confidence: 10 })));
    const later = callSource(source({ opinion: () => pending }, { timeoutMs: 60_000 }), 'T', bars, 1, clock);
    expect(later).to.be.instanceOf(Promise);
    // Asked beside the pending call, at the same reading: the pending call does not move the clock.
    expect((callSource(source(taking(2)), 'T', bars, 1, clock) as SourceOutcome).latencyMs).to.equal(2);
    time = 125;
    answer();
    expect(await later).to.include({ ok: true, latencyMs: 15 });
  });
});
