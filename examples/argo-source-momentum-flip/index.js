'use strict';
/**
 * An external source plugin as a third party publishes it. A definition is a plain object;
 * TypeScript authors would build it with defineSourcePlugin from 'argo-signals/plugin' instead.
 * It only reads what the core hands it (request.bars, a point-in-time view), never files.
 */
module.exports = {
  kind: 'source',
  name: 'momentum-flip',
  version: '1.0.0',
  apiVersion: '^1.0.0',
  description: 'Contrarian: SHORT after a run-up over `lookback` closes, LONG after a run-down.',
  options: {
    lookback: { doc: 'Closes the move is measured over.', format: 'nat', default: 10 },
    fullMovePct: { doc: 'Move, in %, that gives confidence 100.', format: Number, default: 10 },
  },
  create({ options }) {
    return {
      opinion({ bars }) {
        if (bars.length <= options.lookback) return { direction: 'NEUTRAL', confidence: 0 };
        const first = bars.at(bars.length - 1 - options.lookback).close;
        const movePct = (100 * (bars.last.close - first)) / first;
        const confidence = Math.min(100, (100 * Math.abs(movePct)) / options.fullMovePct);
        return { direction: movePct > 0 ? 'SHORT' : movePct < 0 ? 'LONG' : 'NEUTRAL', confidence, features: { movePct } };
      },
    };
  },
};
