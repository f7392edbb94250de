/**
 * Manages API keys stored in Redis (hashed): `npm run keys -- create <tenant>` prints a new key
 * (shown once), `list` shows tenants and key ids, `revoke <tenant> [key-id]` revokes the tenant's
 * keys (or one). Uses REDIS_URL and KEY_PREFIX like the service.
 */
import { ApiKeys, InvalidTenantError } from '../src/auth/api-keys.js';
import { exitWith, loadConfigOrExit } from '../src/config.js';
import { closeRedis, createRedis } from '../src/redis/connection.js';
import { redisKeys } from '../src/redis/keys.js';

const USAGE = `usage: npm run keys -- create <tenant> | list | revoke <tenant> [key-id]`;

async function main(): Promise<void> {
  const [command, tenant, id] = process.argv.slice(2);
  if (command === undefined || !['create', 'list', 'revoke'].includes(command)) exitWith(USAGE);
  if (command !== 'list' && tenant === undefined) exitWith(USAGE);
  const config = loadConfigOrExit();
  if (config.REDIS_URL === undefined)
    exitWith(
      'REDIS_URL is required (npm start logs the URL of its embedded Redis as "embedded redis started").',
    );
  const redis = createRedis(config.REDIS_URL, 'producer', 'trainyard-keys');
  const keys = new ApiKeys(redis, redisKeys(config.KEY_PREFIX), []);
  try {
    if (command === 'create') {
      const created = await keys.create(tenant);
      process.stdout.write(
        `Created key ${created.id} for tenant ${tenant}. It is shown only now; store it safely:\n${created.key}\n`,
      );
    } else if (command === 'list') {
      const all = await keys.list();
      if (all.length === 0) process.stdout.write('No keys stored in Redis.\n');
      for (const k of all) process.stdout.write(`${k.tenant}\t${k.id}\t${k.created_at}\n`);
    } else {
      const count = await keys.revoke(tenant, id);
      process.stdout.write(`Revoked ${count} key${count === 1 ? '' : 's'} of tenant ${tenant}.\n`);
      if (count === 0) process.exitCode = 1;
    }
  } catch (err) {
    if (err instanceof InvalidTenantError) exitWith(err.message);
    throw err;
  } finally {
    await closeRedis(redis);
  }
}

await main();
