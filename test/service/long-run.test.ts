import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../helpers';

describe('serve: a long-running service', function () {
  this.timeout(300_000);

  it('keeps its heap bounded over 2,000 cycles: after a full collection it stops growing', () => {
    const child = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, 'long-run-child.js'), '2000', '250', path.join(tempDir(), 'long.db')], { encoding: 'utf8' });
    expect(child.status, child.stderr).to.equal(0);
    const { samples, history } = JSON.parse(child.stdout) as { samples: { cycle: number; heapBytes: number }[]; history: number };
    expect(history, 'cycle history is windowed').to.equal(100);
    const at = (cycle: number) => samples.find((s) => s.cycle === cycle)!.heapBytes;
    // Every store a cycle touches is bounded (history 100 cycles, latency windows 1,024 calls,
    // caches by maxEntries, opinion histories by window): growth between cycle 1,000 and 2,000
    // stays under 1 MB, about 500 bytes a cycle, where an unbounded record per cycle (a
    // history entry with its statistics is about 3 KB) would add 3 MB.
    const growth = at(2000) - at(1000);
    expect(growth, JSON.stringify(samples)).to.be.below(1024 * 1024);
  });
});
