// A council identity provider for the sign-in tests: oidc-provider (npm, web/package.json) on loopback.
//
//   node tests/browser/oidc_provider.mjs SETTINGS.json
//
// SETTINGS.json: {"client_id", "client_secret", "redirect_uri", "accounts": {LOGIN: {"name", "groups": [...]}}}.
// The accounts are read again at every sign-in, so a test changes a person's groups by rewriting the file.
// It listens on a free port of 127.0.0.1 and prints "issuer http://127.0.0.1:PORT" once it is ready; it stops
// when its standard input closes (the test that started it ended) or on SIGTERM.
// Its pages are oidc-provider's development pages: any password is taken, and a consent page follows.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Installed with the web assets (web/node_modules), which this script's folder cannot import by name.
const entry = join(here, '..', '..', 'web', 'node_modules', 'oidc-provider', 'lib', 'index.js');
const { default: Provider } = await import(pathToFileURL(entry).href);

const settingsPath = process.argv[2];
const settings = () => JSON.parse(readFileSync(settingsPath, 'utf8'));

async function findAccount(_ctx, login) {
  const person = settings().accounts[login];
  if (!person) return undefined;
  return {
    accountId: login,
    async claims() {
      return { sub: login, preferred_username: login, name: person.name, groups: person.groups };
    },
  };
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { client_id, client_secret, redirect_uri } = settings();
  const provider = new Provider(issuer, {
    clients: [{
      client_id, client_secret, redirect_uris: [redirect_uri],
      grant_types: ['authorization_code'], response_types: ['code'],
    }],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], groups: ['groups'] },
    findAccount,
    // The tests' own keys, made afresh at each start (none is kept anywhere).
    cookies: { keys: [Math.random().toString(36).slice(2)] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
  });
  server.on('request', provider.callback());
  process.stdout.write(`issuer ${issuer}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
