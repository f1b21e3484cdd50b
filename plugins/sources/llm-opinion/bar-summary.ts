import type { BarView } from '../../../core/domain/bar-view';

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;

/**
 * A compact, point-in-time description of a symbol's last `lookback` bars for a language
 * model: returns, volatility, distance from moving averages, volume and range. Built from the
 * view alone, so it cannot mention anything after `asOf`.
 */
export function barSummary(symbol: string, bars: BarView, lookback: number): string {
  const count = Math.min(lookback, bars.length);
  const window = Array.from({ length: count }, (_, i) => bars.at(bars.length - count + i));
  const closes = window.map((b) => b.close);
  const last = closes[closes.length - 1];
  const back = (n: number) => closes[Math.max(0, closes.length - 1 - n)];
  const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const returns = closes.slice(1).map((close, i) => Math.log(close / closes[i]));
  const recent = returns.slice(-20);
  const volatility = Math.sqrt(mean(recent.map((r) => (r - mean(recent)) ** 2)));
  const sma = (n: number) => mean(closes.slice(-n));
  const volumes = window.map((b) => b.volume);
  const lines = [
    `${symbol}, daily bars up to ${bars.asOf} (${count} bars; nothing after ${bars.asOf} is known).`,
    `Last close ${last.toFixed(2)}. Returns: 5 bars ${percent(last / back(5) - 1)}, 20 bars ${percent(last / back(20) - 1)}, ${count - 1} bars ${percent(last / closes[0] - 1)}.`,
    `Daily volatility (20 bars) ${percent(volatility)}. Close vs 20-bar average ${percent(last / sma(20) - 1)}, vs 50-bar average ${percent(last / sma(50) - 1)}.`,
    `Volume vs its 20-bar average ${(volumes[volumes.length - 1] / Math.max(1, mean(volumes.slice(-20)))).toFixed(2)}x. Range of the window ${Math.min(...window.map((b) => b.low)).toFixed(2)} to ${Math.max(...window.map((b) => b.high)).toFixed(2)}.`,
  ];
  return lines.join('\n');
}
