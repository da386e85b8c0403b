import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config drizzle.config.sqlite.ts` after editing data/db/schema-sqlite.ts.
export default defineConfig({
  dialect: 'sqlite',
  schema: './data/db/schema-sqlite.ts',
  out: './data/db/migrations/sqlite',
});
