/**
 * L2-regularised logistic regression by Newton's method (iteratively reweighted least squares):
 * a handful of features, tens of thousands of rows, converging in a few iterations. The
 * intercept is not penalised. Weights may come out negative: a feature that points the wrong
 * way is used the other way round.
 */

export interface LogisticModel {
  readonly intercept: number;
  readonly weights: readonly number[];
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function predictLogistic(model: LogisticModel, features: readonly number[]): number {
  let z = model.intercept;
  for (let j = 0; j < features.length; j++) z += model.weights[j] * features[j];
  return sigmoid(z);
}

/** Solves `a x = b` (a small symmetric positive definite matrix) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = m[r][n];
    for (let k = r + 1; k < n; k++) sum -= m[r][k] * x[k];
    x[r] = sum / m[r][r];
  }
  return x;
}

/** Fits `outcomes` (0 or 1) on `rows` of features with the penalty `l2` × the sum of squared weights. */
export function fitLogistic(rows: readonly (readonly number[])[], outcomes: readonly number[], l2: number, iterations = 25): LogisticModel {
  const d = rows[0]?.length ?? 0;
  let beta = new Array<number>(d + 1).fill(0);
  const penalty = l2;
  for (let iter = 0; iter < iterations; iter++) {
    const gradient = new Array<number>(d + 1).fill(0);
    const hessian = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    rows.forEach((features, i) => {
      const x = [1, ...features];
      const p = sigmoid(x.reduce((z, v, j) => z + v * beta[j], 0));
      const w = p * (1 - p);
      for (let j = 0; j <= d; j++) {
        gradient[j] += (outcomes[i] - p) * x[j];
        for (let k = 0; k <= d; k++) hessian[j][k] += w * x[j] * x[k];
      }
    });
    for (let j = 1; j <= d; j++) {
      gradient[j] -= penalty * beta[j];
      hessian[j][j] += penalty;
    }
    const step = solve(hessian, gradient);
    beta = beta.map((b, j) => b + step[j]);
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  return { intercept: beta[0], weights: beta.slice(1) };
}
