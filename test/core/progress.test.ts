import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { progressBar } from '../../core/cli/progress';

/** A stream that says it is a terminal, collecting what is written to it. */
function fakeTerminal(): { stream: NodeJS.WritableStream; output: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  let written = '';
  stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
  return { stream, output: () => written };
}

describe('progress bar', () => {
  it('draws the cycles done, the total and the label on a terminal', async () => {
    const { stream, output } = fakeTerminal();
    const progress = progressBar(3, true, stream);
    for (const date of ['2017-01-03', '2017-01-04', '2017-01-05']) progress.tick(`arm-a ${date}`);
    progress.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(output()).to.contain('3/3 cycles').and.contain('arm-a 2017-01-05').and.contain('100%');
  });

  it('writes nothing when disabled (no terminal, or --json)', async () => {
    const { stream, output } = fakeTerminal();
    const progress = progressBar(3, false, stream);
    progress.tick('x');
    progress.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(output()).to.equal('');
  });
});
