/**
 * JSON-lines files that never tear: an appender that writes whole lines only (a write the
 * disk cut short is cut back off), and a reader that drops a torn last line, left by a crash
 * or a full disk, and counts it instead of refusing the file.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ArgoError } from '../errors/errors';
import { excerpt } from './text-excerpt';

/** What {@link readJsonLines} found. */
export interface JsonLines<T> {
  readonly values: T[];
  /** Torn last lines dropped: 0 or 1. */
  readonly tornLines: number;
}

/**
 * The values of a JSON-lines file (none when it does not exist). A last line without its
 * newline that is not valid JSON is a torn write and is dropped; any other line that is not
 * JSON is corruption, refused with the file and line number; so is a line `check` finds a
 * problem with (what it returns names it).
 */
export function readJsonLines<T>(file: string, check?: (value: unknown) => string | null): JsonLines<T> {
  if (!existsSync(file)) return { values: [], tornLines: 0 };
  const lines = readFileSync(file, 'utf8').split('\n');
  const values: T[] = [];
  let tornLines = 0;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      if (i === lines.length - 1) tornLines++;
      else throw new ArgoError('ARGO_ERR_STORAGE_CORRUPT', `${file}: line ${i + 1} is not JSON (${excerpt(line)})`, { cause: error });
      return;
    }
    const problem = check?.(value) ?? null;
    if (problem !== null) throw new ArgoError('ARGO_ERR_STORAGE_CORRUPT', `${file}: line ${i + 1}: ${problem} (${excerpt(line)})`);
    values.push(value as T);
  });
  return { values, tornLines };
}

interface Pending {
  readonly text: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Appends JSON lines to one file. Lines appended while a write is under way go together in
 * the next write; an append resolves once its line is written whole. When a write fails (the
 * disk is full) the file is cut back to its last whole line and the appends of that write
 * reject with the file system's error, its `code` (ENOSPC, EDQUOT, EROFS) kept.
 */
export class JsonLinesAppender {
  #queue: Pending[] = [];
  #writing: Promise<void> | undefined;

  private constructor(
    private readonly handle: FileHandle,
    private size: number,
    /** Bytes of a torn last line cut off when the file was opened (a crash or a full disk left them). */
    readonly tornBytes: number,
  ) {}

  /**
   * Opens `file` for appending, creating it and its folder. A last line without its newline is
   * completed when it is whole JSON and cut off when it is torn, so no new line is glued to it.
   */
  static async open(file: string): Promise<JsonLinesAppender> {
    mkdirSync(path.dirname(file), { recursive: true });
    const handle = await open(file, 'a+');
    try {
      const { size } = await handle.stat();
      const whole = await wholeLinesEnd(handle, size);
      if (whole === size) return new JsonLinesAppender(handle, size, 0);
      const tail = Buffer.alloc(size - whole);
      await handle.read(tail, 0, tail.length, whole);
      if (isJson(tail.toString('utf8'))) {
        await handle.write('\n');
        return new JsonLinesAppender(handle, size + 1, 0);
      }
      await handle.truncate(whole);
      return new JsonLinesAppender(handle, whole, size - whole);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Appends `value` as one line; resolves once the line is in the file. */
  append(value: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ text: `${JSON.stringify(value)}\n`, resolve, reject });
      this.#writing ??= this.#drain().finally(() => (this.#writing = undefined));
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      const buffer = Buffer.from(batch.map((p) => p.text).join(''));
      try {
        for (let written = 0; written < buffer.length; ) written += (await this.handle.write(buffer, written)).bytesWritten;
        this.size += buffer.length;
        for (const p of batch) p.resolve();
      } catch (error) {
        await this.handle.truncate(this.size).catch(() => undefined);
        for (const p of batch) p.reject(error as Error);
      }
    }
  }

  /** Waits for the appends under way, then closes the file. */
  async close(): Promise<void> {
    await this.#writing;
    await this.handle.close();
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The length of `handle`'s content up to and with its last newline. */
async function wholeLinesEnd(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}
