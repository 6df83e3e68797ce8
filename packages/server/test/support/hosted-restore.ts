/**
 * Shared by the hosted feature service restore tests (restore-hosted-*.test.ts): an emulator with a session and an
 * empty store, backing up one of its services, and comparing a layer's features and attachments in a snapshot with the
 * live layer (ignoring what the server manages).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { IItem } from '@esri/arcgis-rest-portal';
import { type EmulatorHandle, startEmulator } from '@orgkeeper/arcgis-emulator';
import { canonicalJson, type EsriFeature, type FeatureChunkContent } from '../../src/store/feature-chunks.js';
import { backupHostedService } from '../../src/backup/hosted-service.backup.js';
import { layerWriteInfo } from '../../src/restore/hosted/definitions.js';
import { initStore, type ItemEntry, readAttachmentList, type Store } from '../../src/store/index.js';
import type { ArcGISSession } from '../../src/arcgis/arcgis-session.js';
import type { RetryPolicy } from '../../src/arcgis/retry.js';
import { sessionFor } from './emulator-session.js';

export type HostedService = EmulatorHandle['context']['state']['services'] extends Map<string, infer S> ? S : never;

/** Short delays, and patience enough for the tests that inject faults into hosted services. */
export const HOSTED_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 20, maxThrottleAttempts: 100 };

export function serviceNamed(emu: EmulatorHandle, name: string): HostedService {
  const service = [...emu.context.state.services.values()].find((s) => s.name === name);
  if (!service) throw new Error(`no service ${name}`);
  return service;
}

/** Backs up a service of the emulator and returns the snapshot's item entry for it. */
export async function backUp(emu: EmulatorHandle, session: ArcGISSession, store: Store, name: string): Promise<ItemEntry> {
  const service = serviceNamed(emu, name);
  const item = emu.context.state.items.get(service.itemId)!.json as unknown as IItem;
  const entry = await backupHostedService({ session, store }, item);
  for (const layer of entry.layers) expect(layer.status, JSON.stringify(layer.problems)).toBe('ok');
  return { id: item.id, title: item.title, type: item.type, owner: item.owner, folderId: null, modified: item.modified, status: 'ok', service: entry };
}

export const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * One comparable record per feature: its attributes (without what the server manages: object id, editor tracking),
 * its geometry and its attachments (name, type, keywords, SHA-256 of the bytes). Sorted, so two layers are equal when
 * their record lists are, whatever object ids they got.
 */
export async function snapshotRecords(store: Store, entry: ItemEntry, layerId: number): Promise<string[]> {
  const layer = entry.service!.layers.find((l) => l.id === layerId)!;
  const info = layerWriteInfo(await store.getJson(layer.definition.hash));
  const attachments = new Map<number, string[]>();
  if (layer.attachments) {
    for (const a of await readAttachmentList(store.blobs, layer.attachments)) {
      const list = attachments.get(a.objectId) ?? [];
      list.push(canonicalJson([a.name, a.contentType ?? '', a.keywords ?? '', sha(await store.blobs.get(a.hash))]));
      attachments.set(a.objectId, list);
    }
  }
  const records: string[] = [];
  for (const chunk of layer.chunks) {
    const content = await store.getJson<FeatureChunkContent>(chunk.hash);
    for (const f of content.features) records.push(record(f, info, attachments.get(f.attributes[content.objectIdFieldName] as number) ?? []));
  }
  return records.sort();
}

export async function liveRecords(session: ArcGISSession, layerUrl: string): Promise<string[]> {
  const info = layerWriteInfo(await session.request(layerUrl));
  const features: EsriFeature[] = [];
  for (let offset = 0; ; ) {
    const page = await session.request<{ features: EsriFeature[]; exceededTransferLimit?: boolean }>(`${layerUrl}/query`, {
      where: '1=1', outFields: '*', returnGeometry: true, orderByFields: info.oidField, resultOffset: offset, resultRecordCount: 1000
    });
    features.push(...page.features);
    offset += page.features.length;
    if (!page.exceededTransferLimit || page.features.length === 0) break;
  }
  const attachments = new Map<number, string[]>();
  if (info.hasAttachments) {
    const groups = await session.request<{ attachmentGroups: { parentObjectId: number; attachmentInfos: { id: number; name: string; contentType: string; keywords: string }[] }[] }>(
      `${layerUrl}/queryAttachments`, { definitionExpression: '1=1' }
    );
    for (const g of groups.attachmentGroups) {
      for (const a of g.attachmentInfos) {
        const bytes = (await session.download(`${layerUrl}/${g.parentObjectId}/attachments/${a.id}`))?.bytes ?? Buffer.alloc(0);
        const list = attachments.get(g.parentObjectId) ?? [];
        list.push(canonicalJson([a.name, a.contentType ?? '', a.keywords ?? '', sha(bytes)]));
        attachments.set(g.parentObjectId, list);
      }
    }
  }
  return features.map((f) => record(f, info, attachments.get(f.attributes[info.oidField] as number) ?? [])).sort();
}

function record(feature: EsriFeature, info: ReturnType<typeof layerWriteInfo>, attachments: string[]): string {
  const attributes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(feature.attributes)) {
    const lower = k.toLowerCase();
    // GlobalIDs are compared (they must be kept); object ids and editor tracking are the server's.
    if (info.managed.has(lower) && lower !== info.globalIdField?.toLowerCase()) continue;
    attributes[k] = v;
  }
  return canonicalJson({ attributes, geometry: feature.geometry ?? null, attachments: [...attachments].sort() });
}

export interface HostedFixture {
  emu: EmulatorHandle;
  session: ArcGISSession;
  /** The store's folder (a new temporary one). */
  dir: string;
  store: Store;
  /** Stops the emulator and deletes the folder. */
  close(): Promise<void>;
}

/** An emulator of `kind` with a session as its administrator and an empty store for its organization. */
export async function startHostedFixture(kind: 'online' | 'enterprise', prefix: string): Promise<HostedFixture> {
  const emu = await startEmulator({ host: '127.0.0.1', port: 0, quiet: true, kind });
  let dir: string | undefined;
  const close = async () => {
    try {
      await emu.close();
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    const session = sessionFor(emu, { concurrency: 8, retry: HOSTED_RETRY });
    dir = await mkdtemp(join(tmpdir(), prefix));
    const store = await initStore(dir, { id: emu.orgId, portalUrl: emu.portalUrl, name: 'Demo' });
    return { emu, session, dir, store, close };
  } catch (error) {
    await close();
    throw error;
  }
}
