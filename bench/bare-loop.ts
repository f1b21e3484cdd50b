/**
 * The bare loop `bench replay` measures the engine against: what a replay of the five technical
 * sources fundamentally does, without the engine. It parses the same CSV files, feeds every bar
 * to the same `trading-signals` indicators with the sources' default parameters, and on each
 * date of the range reads every indicator, turns each into a signed confidence and sums the
 * weighted consensus. No plugins, no pipeline, no statistics, no storage.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { BollingerBands, EMA, MACD, OBV, RSI, SMA } from 'trading-signals';
import { parseBarsCsv } from '../core/domain/bars-csv';
import { resultOf } from '../plugins/sources/incremental-indicator';

/** The default sources' weights (trend, macd, momentum, volatility, volume). */
const WEIGHTS = [1.5, 1.2, 1, 0.8, 0.5];

const clamp = (value: number) => Math.max(-100, Math.min(100, value));

/** Replays every CSV file of `dir` from its first bar, evaluating the dates `from`..`to`; answers the symbol-days and a checksum of the consensus (so nothing is optimised away). */
export function bareLoop(dir: string, from: string, to: string): { symbolDays: number; checksum: number } {
  let symbolDays = 0;
  let checksum = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.csv')).sort()) {
    const { bars } = parseBarsCsv(readFileSync(path.join(dir, file), 'utf8'), file);
    const fast = new SMA(20);
    const slow = new SMA(50);
    const macd = new MACD(new EMA(12), new EMA(26), new EMA(9));
    const rsi = new RSI(14);
    const bands = new BollingerBands(20, 2);
    const obv = new OBV(2);
    const obvAverage = new SMA(20);
    const volumeAverage = new SMA(20);
    for (const bar of bars) {
      fast.add(bar.close);
      slow.add(bar.close);
      macd.add(bar.close);
      rsi.add(bar.close);
      bands.add(bar.close);
      volumeAverage.add(bar.volume);
      const flow = obv.add(bar);
      if (flow !== null) obvAverage.add(flow);
      if (bar.date < from || bar.date > to) continue;
      symbolDays++;
      const f = resultOf(fast);
      const s = resultOf(slow);
      const m = resultOf(macd);
      const r = resultOf(rsi);
      const b = resultOf(bands);
      const o = resultOf(obv);
      const oa = resultOf(obvAverage);
      const va = resultOf(volumeAverage);
      const signed = [
        f === null || s === null ? null : clamp((100 * (100 * (f - s))) / s / 4),
        m === null ? null : clamp((100 * (100 * m.histogram)) / bar.close / 0.4),
        r === null ? null : clamp(((r - 50) / 20) * 100),
        b === null ? null : clamp(((bar.close - b.middle) / ((b.upper - b.middle) || 1)) * -100),
        o === null || oa === null || va === null || va === 0 ? null : clamp((((o - oa) / va) * 100) / 3),
      ];
      let sum = 0;
      let weight = 0;
      signed.forEach((value, i) => {
        if (value === null) return;
        sum += WEIGHTS[i] * value;
        weight += WEIGHTS[i];
      });
      checksum += weight === 0 ? 0 : sum / weight;
    }
  }
  return { symbolDays, checksum };
}
