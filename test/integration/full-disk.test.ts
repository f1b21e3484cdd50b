import { expect } from 'chai';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { mountTmpfs, runCliAsync } from '../helpers';

/** A one-year replay of generated bars: about 1,400 signals, 3 MB of SQLite, more than the 2 MB disk holds. */
const REPLAY = ['replay', '--from', '2024-01-01', '--to', '2024-12-31', '--set', 'consensus.minConfidence=0', '--set', 'log.level=error'];

/** The counts in the message of ARGO_ERR_STORAGE_FULL. */
function notStored(stderr: string): { failed: number; total: number; acknowledged: number } {
  const match = /ARGO_ERR_STORAGE_FULL: writing stopped because the disk is full: (\d+) of (\d+) signals were not stored \((\d+) were, and stay\)/.exec(stderr);
  expect(match, stderr.slice(-2000)).to.not.equal(null);
  const [failed, total, acknowledged] = match!.slice(1).map(Number);
  return { failed, total, acknowledged };
}

/** The values of a JSON-lines file; throws on any line that is not whole JSON. */
function wholeLines(file: string): { id?: string; kind?: string }[] {
  const text = readFileSync(file, 'utf8');
  if (text === '') return [];
  expect(text.endsWith('\n'), `${file} ends with a whole line`).to.equal(true);
  return text.trimEnd().split('\n').map((line) => JSON.parse(line));
}

describe('a full disk (2 MB tmpfs)', function () {
  let disk: { dir: string; unmount: () => void } | undefined;
  beforeEach(function () {
    const mounted = mountTmpfs(2048);
    if (typeof mounted === 'string') {
      console.log(`      skipped: ${mounted}`);
      this.skip();
    }
    disk = mounted;
  });
  afterEach(() => disk?.unmount());

  it('sqlite: stops at once without retrying, keeps every acknowledged signal, says how many were not stored and where they went', async () => {
    const db = path.join(disk!.dir, 'signals.db');
    const started = performance.now();
    const replay = await runCliAsync([...REPLAY, '--set', `storage.path=${db}`]);
    const seconds = (performance.now() - started) / 1000;
    expect(replay.code, replay.stderr.slice(-1000)).to.equal(1);
    // Retrying a full disk took 24 s on this replay; stopping at once takes well under one.
    expect(seconds).to.be.below(15);
    const { failed, acknowledged } = notStored(replay.stderr);
    expect(failed).to.be.above(0);
    expect(replay.stderr.trim().split('\n').length, 'one log line for the full disk, not one per signal').to.be.below(10);
    const deadLetter = /written to (\S+\.jsonl)/.exec(replay.stderr)?.[1];
    expect(deadLetter, 'the dead letter is written where it can be, off the full disk').to.be.a('string').and.not.contain(disk!.dir);
    try {
      // The run record fails at close too; the signals are the ones counted.
      expect(wholeLines(deadLetter!).filter((line) => line.kind === 'signal')).to.have.length(failed);
    } finally {
      rmSync(deadLetter!, { force: true });
    }
    const query = await runCliAsync(['signals', '--db', db, '--json']);
    expect(query.code, query.stderr).to.equal(0);
    expect(JSON.parse(query.stdout)).to.have.length(acknowledged);
  });

  it('jsonl: fails the write with ARGO_ERR_STORAGE_FULL, leaves whole lines only, and the file stays readable', async () => {
    const sets = ['--set', 'storage.plugin=jsonl', '--set', `storage.path=${path.join(disk!.dir, 's.jsonl')}`, '--set', `storage.runsPath=${path.join(disk!.dir, 'r.jsonl')}`];
    const replay = await runCliAsync([...REPLAY, ...sets]);
    expect(replay.code, replay.stderr.slice(-1000)).to.equal(1);
    const { failed, acknowledged } = notStored(replay.stderr);
    expect(failed).to.be.above(0);
    expect(new Set(wholeLines(path.join(disk!.dir, 's.jsonl')).map((s) => s.id)).size).to.equal(acknowledged);
    const query = await runCliAsync(['signals', '--json', ...sets]);
    expect(query.code, query.stderr).to.equal(0);
    expect(JSON.parse(query.stdout)).to.have.length(acknowledged);
  });

  it('--out: exits 1 with ARGO_ERR_STORAGE_FULL naming the file, which holds whole lines only', async () => {
    const out = path.join(disk!.dir, 'signals.jsonl');
    const replay = await runCliAsync([...REPLAY, '--set', 'storage.plugin=memory', '--out', out]);
    expect(replay.code, replay.stderr.slice(-1000)).to.equal(1);
    expect(replay.stderr).to.contain('ARGO_ERR_STORAGE_FULL').and.contain(out).and.contain('the disk is full');
    expect(replay.stderr).to.not.contain('unexpected failure');
    expect(wholeLines(out).length).to.be.above(0);
  });
});
