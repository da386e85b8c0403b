import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config drizzle.config.pg.ts` after editing data/db/schema-pg.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './data/db/schema-pg.ts',
  out: './data/db/migrations/pg',
});
