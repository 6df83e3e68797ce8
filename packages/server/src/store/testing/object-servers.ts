/**
 * Test servers for the object storage backends, on 127.0.0.1 and free ports, started and stopped by the tests:
 * - S3: fauxqs (npm), an in-process S3 emulator built on Fastify. Chosen over s3rver after trying both with the AWS
 *   SDK v3: s3rver rejects the SDK's ListObjectsV2 signatures and gives multipart ETags without their part count,
 *   while fauxqs accepts the SDK's current requests (flexible checksums, aws-chunked bodies), lists with continuation
 *   tokens and follows AWS's multipart rules (5 MiB minimum part). Neither enforces conditional writes in a version
 *   that runs on Node 20 (fauxqs added them in 2.6, which needs Node 22.5), so `conditionalWrites` adds AWS's
 *   documented behaviour in front of it: `If-None-Match: *` and `If-Match` on PutObject, CompleteMultipartUpload and
 *   DeleteObject, checked and applied under a per-key lock, answered `412 PreconditionFailed` (or `404 NoSuchKey` for
 *   `If-Match` on a missing key). README.md in store/ ("Emulator gaps") lists what remains different from AWS.
 * - Azure: Azurite (npm, Microsoft's emulator) in a child process, in memory, telemetry off. It checks shared-key
 *   signatures and implements blob conditions and block lists as Azure does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AzureLocation, S3Location } from '../backend/store-location.js';

export const S3_TEST_CREDENTIALS = { accessKeyId: 'orgkeeper-test', secretAccessKey: 'orgkeeper-test-secret' };
/** Azurite's documented development account (public, fixed). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  /** A fresh, empty prefix in the bucket. */
  location(label?: string): S3Location;
  /** Environment for child processes: the standard AWS variables. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface AzureTestServer {
  accountUrl: string;
  container: string;
  location(label?: string): AzureLocation;
  /** Environment for child processes (AZURE_STORAGE_KEY, read by the Azure backend). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

let prefixes = 0;
const freshPrefix = (label = 'store') => `${label}-${++prefixes}-${randomBytes(4).toString('hex')}/`;

export async function startS3Server(options: { conditionalWrites?: boolean } = {}): Promise<S3TestServer> {
  const { buildApp } = (await import('fauxqs')) as { buildApp: (options: { logger: boolean; host: string }) => FastifyInstance };
  const app = buildApp({ logger: false, host: '127.0.0.1' });
  if (options.conditionalWrites ?? true) enforceConditionalWrites(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const endpoint = `http://127.0.0.1:${port}`;
  const bucket = `orgkeeper-test-${randomBytes(4).toString('hex')}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_TEST_CREDENTIALS });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return {
    endpoint,
    bucket,
    location: (label) => ({ kind: 's3', bucket, prefix: freshPrefix(label), endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_TEST_CREDENTIALS }),
    env: { AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stop: () => app.close()
  };
}

/**
 * AWS's conditional writes in front of the emulator. Writes to one key (PUT, a multipart upload's completion, DELETE)
 * run one at a time; a conditional one first looks at the key (a HEAD through the emulator itself) and is refused as
 * AWS refuses it.
 */
function enforceConditionalWrites(app: FastifyInstance): void {
  const tails = new Map<string, Promise<void>>();
  const releases = new WeakMap<FastifyRequest, () => void>();
  const release = (request: FastifyRequest) => {
    releases.get(request)?.();
    releases.delete(request);
  };
  app.addHook('onRequest', async (request) => {
    const target = objectWrite(request);
    if (target === undefined) return;
    const previous = tails.get(target) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = previous.then(() => mine);
    tails.set(target, tail);
    releases.set(request, () => {
      done();
      if (tails.get(target) === tail) tails.delete(target);
    });
    await previous;
  });
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!releases.has(request)) return;
    const ifNoneMatch = header(request, 'if-none-match');
    const ifMatch = header(request, 'if-match');
    if (ifNoneMatch === undefined && ifMatch === undefined) return;
    const path = request.url.split('?')[0]!;
    const head = await app.inject({ method: 'HEAD', url: path, headers: { host: request.headers.host ?? '127.0.0.1' } });
    const exists = head.statusCode === 200;
    const etag = head.headers.etag as string | undefined;
    if (ifNoneMatch !== undefined && exists && (ifNoneMatch === '*' || ifNoneMatch === etag)) return refuse(reply, 412, 'PreconditionFailed', 'If-None-Match');
    if (ifMatch !== undefined && !exists) return refuse(reply, 404, 'NoSuchKey', 'If-Match');
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== etag) return refuse(reply, 412, 'PreconditionFailed', 'If-Match');
  });
  app.addHook('onResponse', async (request) => release(request));
  app.addHook('onRequestAbort', async (request) => release(request));
  app.addHook('onError', async (request) => release(request));
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** `bucket/key` for requests that write an object: PutObject, CompleteMultipartUpload, DeleteObject. */
function objectWrite(request: FastifyRequest): string | undefined {
  const [path = '', query = ''] = request.url.split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length < 2) return undefined;
  const target = decodeURIComponent(parts.join('/'));
  if (request.method === 'PUT' && !params.has('partNumber')) return target;
  if (request.method === 'POST' && params.has('uploadId')) return target;
  if (request.method === 'DELETE' && !params.has('uploadId')) return target;
  return undefined;
}

function refuse(reply: FastifyReply, status: number, code: string, condition: string): FastifyReply {
  const message = code === 'NoSuchKey' ? 'The specified key does not exist.' : 'At least one of the pre-conditions you specified did not hold';
  return reply
    .status(status)
    .header('content-type', 'application/xml')
    .send(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Condition>${condition}</Condition><RequestId>${randomBytes(8).toString('hex')}</RequestId></Error>`);
}

export async function startAzurite(): Promise<AzureTestServer> {
  const require = createRequire(import.meta.url);
  const main = require.resolve('azurite/dist/src/blob/main.js');
  // In memory (nothing written), started in the OS temporary folder so nothing lands in the working copy.
  const child: ChildProcess = spawn(process.execPath, [main, '--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck', '--silent'], {
    cwd: tmpdir(),
    stdio: ['ignore', 'pipe', 'pipe']
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = (data: Buffer) => {
      out += data.toString();
      const match = /listens on https?:\/\/[^:]+:(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`Azurite exited (code ${code}) before listening: ${out}`)));
    child.once('error', reject);
  });
  const accountUrl = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const container = `orgkeeper-test-${randomBytes(4).toString('hex')}`;
  await new ContainerClient(`${accountUrl}/${container}`, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).create();
  return {
    accountUrl,
    container,
    location: (label) => ({ kind: 'azure', accountUrl, container, prefix: freshPrefix(label), credentials: { kind: 'shared-key', accountName: AZURITE_ACCOUNT, accountKey: AZURITE_KEY } }),
    env: { AZURE_STORAGE_KEY: AZURITE_KEY },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  };
}
