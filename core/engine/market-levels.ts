/**
 * Regime and price levels of an accepted signal, from the bars known at `asOf`. Both read a
 * fixed-size tail of the bars, so their cost does not grow with the history.
 */
import { ATR } from 'trading-signals';
import type { BarView } from '../domain/bar-view';
import type { Action, PriceLevels, Regime } from '../domain/domain';

/** How far stop and target sit from entry. */
export interface LevelsConfig {
  readonly atrPeriod: number;
  readonly stopAtr: number;
  readonly targetAtr: number;
}

const REGIME_WINDOW = 20;
/** Annualised volatility above which a market is `volatile`, whatever its direction. */
const VOLATILE_ANNUALISED = 0.45;
/** Kaufman efficiency ratio above which a move is a trend rather than noise. */
const TRENDING_EFFICIENCY = 0.3;

/** The average true range over the last bars; falls back to the mean range on a short history. */
export function averageTrueRange(bars: BarView, period: number): number {
  const tail = bars.tail(period * 3);
  const atr = new ATR(period);
  for (const bar of tail) atr.add(bar);
  const value = atr.getResult();
  if (value !== null) return value;
  return tail.reduce((sum, bar) => sum + (bar.high - bar.low), 0) / tail.length;
}

/** Entry at the last close; stop and target at ATR multiples (never closer than 0.1% of price). */
export function priceLevels(bars: BarView, action: Action, config: LevelsConfig): PriceLevels {
  const entry = bars.last.close;
  const atr = Math.max(averageTrueRange(bars, config.atrPeriod), entry * 0.001);
  const side = action === 'BUY' ? 1 : -1;
  return { entry, stop: entry - side * config.stopAtr * atr, target: entry + side * config.targetAtr * atr };
}

/** Volatile above 45% annualised volatility; trending when the efficiency ratio over 20 bars exceeds 0.3; ranging otherwise. */
export function marketRegime(bars: BarView): Regime {
  const tail = bars.tail(REGIME_WINDOW + 1);
  if (tail.length < 3) return 'ranging';
  let path = 0;
  let sumSq = 0;
  for (let i = 1; i < tail.length; i++) {
    path += Math.abs(tail[i].close - tail[i - 1].close);
    const ret = Math.log(tail[i].close / tail[i - 1].close);
    sumSq += ret * ret;
  }
  const volatility = Math.sqrt((sumSq / (tail.length - 1)) * 252);
  if (volatility > VOLATILE_ANNUALISED) return 'volatile';
  const net = tail[tail.length - 1].close - tail[0].close;
  const efficiency = path === 0 ? 0 : Math.abs(net) / path;
  if (efficiency < TRENDING_EFFICIENCY) return 'ranging';
  return net > 0 ? 'trending-up' : 'trending-down';
}
