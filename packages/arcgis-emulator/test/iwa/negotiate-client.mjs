// A browser-like IWA client for tests: for each request, a fresh SPNEGO token from the caller's Kerberos ticket
// (KRB5CCNAME) in `Authorization: Negotiate`, as a browser or Esri's Python API sends it. Prints JSON results.
// Usage: node negotiate-client.mjs '[{"url": "...", "method": "POST", "body": "a=b", "headers": {}, "negotiate": true}]'
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const kerberos = require('kerberos');

const requests = JSON.parse(process.argv[2] ?? '[]');
const results = [];
for (const request of requests) {
  const headers = { ...(request.headers ?? {}) };
  let client;
  if (request.negotiate !== false) {
    client = await kerberos.initializeClient(request.service ?? 'HTTP@localhost', { mechOID: kerberos.GSS_MECH_OID_SPNEGO });
    headers.authorization = `Negotiate ${await client.step('')}`;
  }
  if (request.body) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(request.url, { method: request.method ?? 'GET', headers, body: request.body, redirect: 'manual' });
  const text = await response.text();
  const challenge = response.headers.get('www-authenticate');
  let mutual = false;
  const serverToken = challenge && /^Negotiate\s+(\S+)/i.exec(challenge)?.[1];
  if (client && serverToken) {
    // Mutual authentication: the server proved it holds the service key.
    await client.step(serverToken);
    mutual = client.contextComplete;
  }
  results.push({ status: response.status, wwwAuthenticate: challenge, location: response.headers.get('location'), mutual, text });
}
process.stdout.write(JSON.stringify(results));
