import type { SinkCursor, SinkDeadLetter } from '../../core/plugin-system/plugin-contracts';

/**
 * What sinks keep in a storage, as SQLite (schema 5) and PostgreSQL (schema 4) create it: the
 * order reasoning texts were written in (`reasoning_seq`, numbered by the one writer), each
 * sink's cursor, and its dead letters as JSON. A migration, so never edited.
 */
export function sinkTablesSql(prefix: string, integer: 'INTEGER' | 'BIGINT'): string {
  return `ALTER TABLE ${prefix}signals ADD COLUMN reasoning_seq ${integer};
   CREATE INDEX signals_by_reasoning_seq ON ${prefix}signals (reasoning_seq);
   CREATE TABLE ${prefix}sink_cursors (sink TEXT PRIMARY KEY, signals ${integer} NOT NULL, reasoning ${integer} NOT NULL);
   CREATE TABLE ${prefix}sink_dead_letters (id TEXT PRIMARY KEY, sink TEXT NOT NULL, letter TEXT NOT NULL, failed_at TEXT NOT NULL);`;
}

/** The statement giving a reasoning update the next reasoning sequence (`?` placeholders: text, status, id). */
export function reasoningUpdateSql(prefix: string): string {
  return `UPDATE ${prefix}signals SET reasoning = ?, reasoning_status = ?, reasoning_seq = (SELECT coalesce(max(reasoning_seq), 0) + 1 FROM ${prefix}signals) WHERE id = ?`;
}

/** A write of a sink's state: its cursor moved, a dead letter kept, dead letters removed (re-sent). */
export type SinkWrite = { readonly op: 'cursor'; readonly sink: string; readonly cursor: SinkCursor } | { readonly op: 'dead'; readonly letter: SinkDeadLetter } | { readonly op: 'undead'; readonly ids: readonly string[] };

/** The statements of `write` with `?` placeholders (PostgreSQL numbers them), under `prefix`. */
export function sinkStatements(write: SinkWrite, prefix = ''): [string, unknown[]][] {
  if (write.op === 'cursor') {
    return [[`INSERT INTO ${prefix}sink_cursors (sink, signals, reasoning) VALUES (?, ?, ?) ON CONFLICT (sink) DO UPDATE SET signals = excluded.signals, reasoning = excluded.reasoning`, [write.sink, write.cursor.signals, write.cursor.reasoning]]];
  }
  if (write.op === 'dead') {
    const { letter } = write;
    return [[`INSERT INTO ${prefix}sink_dead_letters (id, sink, letter, failed_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET letter = excluded.letter, failed_at = excluded.failed_at`, [letter.id, letter.sink, JSON.stringify(letter), letter.failedAt]]];
  }
  return write.ids.map((id) => [`DELETE FROM ${prefix}sink_dead_letters WHERE id = ?`, [id]]);
}
