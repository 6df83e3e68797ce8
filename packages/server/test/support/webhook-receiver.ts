/**
 * A webhook receiver on 127.0.0.1 for tests, written as a receiver of OrgKeeper's webhooks would be: it reads the raw
 * body, checks X-OrgKeeper-Signature against its secret (when it has one) with the steps the README gives, refuses an
 * unsigned, stale or tampered request with 401, and otherwise answers what the test scripted (default 200).
 *
 *   const receiver = await startWebhookReceiver({ secret });
 *   receiver.script([{ status: 500 }, { status: 429, headers: { 'retry-after': '1' } }]);   // then 200s
 *   await receiver.waitFor(3);
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature, type VerifyResult } from '../../src/notifications/webhook-signature.js';

export interface ReceivedRequest {
  /** Date.now() when the request had arrived in full. */
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The signature check (null for a receiver without a secret). */
  verified: VerifyResult | null;
  /** What the receiver answered. */
  status: number;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  /** Never answer (the sender's time limit must end the attempt). */
  hang?: boolean;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: ReceivedRequest[];
  /** Answers for the next requests, in order; then 200 again. */
  script(answers: ScriptedAnswer[]): void;
  /** Waits until `count` requests have arrived (10 s by default). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** `secret`: the receiver's copy of the signing secret (a function when it is known only later, as in the web app). */
export async function startWebhookReceiver(options: { secret?: string | (() => string | undefined) } = {}): Promise<WebhookReceiver> {
  const secretNow = () => (typeof options.secret === 'function' ? options.secret() : options.secret);
  const requests: ReceivedRequest[] = [];
  let answers: ScriptedAnswer[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
      const secret = secretNow();
      const verified = secret
        ? verifySignature({
            secret,
            rawBody: body,
            timestamp: header('x-orgkeeper-timestamp'),
            signature: header('x-orgkeeper-signature'),
            nowSeconds: Math.floor(Date.now() / 1000)
          })
        : null;
      const scripted = answers.shift() ?? { status: 200 };
      const status = verified && !verified.ok ? 401 : scripted.status;
      requests.push({ at: Date.now(), method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, verified, status });
      if (scripted.hang && status !== 401) {
        hanging.add(res);
        return;
      }
      res.writeHead(status, { 'content-type': 'text/plain', ...scripted.headers });
      res.end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    script(next) {
      answers = [...next];
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`The receiver got ${requests.length} requests, not ${count}, within ${timeoutMs} ms.`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return requests.slice(0, count);
    },
    close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    }
  };
}
