import os from 'node:os';
import path from 'node:path';
import type { PluginContext, PluginDefinition } from '../plugin-system/define-plugin';
import { validateOptions } from '../plugin-system/plugin-loader';
import { createLogger, type Logger } from '../util/logger';
import type { Timeframe } from '../domain/timeframe';

/** What a test may set in the context a plugin is built with; everything else gets a quiet default. */
export interface TestContextOptions {
  /** Raw options, validated against the definition's schema as the loader does (defaults filled in). */
  readonly options?: Record<string, unknown>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly seed?: number;
  readonly timeframe?: Timeframe;
  readonly now?: () => number;
  /** The folder `resolvePath` resolves against (default: the temporary folder). */
  readonly dir?: string;
  readonly readOnly?: boolean;
  readonly instanceName?: string;
  readonly runId?: string;
  readonly logger?: Logger;
}

/** A plugin context as the core builds it, plus the warnings the plugin gave through `ctx.warn`. */
export type TestContext<Options> = PluginContext<Options> & { readonly warnings: { code: string; message: string }[] };

/** Builds the context `definition`'s factory receives in a run, for tests. Invalid options throw ARGO_ERR_PLUGIN_OPTIONS, as at load. */
export function testContext<Options = Record<string, unknown>>(definition: PluginDefinition<any, Options>, context: TestContextOptions = {}): TestContext<Options> {
  const warnings: { code: string; message: string }[] = [];
  const dir = context.dir ?? os.tmpdir();
  return {
    options: validateOptions(definition, context.options ?? {}, 'options') as Options,
    logger: context.logger ?? createLogger('silent'),
    instanceName: context.instanceName ?? definition.name,
    runId: context.runId ?? 'test-run',
    readOnly: context.readOnly ?? false,
    seed: context.seed ?? 7,
    timeframe: context.timeframe ?? '1d',
    env: context.env ?? {},
    now: context.now ?? Date.now,
    resolvePath: (p: string) => path.resolve(dir, p),
    warn: (code: string, message: string) => void warnings.push({ code, message }),
    warnings,
  };
}
