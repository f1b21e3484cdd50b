import { ArgoError } from '../errors/errors';
import type { Storage } from './plugin-contracts';

/**
 * A storage built with `readOnly` (the query commands) from its query side: writes are
 * refused with ARGO_ERR_STORAGE_WRITE naming `file`, and `close` is the queries' own, if any.
 */
export function queryOnlyStorage(file: string, queries: Pick<Storage, 'querySignals' | 'queryRuns'> & Partial<Pick<Storage, 'close'>>): Storage {
  const refuse = () => Promise.reject(new ArgoError('ARGO_ERR_STORAGE_WRITE', `storage: ${file} is open read-only, for queries; nothing is written`));
  return { close: async () => undefined, ...queries, save: refuse, saveRun: refuse };
}
