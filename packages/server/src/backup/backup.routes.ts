import { PassThrough, type Writable } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '../http/actor.js';
import type { OperationsService } from '../operations/operations.service.js';
import { BACKUP_REQUEST_SCHEMA, type BackupRequest } from './backup-request.types.js';
import type { SnapshotBrowser } from './snapshot-browser.service.js';
import { operationStartedSchema } from '../operations/operation.schemas.js';
import { geojsonResponse, itemDetailSchema, snapshotDetailSchema, snapshotDiffSchema, snapshotItemPageSchema, snapshotListSchema, zipResponse } from './backup.schemas.js';

export interface BackupRoutesDeps {
  snapshots: SnapshotBrowser;
  operations: OperationsService;
}

const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const snapshotId = { type: 'string', minLength: 1, maxLength: 64 } as const;
const identityParams = { type: 'object', required: ['id'], properties: { id } } as const;
const snapshotParams = { type: 'object', required: ['id', 'snapshotId'], properties: { id, snapshotId } } as const;
const itemParams = { type: 'object', required: ['id', 'snapshotId', 'itemId'], properties: { id, snapshotId, itemId: id } } as const;

type SnapshotParams = { id: string; snapshotId: string };
type ItemParams = SnapshotParams & { itemId: string };

/** Streams an export to the client; a failure once bytes are sent can only cut the download short (and is logged). */
function sendDownload(request: FastifyRequest, reply: FastifyReply, type: string, filename: string, write: (out: Writable) => Promise<unknown>) {
  const body = new PassThrough();
  write(body).then(
    () => body.end(),
    (error: unknown) => {
      request.log.error({ err: error }, 'export failed while streaming');
      body.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  );
  return reply.type(type).header('content-disposition', `attachment; filename="${filename}"`).send(body);
}

/**
 * Backups of an identity: start one (`POST /api/identities/:id/backups`, operators), and browse what is stored
 * (snapshots, their items, an item's detail, diffs and downloads; any account).
 */
export const backupRoutes: FastifyPluginAsync<BackupRoutesDeps> = async (app, { snapshots, operations }) => {
  app.post<{ Params: { id: string }; Body: BackupRequest | undefined }>(
    '/api/identities/:id/backups',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['backups'],
        operationId: 'startBackup',
        summary: 'Back up the identity\'s organization (everything, or a selection); answers the operation to follow',
        params: identityParams,
        body: BACKUP_REQUEST_SCHEMA,
        response: { 202: operationStartedSchema }
      }
    },
    async (request, reply) => {
      const operation = await operations.start('backup', request.params.id, request.body ?? {}, actorOf(request));
      return reply.code(202).send({ operationId: operation.id, operation });
    }
  );

  app.get<{ Params: { id: string } }>(
    '/api/identities/:id/snapshots',
    { schema: { tags: ['backups'], operationId: 'listSnapshots', summary: 'The identity\'s snapshots (backups), oldest first', params: identityParams, response: { 200: snapshotListSchema } } },
    async (request) =>
    snapshots.listSnapshots(request.params.id)
  );

  app.get<{ Params: { id: string }; Querystring: { from: string; to: string } }>(
    '/api/identities/:id/snapshots/diff',
    {
      schema: {
        tags: ['backups'],
        operationId: 'diffSnapshots',
        summary: 'What changed between two snapshots',
        response: { 200: snapshotDiffSchema },
        params: identityParams,
        querystring: { type: 'object', required: ['from', 'to'], additionalProperties: false, properties: { from: snapshotId, to: snapshotId } }
      }
    },
    async (request) => snapshots.diff(request.params.id, request.query.from, request.query.to)
  );

  snapshotContentRoutes(app, snapshots);
};

/** A snapshot's content: its detail, items, an item's detail and downloads. */
function snapshotContentRoutes(app: FastifyInstance, snapshots: SnapshotBrowser): void {
  app.get<{ Params: SnapshotParams }>(
    '/api/identities/:id/snapshots/:snapshotId',
    { schema: { tags: ['backups'], operationId: 'getSnapshot', summary: 'A snapshot with item counts per type and owner', params: snapshotParams, response: { 200: snapshotDetailSchema } } },
    async (request) =>
    snapshots.getSnapshot(request.params.id, request.params.snapshotId)
  );

  app.get<{ Params: SnapshotParams; Querystring: { q?: string; type?: string; owner?: string; status?: string; start: number; num: number } }>(
    '/api/identities/:id/snapshots/:snapshotId/items',
    {
      schema: {
        tags: ['backups'],
        operationId: 'listSnapshotItems',
        summary: 'A snapshot\'s items (search, filter, page)',
        response: { 200: snapshotItemPageSchema },
        params: snapshotParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 500 },
            type: { type: 'string', maxLength: 200 },
            owner: { type: 'string', maxLength: 200 },
            status: { type: 'string', enum: ['ok', 'skipped', 'failed'] },
            start: { type: 'integer', minimum: 1, default: 1 },
            num: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }
          }
        }
      }
    },
    async (request) => snapshots.listItems(request.params.id, request.params.snapshotId, request.query)
  );

  app.get<{ Params: ItemParams }>(
    '/api/identities/:id/snapshots/:snapshotId/items/:itemId',
    { schema: { tags: ['backups'], operationId: 'getSnapshotItem', summary: 'An item as stored in a snapshot: parts, layers, problems', params: itemParams, response: { 200: itemDetailSchema } } },
    async (request) =>
    snapshots.itemDetail(request.params.id, request.params.snapshotId, request.params.itemId)
  );

  app.get<{ Params: ItemParams }>(
    '/api/identities/:id/snapshots/:snapshotId/items/:itemId/export.zip',
    { schema: { tags: ['backups'], operationId: 'exportSnapshotItem', summary: 'Download a backed-up item as a ZIP', params: itemParams, response: { 200: zipResponse } } },
    async (request, reply) => {
      const { id: identityId, snapshotId: snapshot, itemId } = request.params;
      const download = await snapshots.itemZip(identityId, snapshot, itemId);
      return sendDownload(request, reply, 'application/zip', download.filename, download.write);
    }
  );

  app.get<{ Params: ItemParams & { layerId: string } }>(
    '/api/identities/:id/snapshots/:snapshotId/items/:itemId/layers/:layerId.geojson',
    {
      schema: {
        tags: ['backups'],
        operationId: 'exportSnapshotLayerGeoJSON',
        summary: 'Download a backed-up layer\'s features as GeoJSON',
        params: { type: 'object', required: ['id', 'snapshotId', 'itemId', 'layerId'], properties: { id, snapshotId, itemId: id, layerId: { type: 'string', pattern: '^[0-9]{1,9}$' } } },
        response: { 200: geojsonResponse }
      }
    },
    async (request, reply) => {
      const { id: identityId, snapshotId: snapshot, itemId, layerId } = request.params;
      const download = await snapshots.layerGeoJSON(identityId, snapshot, itemId, Number(layerId));
      return sendDownload(request, reply, 'application/geo+json', download.filename, download.write);
    }
  );
}
