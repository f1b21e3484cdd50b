import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ArgoError, ERROR_CODES } from '../../core/errors/errors';
import { ROOT, runCli } from '../helpers';

describe('error registry', () => {
  it('lists in docs/errors.md exactly the codes of the registry, with their exit codes', () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8');
    expect(runCli(['errors']).stdout).to.equal(doc);
    const documented = new Map([...doc.matchAll(/^\| `(ARGO_ERR_[A-Z_]+)` \| (\d) \|/gm)].map((m) => [m[1], Number(m[2])]));
    expect([...documented.keys()].sort()).to.deep.equal(Object.keys(ERROR_CODES).sort());
    for (const [code, spec] of Object.entries(ERROR_CODES)) expect(documented.get(code), code).to.equal(spec.exitCode);
  });

  it('prefixes messages with the code and keeps the cause', () => {
    const cause = new Error('disk full');
    const error = new ArgoError('ARGO_ERR_STORAGE_WRITE', 'cannot append to x.jsonl', { cause });
    expect(error.message).to.equal('ARGO_ERR_STORAGE_WRITE: cannot append to x.jsonl');
    expect(error.exitCode).to.equal(1);
    expect(error.cause).to.equal(cause);
  });
});
