/**
 * The OpenAPI 3.1 description (`/api/openapi.json`) is generated from the routes' own schemas. It must describe every
 * API route the server registered (read from the server, not from a list kept here), each with its request and
 * response schemas, and a script must be able to work from it alone: the last test finds operations by operationId,
 * builds their URLs from the path templates, sends an API token, and checks each answer against the described schema.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrgFixture, TERMINAL_STATUSES, type OrgFixture } from './support/org-fixture.js';
import type { ApiClient, ApiResponse } from './support/server-harness.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Schema = Record<string, unknown>;
interface Operation {
  operationId?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  security?: unknown[];
  'x-orgkeeper-role'?: string;
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
}

/** Routes that are not operations of the API: the reference page's own files and the catch-all for unknown paths. */
const NOT_OPERATIONS = (url: string) => url === '/api' || url === '/api/*' || url === '/api/docs' || url.startsWith('/api/docs/');

/** Fastify's `/a/:id/b/:name.csv` as an OpenAPI path template `/a/{id}/b/{name}.csv`. */
const template = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('the OpenAPI description', () => {
  let org: OrgFixture;
  let description: OpenApi;
  let token: string;
  let script: ApiClient;

  beforeAll(async () => {
    org = await startOrgFixture();
    const created = await org.admin.post<{ token: string }>('/api/tokens', { name: 'openapi-script', role: 'operator' });
    token = created.body.token;
    script = org.server.tokenClient(token);
    description = (await script.get<OpenApi>('/api/openapi.json')).body;
  }, 60_000);
  afterAll(() => org?.close());

  it('is OpenAPI 3.1, served to a session or a token, never to someone not signed in', async () => {
    expect(description.openapi).toBe('3.1.0');
    expect(description.info.title).toBe('OrgKeeper REST API');
    expect(description.servers).toEqual([{ url: org.server.config.publicUrl }]);
    expect(description.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect((await org.server.client().get('/api/openapi.json')).status).toBe(401);
    expect((await org.server.client().get('/api/docs/json')).status).toBe(401);
    const viewer = await org.viewer.get<OpenApi>('/api/openapi.json');
    expect(viewer.status).toBe(200);
    expect(viewer.body.paths).toEqual(description.paths);
  });

  it('describes every API route the server registered, with its request and response schemas', () => {
    const registered = org.server.server.app.registeredRoutes.filter((r) => r.method !== 'HEAD' && (r.url === '/api' || r.url.startsWith('/api/')) && !NOT_OPERATIONS(r.url));
    expect(registered.length).toBeGreaterThan(60);
    const described = Object.entries(description.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(described.sort()).toEqual(registered.map((r) => `${r.method} ${template(r.url)}`).sort());

    const operationIds = new Set<string>();
    for (const route of registered) {
      const name = `${route.method} ${route.url}`;
      const operation = description.paths[template(route.url)]?.[route.method.toLowerCase()];
      expect(operation, name).toBeDefined();
      if (!operation) continue;
      expect(operation.operationId, `${name} has an operationId`).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(operationIds.has(operation.operationId!), `${name}: operationId ${operation.operationId} is unique`).toBe(false);
      operationIds.add(operation.operationId!);
      expect(operation.tags?.length, `${name} has a tag`).toBe(1);

      // Path parameters: every one in the template is described, with a schema.
      for (const param of [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1])) {
        const described = operation.parameters?.find((p) => p.in === 'path' && p.name === param);
        expect(described?.schema, `${name}: path parameter ${param}`).toBeDefined();
      }
      // A success answer with its schema (204 and redirects have none), and the error answer.
      const success = Object.entries(operation.responses).filter(([code]) => /^[23]\d\d$/.test(code));
      expect(success.length, `${name} describes its success answer`).toBeGreaterThan(0);
      for (const [code, response] of success) {
        if (code === '204' || code.startsWith('3')) continue;
        const schemas = Object.values(response.content ?? {}).map((c) => c.schema);
        expect(schemas.length, `${name} ${code} has a response schema`).toBeGreaterThan(0);
        for (const schema of schemas) expect(Object.keys(schema).length, `${name} ${code}: a schema that says something`).toBeGreaterThan(0);
      }
      expect(operation.responses.default?.content?.['application/json']?.schema, `${name}: the error answer`).toBeDefined();
      // State-changing routes that take a body describe it; public routes say they need no sign-in.
      if (operation.requestBody) expect(operation.requestBody.content['application/json']?.schema, `${name} body`).toBeDefined();
      if (route.public) expect(operation.security, name).toEqual([]);
      else expect(['viewer', 'operator', 'admin'], name).toContain(operation['x-orgkeeper-role']);
    }
    // A sample of what the routes declare.
    expect(description.paths['/api/identities/{id}/backups']?.post?.['x-orgkeeper-role']).toBe('operator');
    expect(description.paths['/api/tokens']?.post?.['x-orgkeeper-role']).toBe('admin');
    expect(description.paths['/api/settings/notifications/email/test']?.post?.requestBody?.required).toBe(false);
    expect(description.paths['/api/identities/{id}/backups']?.post?.requestBody?.content['application/json']?.schema).toMatchObject({
      properties: { name: { type: 'string' }, items: { type: 'array' } }
    });
  });

  it('serves the reference page and its files from OrgKeeper itself, under the same Content-Security-Policy', async () => {
    const page = await org.viewer.get<string>('/api/docs/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const sources = [...page.body.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) expect(source, 'no file from elsewhere').not.toMatch(/^(https?:)?\/\//);
    expect(page.body).not.toMatch(/<script>(?!\s*<\/script>)|<script\s*>[^<]/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|https?:/);
    for (const file of ['swagger-ui-bundle.js', 'swagger-initializer.js', 'swagger-ui.css']) {
      const res = await org.viewer.get(`/api/docs/static/${file}`);
      expect(res.status, file).toBe(200);
    }
    const initializer = (await org.viewer.get<string>('/api/docs/static/swagger-initializer.js')).body;
    expect(initializer).toContain("validatorUrl: null");
    expect((await org.server.client().get('/api/docs/')).status).toBe(401);
  });

  it('lets a script start a backup, follow it and list snapshots with a token, using only what the description says', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const find = (operationId: string) => {
      for (const [path, operations] of Object.entries(description.paths)) {
        for (const [method, operation] of Object.entries(operations)) if (operation.operationId === operationId) return { path, method, operation };
      }
      throw new Error(`No operation ${operationId} in the description`);
    };
    /** Calls an operation by its id and checks the answer against the schema the description gives for its status. */
    const call = async <T>(operationId: string, params: Record<string, string>, body?: unknown): Promise<ApiResponse<T>> => {
      const { path, method, operation } = find(operationId);
      const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
      for (const required of operation.parameters?.filter((p) => p.required) ?? []) expect(params[required.name], `${operationId} needs ${required.name}`).toBeDefined();
      const answer = await script.request<T>(method.toUpperCase(), new URL(description.servers[0]!.url + url).pathname, body === undefined ? {} : { body });
      const schema = operation.responses[String(answer.status)]?.content?.['application/json']?.schema;
      expect(schema, `${operationId} answered ${answer.status}, which the description does not list: ${answer.text}`).toBeDefined();
      const validate = ajv.compile(schema!);
      expect(validate(answer.body), `${operationId}: ${JSON.stringify(validate.errors)}`).toBe(true);
      return answer;
    };

    const identities = await call<{ identities: { id: string; name: string }[] }>('listIdentities', {});
    const identity = identities.body.identities.find((i) => i.name === 'Springfield');
    expect(identity).toBeDefined();

    const started = await call<{ operationId: string }>('startBackup', { id: identity!.id }, { name: 'Started from the description' });
    expect(started.status).toBe(202);

    let operation: { status: string; snapshotId: string | null } = { status: 'queued', snapshotId: null };
    for (let polls = 0; polls < 600 && !TERMINAL_STATUSES.includes(operation.status); polls++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      operation = (await call<typeof operation>('getOperation', { id: started.body.operationId })).body;
    }
    expect(operation.status).toBe('succeeded');

    const snapshots = await call<{ snapshots: { id: string; name: string; items: number }[] }>('listSnapshots', { id: identity!.id });
    const made = snapshots.body.snapshots.find((s) => s.id === operation.snapshotId);
    expect(made?.name).toBe('Started from the description');
    expect(made?.items).toBeGreaterThan(0);

    const items = await call<{ total: number }>('listSnapshotItems', { id: identity!.id, snapshotId: made!.id });
    expect(items.body.total).toBe(made!.items);

    // The audit log names the token that started it.
    const audit = await org.admin.get<{ events: { action: string; actor: { kind: string; name: string } }[] }>('/api/audit?limit=500');
    expect(audit.body.events.some((e) => e.actor.kind === 'token' && e.actor.name === 'openapi-script')).toBe(true);
  });
});
