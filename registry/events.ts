import { sql } from 'drizzle-orm';
import type { registry_events } from '../data/db/schema-sqlite.js';
import type { Database } from '../data/index.js';
import { nowIso } from './registry-deps.js';

export type RegistryEvent = typeof registry_events.$inferSelect;
export type RegistryAction = 'register' | 'promote' | 'rollback' | 'push' | 'pull';

export interface EventInput {
  modelName: string;
  action: RegistryAction;
  version: number | null;
  alias?: string;
  actor: string;
  detail?: Record<string, unknown>;
}

/** Appends one audit row: who changed which model, how, and when. */
export async function recordEvent(db: Database, event: EventInput): Promise<void> {
  await db.run(sql`INSERT INTO registry_events (model_name, action, version, alias, actor, detail, created_at)
    VALUES (${event.modelName}, ${event.action}, ${event.version}, ${event.alias ?? null}, ${event.actor},
            ${event.detail ? JSON.stringify(event.detail) : null}, ${nowIso()})`);
}

/** A model's audit trail, oldest first. */
export async function listEvents(db: Database, modelName: string): Promise<RegistryEvent[]> {
  return db.all<RegistryEvent>(
    sql`SELECT * FROM registry_events WHERE model_name = ${modelName} ORDER BY id`,
  );
}
