/**
 * The two functions of a test runner a conformance suite needs: mocha's, node:test's and
 * vitest's `describe` and `it` all fit, so a suite runs under any of them in one line.
 */
export interface TestApi {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => void | Promise<void>): unknown;
}
