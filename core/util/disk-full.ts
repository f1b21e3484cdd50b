import { writeFile } from 'node:fs/promises';
import { ArgoError, messageOf } from '../errors/errors';

/**
 * True for the write errors no retry cures because the disk cannot take more: the file
 * system's ENOSPC, EDQUOT and EROFS, and SQLite's SQLITE_FULL.
 */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EROFS' || code === 'SQLITE_FULL' || /SQLITE_FULL|database or disk is full/.test(messageOf(error));
}

/** The error for a write to `file` that failed: ARGO_ERR_STORAGE_FULL when the disk is full, ARGO_ERR_STORAGE_WRITE otherwise. */
export function writeError(file: string, what: string, error: unknown): ArgoError {
  if (isDiskFull(error)) return new ArgoError('ARGO_ERR_STORAGE_FULL', `${file}: the disk is full (${messageOf(error)}); ${what} not written`, { cause: error });
  return new ArgoError('ARGO_ERR_STORAGE_WRITE', `${file}: ${what} not written: ${messageOf(error)}`, { cause: error });
}

/** Writes `text` to `file`; a failure is {@link writeError}'s coded error naming `what` (the flag that named the file). */
export async function writeOutput(file: string, text: string, what: string): Promise<void> {
  await writeFile(file, text).catch((error: unknown) => Promise.reject(writeError(file, what, error)));
}
