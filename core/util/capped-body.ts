import { ArgoError } from '../errors/errors';

/**
 * The text of `response`'s body, read no further than `maxBytes`: a larger body (announced by
 * Content-Length or found while reading) is cancelled and fails with ARGO_ERR_BODY_TOO_LARGE
 * naming `what` (the plugin and URL) and the option that sets the cap, so a hostile or broken
 * server cannot fill the process's memory.
 */
export async function cappedText(response: Response, maxBytes: number, what: string, option: string): Promise<string> {
  const tooLarge = (size: string) => new ArgoError('ARGO_ERR_BODY_TOO_LARGE', `${what}: the answer is larger than ${option} (${maxBytes} bytes${size}); not read further`);
  const announced = Number(response.headers.get('content-length') ?? NaN);
  if (announced > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(`; Content-Length ${announced}`);
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge('');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
