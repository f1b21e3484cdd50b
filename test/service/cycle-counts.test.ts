import { expect } from 'chai';
import { tempDir } from '../helpers';
import { json, serve } from './serving';

/** The sum of a Prometheus counter's samples. */
function total(metrics: string, name: string): number {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('serve: counting what a cycle stored', function () {
  this.timeout(60_000);

  it('counts a signal given again on unchanged bars as repeated, not as a new one, in cycles and metrics, also after a restart', async () => {
    const dir = tempDir();
    const sets = ['service.schedule.every=1h', 'consensus.minConfidence=1', 'log.level=info'];
    const first = await serve(dir, sets);
    let produced: number;
    try {
      const one = (await json(`${first.url}/v1/cycles`, { method: 'POST' })).body;
      produced = one.signals;
      expect(produced).to.be.greaterThan(0);
      expect(one.repeated).to.equal(0);
      const two = (await json(`${first.url}/v1/cycles`, { method: 'POST' })).body;
      expect([two.signals, two.repeated, two.stats.storage.repeated]).to.deep.equal([0, produced, produced]);
      expect(two.symbols).to.equal(two.signals + two.repeated + two.rejected);
      const metrics = await (await fetch(`${first.url}/metrics`)).text();
      expect(total(metrics, 'argo_signals_total')).to.equal(produced);
      expect(total(metrics, 'argo_signals_repeated_total')).to.equal(produced);
      const logged = first.stderr().split('\n').filter((line) => line.includes('"msg":"cycle done"')).map((line) => JSON.parse(line));
      expect(logged.map((line) => [line.cycle, line.signals, line.repeated]), 'a line per cycle at info').to.deep.equal([
        [1, produced, 0],
        [2, 0, produced],
      ]);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
    const second = await serve(dir, sets);
    try {
      const again = (await json(`${second.url}/v1/cycles`, { method: 'POST' })).body;
      expect([again.signals, again.repeated], 'the storage held them before this process').to.deep.equal([0, produced]);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
