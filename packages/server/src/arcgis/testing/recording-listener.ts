import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a recording listener received. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface RecordingListener {
  server: Server;
  /** `http://127.0.0.1:<port>`: another port is another origin. */
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A plain HTTP server on 127.0.0.1 (a free port) that records every request and answers `answer()` as JSON: a host
 * outside the organization, for tests that prove nothing is sent to it.
 */
export async function startRecordingListener(answer: () => unknown = () => ({ ok: true })): Promise<RecordingListener> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
