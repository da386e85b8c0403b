import type { Command } from 'commander';
import { InputError } from '../../core/index.js';
import { type GlobalFlags, openContext, printResult } from '../context.js';

interface CreateFlags extends GlobalFlags {
  email: string;
  password?: string;
  passwordStdin?: boolean;
  admin?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerUsersCommands(program: Command): void {
  const users = program.command('users').description('Accounts of the seller API (e.g. the first admin).');
  users
    .command('create')
    .description('Create an account; --admin for an admin. Prefer --password-stdin: argv is visible to other users.')
    .requiredOption('--email <email>', 'login email')
    .option('--password <password>', 'the password (visible in the process list; prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--admin', 'give the admin role')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<CreateFlags>();
      if (Boolean(flags.password) === Boolean(flags.passwordStdin)) {
        throw new InputError('CONFIG_INVALID', 'Pass exactly one of --password or --password-stdin.', {
          hint: 'e.g. printf %s "$PASSWORD" | rakuten-ml users create --email admin@example.com --password-stdin --admin',
        });
      }
      const password = flags.password ?? (await readStdin());
      const ctx = openContext(flags);
      const [{ createUser }, { openDatabase }] = await Promise.all([import('../../serve/index.js'), import('../../data/index.js')]);
      const db = await openDatabase({ home: ctx.config.home, databaseUrl: ctx.config.databaseUrl });
      try {
        const user = await createUser(db, { email: flags.email, password, role: flags.admin ? 'admin' : 'user' });
        printResult(user, flags.json, () => `created ${user.role} ${user.email} (id ${user.id})`);
      } finally {
        await db.close();
      }
    });
}
