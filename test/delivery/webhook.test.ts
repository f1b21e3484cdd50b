import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCliAsync, tempDir } from '../helpers';
import { eventually } from '../servers';
import { json, serve } from '../service/serving';
import { Receiver, type Answer } from './receivers';

const SECRET = 'whsec-test-5b1f';

/** A config file in a fresh folder: synthetic bars, every signal kept, SQLite, and `sinks`; answers its path and folder. */
function configWith(sinks: unknown[], extra: Record<string, unknown> = {}): { dir: string; config: string } {
  const dir = tempDir();
  const config = path.join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ consensus: { minConfidence: 1 }, storage: { path: path.join(dir, 'signals.db') }, service: { schedule: { every: '1h' } }, sinks, ...extra }));
  return { dir, config };
}

const webhook = (url: string, more: Record<string, unknown> = {}) => ({ name: 'hook', plugin: 'webhook', options: { url: `${url}/hook`, secretEnv: 'HOOK_SECRET' }, ...more });
const fast = { delivery: { retryBaseMs: 10, maxAttempts: 4, pollMs: 50 } };
const env = { HOOK_SECRET: SECRET };

/** Checks the Stripe-style signature a receiver would: HMAC-SHA256 of `t.body`, and a fresh timestamp. */
function verify(headers: Record<string, string | string[] | undefined>, raw: string): boolean {
  const [t, v1] = String(headers['x-argo-signature']).split(',').map((part) => part.split('=')[1]);
  const expected = createHmac('sha256', SECRET).update(`${t}.${raw}`).digest('hex');
  return v1 === expected && Math.abs(Date.now() / 1000 - Number(t)) < 300;
}

describe('delivery: the webhook sink', function () {
  this.timeout(120_000);
  const receivers: Receiver[] = [];
  const receiver = async (answer?: Answer) => {
    const r = await Receiver.start(answer);
    receivers.push(r);
    return r;
  };
  after(() => Promise.all(receivers.map((r) => r.close())));

  it('serve POSTs each stored signal, signed, with its idempotency key, in sequence order, and shows the cursor, lag and counts', async () => {
    const hook = await receiver();
    const { dir, config } = configWith([webhook(hook.url)], fast);
    const service = await serve(dir, [], { args: ['-c', config], env });
    try {
      const cycle = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      expect(cycle.signals).to.be.greaterThan(0);
      await eventually('every signal delivered', async () => hook.requests.length >= cycle.signals);
      const { body: stored } = await json(`${service.url}/v1/signals?limit=1000`);
      expect(hook.requests.map((r) => r.body.signal.id)).to.deep.equal(stored.signals.map((s: { id: string }) => s.id));
      for (const request of hook.requests) {
        expect(verify(request.headers, request.raw), 'a valid signature').to.equal(true);
        expect(request.body.event).to.equal('signal');
        expect(request.headers['x-argo-idempotency-key']).to.equal(`${request.body.signal.id}:signal`).and.to.equal(request.body.idempotencyKey);
      }
      const seqs = hook.requests.map((r) => r.body.seq);
      expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
      const { body: sinks } = await json(`${service.url}/v1/sinks`);
      expect(sinks.sinks[0]).to.include({ name: 'hook', plugin: 'webhook', status: 'delivering', lagSignals: 0, delivered: cycle.signals, failures: 0, deadLetters: 0, lastError: null });
      expect(sinks.sinks[0].cursor.signals).to.equal(seqs.at(-1));
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metrics).to.contain(`argo_sink_delivered_total{sink="hook"} ${cycle.signals}`).and.to.contain('argo_sink_lag_signals{sink="hook"} 0');
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('sends a deferred reasoning text as a reasoning event after its signal, with its own key', async () => {
    const hook = await receiver();
    const { dir, config } = configWith([webhook(hook.url)], { ...fast, reasoning: { mode: 'deferred', explainer: 'simulated-llm' } });
    const service = await serve(dir, [], { args: ['-c', config], env });
    try {
      const cycle = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      await eventually('every signal and its text delivered', async () => hook.requests.length >= 2 * cycle.signals);
      const events = hook.requests.map((r) => [r.body.event, r.body.signal.id, r.body.idempotencyKey]);
      for (const [event, id, key] of events) expect(key).to.equal(`${id}:${event}`);
      const { body: stored } = await json(`${service.url}/v1/signals?limit=1000`);
      for (const signal of stored.signals as { id: string; reasoning: string; reasoningStatus: string }[]) {
        const at = (event: string) => events.findIndex(([e, id]) => e === event && id === signal.id);
        expect(at('signal'), signal.id).to.be.at.least(0);
        expect(at('reasoning'), signal.id).to.be.greaterThan(at('signal'));
        expect(hook.requests[at('reasoning')].body.signal.reasoning).to.equal(signal.reasoning);
        expect(signal.reasoningStatus).to.equal('done');
      }
      expect((await json(`${service.url}/v1/sinks`)).body.sinks[0].cursor.reasoning).to.equal(cycle.signals);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('retries a receiver that is down (503, then 429 with Retry-After) and delivers everything, in order, once it is up', async () => {
    const hook = await receiver((n) => (n < 3 ? { status: 503 } : n === 3 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const { dir, config } = configWith([webhook(hook.url)], { delivery: { ...fast.delivery, maxAttempts: 6 } });
    const result = await runCliAsync(['run', '-c', config, '--deliver'], { cwd: dir, env });
    expect(result.code, result.stderr).to.equal(0);
    const delivered = hook.requests.slice(4);
    const stored = JSON.parse((await runCliAsync(['signals', '-c', config, '--json'], { cwd: dir })).stdout) as { id: string }[];
    expect(new Set(delivered.map((r) => r.body.signal.id))).to.deep.equal(new Set(stored.map((s) => s.id)));
    const seqs = delivered.map((r) => r.body.seq);
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
    // The first message was tried 5 times (3 × 503, a 429 asking for 1 s); the fifth came no sooner than asked.
    expect(hook.requests.slice(0, 5).every((r) => r.body.idempotencyKey === hook.requests[0].body.idempotencyKey)).to.equal(true);
    expect(hook.requests[4].at - hook.requests[3].at).to.be.at.least(1000);
    expect(result.stderr).to.match(/hook \(webhook\): cursor \d+\/0, lag 0 signals, delivered \d+, failures 4, dead letters 0/);
    // One outage, one warning (its end is an info line), however many attempts failed.
    expect(result.stderr.match(/sink: delivery failed; retrying/g)).to.have.length(1);
  });

  it('sinks test sends one sample message; deliver --from-seq sends again from a sequence, moving the cursor', async () => {
    const hook = await receiver();
    const { dir, config } = configWith([webhook(hook.url)], fast);
    const probe = await runCliAsync(['sinks', 'test', 'hook', '-c', config], { cwd: dir, env });
    expect([probe.code, probe.stdout.trim()]).to.deep.equal([0, 'sink hook: the test message was delivered']);
    expect(hook.requests[0].body.signal.symbol).to.equal('SAMPLE-UP');
    expect(verify(hook.requests[0].headers, hook.requests[0].raw)).to.equal(true);
    const first = await runCliAsync(['run', '-c', config, '--deliver'], { cwd: dir, env });
    expect(first.code, first.stderr).to.equal(0);
    const delivered = hook.requests.length - 1;
    expect(delivered).to.be.greaterThan(2);
    const again = await runCliAsync(['deliver', '-c', config, '--sink', 'hook', '--from-seq', '3', '--json'], { cwd: dir, env });
    expect(again.code, again.stderr).to.equal(0);
    const resent = hook.requests.slice(1 + delivered).map((r) => r.body.seq);
    expect(resent).to.deep.equal(Array.from({ length: delivered - 2 }, (_, i) => i + 3));
    expect(JSON.parse(again.stdout).sinks[0].cursor.signals).to.equal(delivered);
    const down = await Receiver.start(() => ({ status: 502 }));
    receivers.push(down);
    const broken = configWith([webhook(down.url)]);
    const failed = await runCliAsync(['sinks', 'test', 'hook', '-c', broken.config], { cwd: broken.dir, env });
    expect([failed.code, failed.stderr.trim()]).to.deep.equal([1, `ARGO_ERR_SINK_DELIVERY: sink hook: the test message was not delivered: webhook: ${down.url}/…: HTTP 502`]);
    expect(JSON.parse((await runCliAsync(['sinks', 'dead', '-c', broken.config, '--json'], { cwd: broken.dir, env })).stdout).deadLetters, 'a test leaves no dead letter').to.deep.equal([]);
  });

  it('sets a refused delivery (400) aside as a dead letter, moves on, lists it, and sinks retry re-sends it', async () => {
    let refuse = true;
    const hook = await receiver((n) => (n === 1 && refuse ? { status: 400, body: 'unknown symbol' } : { status: 200 }));
    const { dir, config } = configWith([webhook(hook.url)], fast);
    const result = await runCliAsync(['run', '-c', config, '--deliver'], { cwd: dir, env });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('ARGO_ERR_SINK_DELIVERY: hook: 1 deliveries set aside (webhook: http://127.0.0.1:').and.to.contain('HTTP 400: unknown symbol (refused: not retried)');
    const refused = hook.requests[1].body;
    const dead = JSON.parse((await runCliAsync(['sinks', 'dead', '-c', config, '--json'], { cwd: dir, env })).stdout).deadLetters;
    expect(dead).to.have.length(1);
    expect(dead[0]).to.include({ sink: 'hook', attempts: 1 });
    expect(dead[0].message.idempotencyKey).to.equal(refused.idempotencyKey);
    // The cursor moved past it: every other signal went through.
    const stored = JSON.parse((await runCliAsync(['signals', '-c', config, '--json'], { cwd: dir })).stdout) as { id: string }[];
    expect(hook.requests.length).to.equal(stored.length);
    refuse = false;
    const retry = await runCliAsync(['sinks', 'retry', '-c', config], { cwd: dir, env });
    expect(retry.code, retry.stderr).to.equal(0);
    expect(retry.stdout.trim()).to.equal('re-sent 1, still dead 0');
    expect(hook.requests.at(-1)!.body.idempotencyKey).to.equal(refused.idempotencyKey);
    expect(JSON.parse((await runCliAsync(['sinks', 'dead', '-c', config, '--json'], { cwd: dir, env })).stdout).deadLetters).to.deep.equal([]);
  });

  it('never holds up a cycle: a receiver that never answers only grows the sink\'s lag', async () => {
    const hook = await receiver(() => 'hang');
    const { dir, config } = configWith([webhook(hook.url)], { delivery: { timeoutMs: 60_000, pollMs: 50 } });
    const service = await serve(dir, [], { args: ['-c', config], env });
    try {
      const first = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      await eventually('the first delivery is under way', async () => hook.requests.length === 1);
      const second = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      // Both cycles ended long before one delivery attempt could time out.
      expect(first.durationMs).to.be.below(30_000);
      expect(second.durationMs).to.be.below(30_000);
      const { body } = await json(`${service.url}/v1/sinks`);
      expect(body.sinks[0].lagSignals).to.equal(first.signals);
      expect(body.sinks[0].delivered).to.equal(0);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('sends only what a sink\'s filter lets through, and still moves its cursor past the rest', async () => {
    const hook = await receiver();
    const { dir, config } = configWith([webhook(hook.url, { filter: { actions: ['SELL'], minConfidence: 20 } })], fast);
    const result = await runCliAsync(['run', '-c', config, '--deliver', '--json'], { cwd: dir, env });
    expect(result.code, result.stderr).to.equal(0);
    const signals = JSON.parse(result.stdout).results.flatMap((r: { signal: unknown }) => (r.signal === null ? [] : [r.signal])) as { id: string; action: string; confidence: number }[];
    const wanted = signals.filter((s) => s.action === 'SELL' && s.confidence >= 20);
    expect(signals.length).to.be.greaterThan(wanted.length);
    expect(hook.requests.map((r) => r.body.signal.id).sort()).to.deep.equal(wanted.map((s) => s.id).sort());
    expect(result.stderr).to.match(/hook \(webhook\): cursor \d+\/0, lag 0 signals/);
  });

  it('refuses sinks on a storage that keeps no cursors, an unknown sink, and a missing secret variable (exit 2, named)', async () => {
    const hook = await receiver();
    const jsonl = configWith([webhook(hook.url)], { storage: { plugin: 'jsonl' } });
    const onJsonl = await runCliAsync(['run', '-c', jsonl.config, '--deliver'], { cwd: jsonl.dir, env });
    expect(onJsonl.code).to.equal(2);
    expect(onJsonl.stderr).to.contain('ARGO_ERR_SINK_STORAGE: storage.plugin: "jsonl" cannot keep sinks\' cursors and dead letters');
    const { dir, config } = configWith([webhook(hook.url)]);
    const unknown = await runCliAsync(['deliver', '-c', config, '--sink', 'nope'], { cwd: dir, env });
    expect([unknown.code, unknown.stderr.trim()]).to.deep.equal([2, 'ARGO_ERR_SINK_UNKNOWN: no sink "nope" in the config\'s sinks (hook)']);
    for (const command of [['deliver'], ['config', 'check']]) {
      const noSecret = await runCliAsync([...command, '-c', config], { cwd: dir });
      expect(noSecret.code, command.join(' ')).to.equal(2);
      expect(noSecret.stderr).to.contain('sinks: webhook.secretEnv names the variable HOOK_SECRET, which is not set');
    }
    const checked = await runCliAsync(['config', 'check', '-c', config], { cwd: dir, env });
    expect(checked.code, checked.stderr).to.equal(0);
    expect(checked.stdout).to.match(/sinks\[0\].*sink.*webhook/);
  });
});
