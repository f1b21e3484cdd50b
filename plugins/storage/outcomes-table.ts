/**
 * The `outcomes` table as SQLite (schema 4) and PostgreSQL (schema 3) create it: the same
 * portable DDL, the record as JSON beside the keys queries filter on. A migration, so never
 * edited: a change is a new migration in each storage.
 */
export function outcomesTableSql(table: string): string {
  return `CREATE TABLE ${table} (
     signal_id TEXT NOT NULL,
     horizon INTEGER NOT NULL,
     symbol TEXT NOT NULL,
     as_of TEXT NOT NULL,
     outcome TEXT NOT NULL,
     PRIMARY KEY (signal_id, horizon)
   );
   CREATE INDEX outcomes_by_date ON ${table} (as_of, symbol);`;
}
