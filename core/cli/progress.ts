import type { SingleBar as Bar } from 'cli-progress';

/** Progress of long replays on stderr; silent when stderr is not a terminal or output is JSON. */
export interface Progress {
  tick(label: string): void;
  stop(): void;
}

/** A progress bar over `total` steps on `stream` (stderr), or a silent stand-in when `enabled` is false. */
export function progressBar(total: number, enabled: boolean, stream: NodeJS.WritableStream = process.stderr): Progress {
  if (!enabled || total === 0) return { tick: () => undefined, stop: () => undefined };
  // Required here: only a long run on a terminal draws a bar, and every command would load it.
  const { SingleBar } = require('cli-progress') as { SingleBar: typeof Bar };
  const bar = new SingleBar({
    format: ' {bar} {percentage}% | {value}/{total} cycles | {label} | eta {eta_formatted}',
    stream,
    hideCursor: true,
  });
  bar.start(total, 0, { label: '' });
  return {
    tick: (label) => bar.increment(1, { label }),
    stop: () => bar.stop(),
  };
}
