import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir } from '../helpers';
import { needs } from '../servers';
import { serve } from './serving';

const OPS = path.join(ROOT, 'ops');
const RULES = path.join(OPS, 'prometheus', 'argo-signals-rules.yml');
const promtool = spawnSync('promtool', ['--version']).status === 0;

/** The argo_ metric names an expression reads (histogram series by their family's name). */
function metricsOf(expression: string): string[] {
  return [...expression.matchAll(/\bargo_[a-z_]+/g)].map(([name]) => name.replace(/_(bucket|sum|count)$/, ''));
}

describe('operations pack: alert rules and a Grafana dashboard', function () {
  this.timeout(60_000);

  it('the alert rules pass promtool check rules and their unit tests', function () {
    if (!promtool) needs(this, 'promtool (Debian package prometheus)');
    const check = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).to.equal(0);
    const test = spawnSync('promtool', ['test', 'rules', 'argo-signals-rules.test.yml'], { cwd: path.dirname(RULES), encoding: 'utf8' });
    expect(test.status, test.stdout + test.stderr).to.equal(0);
    expect(test.stdout).to.contain('SUCCESS');
  });

  it('reads only metrics a running service exports, in the rules and in every dashboard panel', async () => {
    const service = await serve(tempDir(), ['service.schedule.every=1h', 'storage.plugin=memory']);
    let exported: Set<string>;
    try {
      await fetch(`${service.url}/v1/cycles`, { method: 'POST' });
      const text = await (await fetch(`${service.url}/metrics`)).text();
      exported = new Set([...text.matchAll(/^# TYPE (argo_\w+) /gm)].map(([, name]) => name));
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    const rules = readFileSync(RULES, 'utf8');
    const dashboard = JSON.parse(readFileSync(path.join(OPS, 'grafana', 'argo-signals-dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const read = [...metricsOf(rules), ...dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => metricsOf(target.expr)))];
    expect(read.length).to.be.greaterThan(20);
    expect([...new Set(read)].filter((name) => !exported.has(name)), 'read but not exported').to.deep.equal([]);
    expect(dashboard.panels.every((panel) => panel.targets.length > 0)).to.equal(true);
  });
});
