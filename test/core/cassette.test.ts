import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadConfig } from '../../core/config/config-loader';
import type { Bar } from '../../core/domain/domain';
import { weekdaysEndingAt } from '../../core/domain/weekdays';
import { Run } from '../../core/engine/run';
import { Cassette, TapeRecorder } from '../../core/engine/run-tape';
import { createLogger } from '../../core/util/logger';
import { ArgoError } from '../../core/errors/errors';
import { syntheticBars } from '../../plugins/market-data/synthetic-bars';
import { alpacaServer } from '../../bench/providers/provider-servers';
import { builtinRegistry, runCli, tempDir } from '../helpers';

const KEYS = { id: 'PKCASSETTE0001', secret: 'sk-cassette-secret-9b8e7d6c' };
const LLM_KEY = 'sk-cassette-llm-4f3e2d1c0b';
const SYMBOLS = ['ACME', 'BOLT', 'CRUX', 'DYNA'];
const BARS = new Map<string, Bar[]>(SYMBOLS.map((s) => [s, syntheticBars(s, 9, weekdaysEndingAt('2024-06-28', 300))]));

/** An OpenAI-compatible server whose opinions change with every request: answers that never repeat, as a live model's. */
async function driftingModel(): Promise<{ url: string; close(): Promise<void> }> {
  let n = 0;
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      n++;
      const content = JSON.stringify({ direction: n % 3 === 0 ? 'SHORT' : 'LONG', confidence: 50 + (n % 50), rationale: `answer ${n}` });
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

const ENV = { APCA_API_KEY_ID: KEYS.id, APCA_API_SECRET_KEY: KEYS.secret, TEST_LLM_KEY: LLM_KEY };

function config(urls: { alpaca: string; llm: string }, values: Record<string, unknown> = {}) {
  return loadConfig(builtinRegistry(), {
    env: ENV,
    values: {
      'data.plugin': 'alpaca-bars',
      'data.baseUrl': urls.alpaca,
      'data.symbols': SYMBOLS,
      'data.start': '2023-01-01',
      'data.retryBaseMs': 5,
      'consensus.minConfidence': 55,
      'earlyExit.strategy': 'bound',
      'reasoning.explainer': 'simulated-llm',
      'reasoning.options.minLatencyMs': 1,
      'reasoning.options.maxLatencyMs': 2,
      'storage.plugin': 'memory',
      sources: [
        { name: 'trend', plugin: 'technical-trend', weight: 1.5 },
        { name: 'momentum', plugin: 'technical-momentum' },
        { name: 'analyst', plugin: 'llm-opinion', weight: 1.2, options: { baseUrl: urls.llm, model: 'm', apiKeyEnv: 'TEST_LLM_KEY', retryBaseMs: 5 } },
      ],
      ...values,
    },
  });
}

const summary = (results: { symbol: string; asOf: string; signal: { id: string; reasoning: string } | null; rejection: string | null }[]) =>
  results.map((r) => `${r.symbol} ${r.asOf} ${r.signal === null ? r.rejection : `${r.signal.id} ${r.signal.reasoning}`}`);

describe('recordings (cassettes)', function () {
  this.timeout(60_000);

  it('replay a recorded live-style run with the servers gone: the same signals, ids and texts included; no credential in the file', async () => {
    const dir = tempDir();
    const alpaca = await alpacaServer(BARS, 1000, KEYS);
    const llm = await driftingModel();
    const recorder = await TapeRecorder.open(dir, 'h');
    const live = await Run.create(config({ alpaca: alpaca.url, llm: llm.url }), createLogger('silent'), { recorder });
    const recorded = await live.replay({ from: '2024-05-01', to: '2024-06-28', keepResults: true });
    await live.close();
    await alpaca.close();
    await llm.close();
    expect(recorded.results.filter((r) => r.signal !== null).length).to.be.greaterThan(5);

    const cassette = Cassette.read(dir);
    expect(cassette.tornLines).to.equal(0);
    const again = await Run.create(config({ alpaca: 'http://127.0.0.1:1', llm: 'http://127.0.0.1:1' }), createLogger('silent'), { cassette });
    const replayed = await again.replayCassette(cassette, { keepResults: true });
    await again.close();
    expect(summary(replayed.results as never)).to.deep.equal(summary(recorded.results as never));
    expect(replayed.stats.sourceCalls.unrecorded).to.equal(0);

    const text = readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8')).join('');
    for (const secret of [KEYS.id, KEYS.secret, LLM_KEY]) expect(text).to.not.contain(secret);
  });

  it('counts what another strategy asks of the recording that the live run never asked (unrecorded), and reads a torn recording up to its last whole line', async () => {
    const dir = tempDir();
    const alpaca = await alpacaServer(BARS, 1000, KEYS);
    const llm = await driftingModel();
    const recorder = await TapeRecorder.open(dir, 'h');
    const live = await Run.create(config({ alpaca: alpaca.url, llm: llm.url }), createLogger('silent'), { recorder });
    const recorded = await live.replay({ from: '2024-06-01', to: '2024-06-28', keepResults: true });
    await live.close();
    await Promise.all([alpaca.close(), llm.close()]);
    const skipped = recorded.stats.sourceCalls.skipped;
    expect(skipped, 'bound skipped some calls live').to.be.greaterThan(0);

    const cassette = Cassette.read(dir);
    const none = await Run.create(config({ alpaca: '', llm: 'http://127.0.0.1:1' }, { 'earlyExit.strategy': 'none' }), createLogger('silent'), { cassette });
    const all = await none.replayCassette(cassette);
    await none.close();
    // Every call bound skipped is unrecorded, but for the ones its once-a-run bound check made anyway.
    expect(all.stats.sourceCalls.unrecorded).to.equal(skipped - recorded.stats.contract.boundProbeCalls);
    expect(all.stats.sourceCalls.unrecorded).to.be.greaterThan(0);

    // A kill -9 while writing: the last line cut in the middle.
    const [file] = readdirSync(dir);
    truncateSync(path.join(dir, file), statSync(path.join(dir, file)).size - 7);
    const torn = Cassette.read(dir);
    expect(torn.tornLines).to.equal(1);
    expect(torn.cycles.length).to.be.at.least(cassette.cycles.length - 1);
  });

  it('refuses a recording line a live run could not have written, coded, naming the file and the line', () => {
    const good = [
      { type: 'start', configHash: 'h', startedAt: '2024-06-28T00:00:00.000Z' },
      { type: 'bars', symbol: 'ACME', mode: 'load', bars: BARS.get('ACME')!.slice(0, 3) },
      { type: 'outcome', symbol: 'ACME', asOf: '2024-06-28', outcome: { source: 'trend', ok: true, opinion: { direction: 'LONG', confidence: 70 }, latencyMs: 1 } },
      { type: 'outcome', symbol: 'ACME', asOf: '2024-06-28', outcome: { source: 'llm', ok: false, failure: 'timeout', code: 'ARGO_ERR_SOURCE_TIMEOUT', message: 'no answer', latencyMs: 5 } },
      { type: 'cycle', items: [['ACME', '2024-06-28']] },
    ];
    const write = (last: unknown) => {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'run.jsonl'), [...good, last].map((line) => JSON.stringify(line)).join('\n') + '\n');
      return dir;
    };
    expect(Cassette.read(write({ type: 'text', symbol: 'ACME', asOf: '2024-06-28', text: 'why' })).cycles).to.have.length(1);
    for (const [bad, says] of [
      [{ type: 'bars', symbol: 'ACME', mode: 'load', bars: 'not a list' }, 'list of bars'],
      [{ type: 'bars', symbol: 'ACME', mode: 'load', bars: [{ date: '2024-06-28', open: 1, high: 0.5, low: 0.9, close: 1, volume: 1 }] }, 'bar 0 of ACME'],
      [{ type: 'outcome', symbol: 'ACME', asOf: '2024-06-28', outcome: { source: 'trend', ok: true, opinion: { direction: 'LONG', confidence: 500 }, latencyMs: 1 } }, 'confidence 500'],
      [{ type: 'outcome', symbol: 'ACME', asOf: '2024-06-28', outcome: { source: 'trend', ok: true, opinion: { direction: 'UP', confidence: 50 }, latencyMs: 1 } }, 'direction "UP"'],
      [{ type: 'cycle', items: 'ACME' }, 'cycle'],
      [{ type: 'tape' }, 'unknown record type'],
    ] as const) {
      const dir = write(bad);
      let error: ArgoError | undefined;
      try {
        Cassette.read(dir);
      } catch (caught) {
        error = caught as ArgoError;
      }
      expect(error, says).to.be.instanceOf(ArgoError);
      expect(error!.code).to.equal('ARGO_ERR_STORAGE_CORRUPT');
      expect(error!.message).to.contain(path.join(dir, 'run.jsonl')).and.contain('line 6').and.contain(says);
    }
  });

  it('compares arms on a recorded day (ab --cassette): the recorded arm sees everything, another strategy counts what it could not', () => {
    const dir = tempDir();
    const tape = path.join(dir, 'tape');
    const record = runCli(['replay', '--from', '2024-10-01', '--to', '2024-12-31', '--record', tape, '--set', 'storage.plugin=memory', '--set', 'earlyExit.strategy=bound', '--json'], { cwd: dir });
    expect(record.code, record.stderr).to.equal(0);
    const lab = runCli(['ab', '--cassette', tape, '--arm', 'bound:earlyExit.strategy=bound', '--arm', 'none:earlyExit.strategy=none', '--json'], { cwd: dir });
    expect(lab.code, lab.stderr).to.equal(0);
    const report = JSON.parse(lab.stdout) as { from: string; to: string; arms: { name: string; signals: number; sourceCalls: { unrecorded: number } }[] };
    expect([report.from, report.to]).to.deep.equal(['2024-10-01', '2024-12-31']);
    const [bound, none] = report.arms;
    expect(bound.sourceCalls.unrecorded).to.equal(0);
    expect(none.sourceCalls.unrecorded).to.be.greaterThan(0);
    expect(bound.signals).to.equal(JSON.parse(record.stdout).signals);
  });

  it('replay --out writes each signal once though a cassette evaluates its bars twice, and leaves no file when the run cannot start', () => {
    const dir = tempDir();
    for (let i = 0; i < 2; i++) expect(runCli(['run', '--record', 'tape', '--set', 'storage.plugin=memory', '--set', 'consensus.minConfidence=1'], { cwd: dir }).code).to.equal(0);
    const replay = runCli(['replay', '--cassette', 'tape', '--set', 'storage.plugin=memory', '--out', 'out.jsonl', '--json'], { cwd: dir });
    expect(replay.code, replay.stderr).to.equal(0);
    const stats = JSON.parse(replay.stdout);
    expect(stats.cycles).to.equal(2);
    const ids = readFileSync(path.join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line).id);
    expect(ids.length * 2, 'each of the two cycles gave the same signals').to.equal(stats.signals);
    expect(new Set(ids).size).to.equal(ids.length);
    const failed = runCli(['replay', '--from', '2024-01-01', '--to', '2024-02-01', '--out', 'never.jsonl', '--set', 'consensus.minConfidence=500'], { cwd: dir });
    expect(failed.code).to.equal(2);
    expect(existsSync(path.join(dir, 'never.jsonl'))).to.equal(false);
  });

  it('replay --cassette from the command line: the recorded cycles, no --from or --to', () => {
    const dir = tempDir();
    const record = runCli(['replay', '--from', '2024-06-01', '--to', '2024-06-28', '--record', path.join(dir, 'tape'), '--set', 'storage.plugin=memory', '--json'], { cwd: dir });
    expect(record.code, record.stderr).to.equal(0);
    const replay = runCli(['replay', '--cassette', path.join(dir, 'tape'), '--set', 'storage.plugin=memory', '--json'], { cwd: dir });
    expect(replay.code, replay.stderr).to.equal(0);
    const [live, again] = [JSON.parse(record.stdout), JSON.parse(replay.stdout)];
    expect(again.signals).to.equal(live.signals);
    expect(again.cycles).to.equal(live.cycles);
    const both = runCli(['replay', '--cassette', path.join(dir, 'tape'), '--from', '2024-06-01'], { cwd: dir });
    expect([both.code, both.stderr.includes('--cassette')]).to.deep.equal([2, true]);
    const empty = runCli(['replay', '--cassette', tempDir()], { cwd: dir });
    expect(empty.code).to.equal(2);
    expect(empty.stderr).to.contain('holds no recording');
  });
});
