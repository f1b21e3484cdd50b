/** The built-in plugins, registered by the CLI through the same registry a third party's module goes into. */
import type { PluginDefinition } from '../core/plugin-system/define-plugin';
import csvBars from './market-data/csv-bars';
import syntheticBars from './market-data/synthetic-bars';
import alpacaBars from './market-data/providers/alpaca-bars';
import binanceKlines from './market-data/providers/binance-klines';
import massiveAggs from './market-data/providers/massive-aggs';
import correlationAdjusted from './consensus/correlation-adjusted';
import weighted from './consensus/weighted';
import bound from './early-exit/bound';
import incremental from './early-exit/incremental';
import none from './early-exit/none';
import staged from './early-exit/staged';
import llm from './explainers/llm';
import simulatedLlm from './explainers/simulated-llm';
import template from './explainers/template';
import memoryReasoningCache from './reasoning-cache/memory';
import redisReasoningCache from './reasoning-cache/redis';
import sqliteReasoningCache from './reasoning-cache/sqlite';
import llmOpinion from './sources/llm-opinion';
import synthetic from './sources/synthetic';
import technicalMacd from './sources/technical-macd';
import technicalMomentum from './sources/technical-momentum';
import technicalTrend from './sources/technical-trend';
import technicalVolatility from './sources/technical-volatility';
import technicalVolume from './sources/technical-volume';
import jsonl from './storage/jsonl';
import memory from './storage/memory';
import postgres from './storage/postgres';
import sqlite from './storage/sqlite';
import discord from './sinks/discord';
import mqtt from './sinks/mqtt';
import nats from './sinks/nats';
import slack from './sinks/slack';
import telegram from './sinks/telegram';
import webhook from './sinks/webhook';

/** Every built-in plugin definition. */
export const builtinPlugins: readonly PluginDefinition[] = [
  csvBars,
  syntheticBars,
  alpacaBars,
  binanceKlines,
  massiveAggs,
  technicalTrend,
  technicalMomentum,
  technicalMacd,
  technicalVolatility,
  technicalVolume,
  synthetic,
  llmOpinion,
  weighted,
  correlationAdjusted,
  none,
  staged,
  incremental,
  bound,
  template,
  simulatedLlm,
  llm,
  memoryReasoningCache,
  sqliteReasoningCache,
  redisReasoningCache,
  sqlite,
  postgres,
  memory,
  webhook,
  mqtt,
  nats,
  slack,
  discord,
  telegram,
  jsonl,
];
