import fc from 'fast-check';

/**
 * `fc.assert`, with a failure's message led by what the property itself said (fast-check
 * keeps that only as the cause), then the counterexample.
 */
export async function holds<T>(property: fc.IRawProperty<T>, parameters: fc.Parameters<T>): Promise<void> {
  try {
    await fc.assert(property, parameters);
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    const said = cause instanceof Error ? `${cause.message}\n` : '';
    throw new Error(`${said}${(error as Error).message}`, { cause: error });
  }
}
