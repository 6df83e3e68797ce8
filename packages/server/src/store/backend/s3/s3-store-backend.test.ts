import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { isStoreError } from '../../store-error.js';
import { useTestServers } from '../../testing/backends.js';
import { describeStoreBackendContract } from '../store-backend.contract.js';
import { S3ObjectClient, s3ClientConfig } from './s3-object-client.js';
import { S3StoreBackend } from './s3-store-backend.js';

const servers = useTestServers();

describeStoreBackendContract('s3', async () => {
  const at = await servers.location('s3', 'backend');
  return { backend: await at.backend(), cleanup: at.cleanup };
});

/**
 * An S3 client whose first `count` requests get the given answer instead of reaching the emulator, which neither
 * throttles nor checks credentials (README.md in store/, "Emulator gaps").
 */
async function clientAnswering(count: number, status: number, code: string) {
  const server = await servers.s3Server();
  const location = server.location('faults');
  const real = new NodeHttpHandler();
  let left = count;
  const client = new S3Client({
    ...s3ClientConfig(location),
    retryStrategy: undefined,
    requestHandler: {
      handle: async (request: Parameters<NodeHttpHandler['handle']>[0]) => {
        if (left-- <= 0) return real.handle(request);
        const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message></Error>`;
        return { response: { statusCode: status, reason: code, headers: { 'content-type': 'application/xml' }, body: Readable.from([Buffer.from(body)]) } };
      },
      destroy: () => real.destroy()
    } as unknown as NodeHttpHandler
  });
  return new S3StoreBackend(new S3ObjectClient(location, { client }));
}

it('retries a throttled request (503 SlowDown) and succeeds', async () => {
  const backend = await clientAnswering(2, 503, 'SlowDown');
  await backend.write('store.json', Buffer.from('{}'));
  expect((await backend.read('store.json'))?.bytes.toString()).toBe('{}');
  await backend.close();
});

it('explains refused credentials, and a bucket that does not exist', async () => {
  const refused = await clientAnswering(Infinity, 403, 'AccessDenied');
  await expect(refused.read('store.json')).rejects.toSatisfy((e: unknown) => isStoreError(e, 'access_denied'));
  await expect(refused.write('store.json', Buffer.from('{}'))).rejects.toThrow(/S3 refused to write s3:\/\/.*store\.json \(AccessDenied\)\. Check the access key/);
  await refused.close();
  const server = await servers.s3Server();
  const missing = new S3StoreBackend({ ...server.location('missing'), bucket: 'no-such-bucket' });
  await expect(missing.write('store.json', Buffer.from('{}'))).rejects.toSatisfy((e: unknown) => isStoreError(e, 'location_unreachable'));
  await expect(missing.read('store.json')).rejects.toThrow(/bucket "no-such-bucket" does not exist/);
  await missing.close();
  expect(S3ServiceException).toBeDefined();
});
