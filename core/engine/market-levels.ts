/**
 * Regime and price levels of an accepted signal, from the bars known at `asOf`. Both read a
 * fixed-size tail of the bars, so their cost does not grow with the history.
 */
import { ATR } from 'trading-signals';
import type { BarView } from '../domain/bar-view';
import type { Action, Bar, PriceLevels, Regime } from '../domain/domain';

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

/** The last `count` of `bars` (all when fewer). */
function last(bars: readonly Bar[], count: number): readonly Bar[] {
  return bars.length > count ? bars.slice(bars.length - count) : bars;
}

/** The average true range over `tail`; falls back to the mean range on a short history. */
function atrOf(tail: readonly Bar[], period: number): number {
  const atr = new ATR(period);
  for (const bar of tail) atr.add(bar);
  const value = atr.getResult();
  if (value !== null) return value;
  return tail.reduce((sum, bar) => sum + (bar.high - bar.low), 0) / tail.length;
}

/** Entry at the last close; stop and target at ATR multiples (never closer than 0.1% of price). */
export function priceLevels(bars: BarView, action: Action, config: LevelsConfig): PriceLevels {
  return levelsOf(bars.tail(config.atrPeriod * 3), action, config);
}

function levelsOf(tail: readonly Bar[], action: Action, config: LevelsConfig): PriceLevels {
  const recent = last(tail, config.atrPeriod * 3);
  const entry = recent[recent.length - 1].close;
  const atr = Math.max(atrOf(recent, config.atrPeriod), entry * 0.001);
  const side = action === 'BUY' ? 1 : -1;
  return { entry, stop: entry - side * config.stopAtr * atr, target: entry + side * config.targetAtr * atr };
}

/** Volatile above 45% annualised volatility; trending when the efficiency ratio over 20 bars exceeds 0.3; ranging otherwise. */
function regimeOf(recent: readonly Bar[]): Regime {
  const tail = last(recent, REGIME_WINDOW + 1);
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

/** A signal's regime and levels, from one read of the recent bars (a view builds each bar it is asked for). */
export function signalLevels(bars: BarView, action: Action, config: LevelsConfig): { regime: Regime; levels: PriceLevels } {
  // The regime reads the last 21 bars, the levels the last three ATR periods.
  const recent = bars.tail(Math.max(REGIME_WINDOW + 1, config.atrPeriod * 3));
  return { regime: regimeOf(recent), levels: levelsOf(recent, action, config) };
}
