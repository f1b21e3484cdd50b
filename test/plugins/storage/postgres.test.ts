import { expect } from 'chai';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { storageSuite } from '../../../core/testing';
import postgres from '../../../plugins/storage/postgres';
import { urlWithoutPassword } from '../../../core/util/url-without-password';
import { ROOT, runCli } from '../../helpers';
import { PG_URL as URL, dropPgSchemas, needs, pgAnswers } from '../../servers';

const available = pgAnswers();

/** Every schema these tests create, dropped after them so the test database does not fill up run after run. */
const created = new Set<string>();
const track = (schema: string) => (created.add(schema), schema);
after(async () => {
  if (available) await dropPgSchemas(created);
});

describe('postgres storage', function () {
  this.timeout(120_000);
  if (!available) {
    it('needs PostgreSQL', function () {
      needs(this, `PostgreSQL at ${urlWithoutPassword(URL)}`);
    });
    return;
  }

  // One schema per check: the kit's fresh folder names it.
  const schemaOf = (dir: string) => track(`kit_${createHash('sha256').update(dir).digest('hex').slice(0, 16)}`);
  storageSuite({ describe, it }, postgres, {
    options: (dir) => ({ url: URL, schema: schemaOf(dir), flushMs: 20 }),
    specifier: path.join(ROOT, 'dist', 'plugins', 'storage', 'postgres'),
  });

  it('refuses to start when the server cannot be reached: exit 2, naming the URL without its password', () => {
    const { code, stderr } = runCli(['run', '--set', 'storage.plugin=postgres', '--set', 'storage.url=postgres://argo:hunter2secret@127.0.0.1:1/test']);
    expect(code).to.equal(2);
    expect(stderr).to.contain('ARGO_ERR_STORAGE_UNAVAILABLE').and.contain('127.0.0.1:1').and.contain('REDACTED').and.not.contain('hunter2secret');
  });

  it('stores texts COPY would misread as they are: tabs, newlines, carriage returns, backslashes, a literal \\N, quotes and non-ASCII', async () => {
    const { testContext } = await import('../../../core/testing/test-context');
    const { makeSignal } = await import('../../helpers');
    const schema = track(`copy_${process.pid}_${Date.now().toString(36)}`);
    const storage = await postgres.create(testContext(postgres, { options: { url: URL, schema, flushMs: 5 } }));
    try {
      const awkward = 'a\tb\nc\r\nd \\ e \\N "q" \'s\' — ünï 📈 \\.';
      const signal = makeSignal('awkward', 'AAPL', '2020-01-02', { reasoning: awkward, regime: 'ranging' });
      await Promise.all([storage.save(signal), storage.save(makeSignal('plain'))]);
      const [back] = await storage.querySignals({ id: 'awkward' });
      expect(back.reasoning).to.equal(awkward);
      expect(back).to.deep.equal(signal);
    } finally {
      await storage.close();
    }
  });

  it('stores a run end to end from the command line and lists its signals', () => {
    const schema = track(`cli_${Date.now().toString(36)}`);
    const sets = ['--set', 'storage.plugin=postgres', '--set', `storage.url=${URL}`, '--set', `storage.schema=${schema}`, '--set', 'consensus.minConfidence=1'];
    const run = runCli(['run', '--json', ...sets]);
    expect(run.code, run.stderr).to.equal(0);
    const stored = JSON.parse(run.stdout).stats.storage.acknowledged as number;
    expect(stored).to.be.greaterThan(0);
    const listed = runCli(['signals', '--json', ...sets]);
    expect(listed.code, listed.stderr).to.equal(0);
    expect(JSON.parse(listed.stdout)).to.have.length(stored);
  });
});

describe('postgres storage losing its server mid-run', function () {
  this.timeout(120_000);
  before(function () {
    if (!available) this.skip();
  });

  it('retries a batch while the server is away and loses no acknowledged signal; past its retries the saves fail with a coded error', async () => {
    const { CuttableProxy } = await import('../../scale/cuttable-proxy');
    const { testContext } = await import('../../../core/testing/test-context');
    const { makeSignal } = await import('../../helpers');
    const pino = (await import('pino')).default;
    const target = new globalThis.URL(URL);
    const proxy = await CuttableProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    const schema = track(`cut_${process.pid}_${Date.now().toString(36)}`);
    const through = `postgres://${target.username}@127.0.0.1:${proxy.port}${target.pathname}`;
    const logged: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
    const open = (maxRetries: number) => postgres.create(testContext(postgres, { options: { url: through, schema, flushMs: 10, maxRetries, retryBaseMs: 50 }, logger }));
    const storage = await open(50);
    const direct = await postgres.create(testContext(postgres, { options: { url: URL, schema } }));
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => storage.save(makeSignal(`before-${i}`, 'AAPL', `2020-01-${String(i + 1).padStart(2, '0')}`))));
      await proxy.cut();
      const during = Array.from({ length: 10 }, (_, i) => storage.save(makeSignal(`during-${i}`, 'MSFT', `2020-02-${String(i + 1).padStart(2, '0')}`)));
      // Not awaited: a flush resolves only once the batch is written, after the server returns.
      void storage.flush?.();
      while (!logged.some((line) => line.includes('postgres batch failed, retrying'))) await new Promise((resolve) => setTimeout(resolve, 20));
      await proxy.restore();
      await Promise.all(during);
      const ids = (await direct.querySignals({})).map((s) => s.id).sort();
      expect(ids).to.deep.equal([...Array.from({ length: 10 }, (_, i) => `before-${i}`), ...Array.from({ length: 10 }, (_, i) => `during-${i}`)].sort());
    } finally {
      await storage.close();
    }
    const giving = await open(2);
    try {
      await proxy.cut();
      const error = await giving.save(makeSignal('lost', 'IBM', '2020-03-02')).then(() => null, (e: Error) => e);
      expect(error?.message).to.match(/^ARGO_ERR_STORAGE_WRITE: .*a batch of 1 writes failed 3 times/).and.not.contain('REDACTED');
      expect((await direct.querySignals({})).map((s) => s.id), 'what was acknowledged stays, the refused save is absent').to.have.length(20).and.not.include('lost');
    } finally {
      await proxy.restore();
      await giving.close().catch(() => undefined);
      await direct.close();
      await proxy.cut();
    }
  });
});
