import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { SignalStream } from '../../core/service/signal-stream';
import pino from 'pino';
import { makeSignal } from '../helpers';

/** A response that never drains: its unsent output stays over the stream's bound. */
function stuckResponse(): ServerResponse & { destroyed: boolean } {
  const response = Object.assign(new EventEmitter(), {
    writableLength: 8 * 1024 * 1024,
    destroyed: false,
    writeHead: () => response,
    write: () => false,
    end: () => undefined,
    destroy: () => void (response.destroyed = true),
  });
  return response as unknown as ServerResponse & { destroyed: boolean };
}

describe('the event stream', () => {
  it('closes a client that never reads and says so once, however many signals were queued for it', async () => {
    const stored = Array.from({ length: 50 }, (_, i) => ({ seq: i + 1, signal: makeSignal(`s${i}`) }));
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const stream = await SignalStream.open({ readSignalsAfter: async (after) => stored.filter((s) => s.seq > after), lastSignalSeq: async () => stored.length }, logger);
    const response = stuckResponse();
    stream.join(response, 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    stream.close();
    expect(response.destroyed).to.equal(true);
    expect(lines.filter((line) => line.includes('reads too slowly'))).to.have.length(1);
  });
});
