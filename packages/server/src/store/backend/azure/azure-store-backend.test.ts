import { ContainerClient, ContainerSASPermissions, StorageSharedKeyCredential } from '@azure/storage-blob';
import { expect, it } from 'vitest';
import { isStoreError } from '../../store-error.js';
import { useTestServers } from '../../testing/backends.js';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../../testing/object-servers.js';
import { describeStoreBackendContract } from '../store-backend.contract.js';
import { AzureStoreBackend } from './azure-store-backend.js';

const servers = useTestServers();

describeStoreBackendContract('azure', async () => {
  const at = await servers.location('azure', 'backend');
  return { backend: await at.backend(), cleanup: at.cleanup };
});

it('explains a wrong account key and a missing container', async () => {
  const server = await servers.azureServer();
  const location = server.location('refused');
  const wrongKey = await AzureStoreBackend.open({ ...location, credentials: { kind: 'shared-key', accountName: 'devstoreaccount1', accountKey: Buffer.alloc(64, 7).toString('base64') } });
  await expect(wrongKey.read('store.json')).rejects.toSatisfy((e: unknown) => isStoreError(e, 'access_denied'));
  await expect(wrongKey.read('store.json')).rejects.toThrow(/Azure refused to read .*store\.json.*Check the account key or SAS token/);
  const missing = await AzureStoreBackend.open({ ...location, container: 'no-such-container' });
  await expect(missing.write('store.json', Buffer.from('{}'))).rejects.toSatisfy((e: unknown) => isStoreError(e, 'location_unreachable'));
  await expect(missing.write('store.json', Buffer.from('{}'))).rejects.toThrow(/container "no-such-container" does not exist.*Create it, or correct the File Location/);
});

it('works with a SAS token instead of the account key', async () => {
  const server = await servers.azureServer();
  const location = server.location('sas');
  const container = new ContainerClient(`${location.accountUrl}/${location.container}`, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
  const url = await container.generateSasUrl({ permissions: ContainerSASPermissions.parse('racwdl'), expiresOn: new Date(Date.now() + 3_600_000) });
  const backend = await AzureStoreBackend.open({ ...location, credentials: { kind: 'sas', token: new URL(url).search } });
  expect(await backend.create('store.json', Buffer.from('{}'))).toBeDefined();
  expect((await backend.read('store.json'))?.bytes.toString()).toBe('{}');
  const readOnly = await container.generateSasUrl({ permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + 3_600_000) });
  const limited = await AzureStoreBackend.open({ ...location, credentials: { kind: 'sas', token: new URL(readOnly).search } });
  expect((await limited.read('store.json'))?.bytes.toString()).toBe('{}');
  await expect(limited.write('x.json', Buffer.from('{}'))).rejects.toSatisfy((e: unknown) => isStoreError(e, 'access_denied'));
});
