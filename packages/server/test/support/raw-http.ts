/**
 * HTTP requests whose path reaches the server byte for byte as written: `fetch` and `new URL()`
 * resolve dot segments and re-encode, which would hide exactly the spellings security tests try.
 */
import { Agent, request, type IncomingHttpHeaders } from 'node:http';

export interface RawRequest {
  method: string;
  /** Sent as the request target unchanged (`/%61pi/./audit`, `//api//x`, ...). */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawClient {
  send(req: RawRequest): Promise<RawResponse>;
  /** Sends all requests, at most `concurrency` at a time, answers in the same order. */
  sendAll(reqs: RawRequest[], concurrency?: number): Promise<RawResponse[]>;
  close(): void;
}

/**
 * A client for one server (`http://127.0.0.1:port`) over kept-alive connections. An answer that does
 * not end within `timeoutMs` (an event stream that was let through, say) comes back as status 0.
 */
export function rawClient(baseUrl: string, maxSockets = 16, timeoutMs = 5000): RawClient {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const send = (req: RawRequest) =>
    new Promise<RawResponse>((resolve, reject) => {
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
      const outgoing = request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      });
      outgoing.setTimeout(timeoutMs, () => {
        outgoing.destroy();
        resolve({ status: 0, headers: {}, body: `no complete answer within ${timeoutMs} ms` });
      });
      outgoing.on('error', (error) => (outgoing.destroyed ? undefined : reject(error)));
      outgoing.end(req.body);
    });
  return {
    send,
    async sendAll(reqs, concurrency = maxSockets) {
      const results: RawResponse[] = new Array<RawResponse>(reqs.length);
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < reqs.length; i = next++) results[i] = await send(reqs[i] as RawRequest);
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, reqs.length) }, worker));
      return results;
    },
    close: () => agent.destroy()
  };
}
