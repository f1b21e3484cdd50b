import type { TestApi } from './test-api';

/** One check of a suite and how it ended: `error` is the message of what it threw, absent when it passed. */
export interface CheckResult {
  readonly name: string;
  readonly error?: string;
}

/**
 * Runs a suite without a test runner: registers it with a stand-in `describe`/`it`, then runs
 * each check in order, collecting how each ended (`argo-signals plugin check` reports these).
 */
export async function runChecks(register: (api: TestApi) => void): Promise<CheckResult[]> {
  const checks: { name: string; body: () => void | Promise<void> }[] = [];
  const prefix: string[] = [];
  register({
    describe: (name, body) => {
      prefix.push(name);
      try {
        body();
      } finally {
        prefix.pop();
      }
    },
    it: (name, body) => void checks.push({ name: [...prefix.slice(1), name].join(' › '), body }),
  });
  const results: CheckResult[] = [];
  for (const { name, body } of checks) {
    try {
      await body();
      results.push({ name });
    } catch (error) {
      results.push({ name, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}
