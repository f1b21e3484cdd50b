import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../helpers';

/** A `serve` child process and the address it listens on. */
export interface Serving {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

/** Starts `serve` in a child process in `dir` on a free port with `--set`s (and any other `args`); resolves once it prints its address. */
export function serve(dir: string, sets: readonly string[], options: { args?: readonly string[]; env?: Record<string, string> } = {}): Promise<Serving> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'argo-signals.js'), 'serve', '--set', 'service.port=0', ...sets.flatMap((s) => ['--set', s]), ...(options.args ?? [])], {
    cwd: dir,
    env: { ...process.env, ...options.env },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve({ child, url: match[1], exited, stderr: () => stderr });
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code} before listening: ${stderr}`)));
  });
}

/** A JSON request: its status and parsed body. */
export async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

/** One Server-Sent Event as received. */
export interface ReceivedEvent {
  readonly id: string | null;
  readonly event: string;
  readonly data: any;
}

/** An open event stream: the events so far, and a wait for the next that passes a test. */
export interface EventReader {
  readonly events: ReceivedEvent[];
  until(test: (events: readonly ReceivedEvent[]) => boolean): Promise<void>;
  close(): void;
}

/** Opens `url` as an event stream (with `headers`, e.g. Last-Event-ID) and parses what arrives. */
export async function readEvents(url: string, headers: Record<string, string> = {}): Promise<EventReader> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  if (response.status !== 200) throw new Error(`event stream answered ${response.status}`);
  const events: ReceivedEvent[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    let buffered = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const fields = Object.fromEntries(
            buffered
              .slice(0, end)
              .split('\n')
              .filter((line) => !line.startsWith(':') && line.includes(': '))
              .map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]),
          );
          buffered = buffered.slice(end + 2);
          if (fields.data !== undefined) events.push({ id: fields.id ?? null, event: fields.event, data: JSON.parse(fields.data) });
        }
        for (const wake of waiters) wake();
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    events,
    until(test) {
      return new Promise((resolve) => {
        const check = () => {
          if (!test(events)) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
