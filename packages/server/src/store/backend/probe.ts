import { randomUUID } from 'node:crypto';
import { describeError } from '../store-error.js';
import type { StoreBackend } from './store-backend.js';

export interface ProbeStep {
  step: 'write' | 'read' | 'list' | 'conditional-create' | 'conditional-replace' | 'delete';
  ok: boolean;
  /** What went wrong and what to do, when not ok. */
  message?: string;
}

export interface ProbeResult {
  ok: boolean;
  steps: ProbeStep[];
}

const PROBE_PREFIX = 'orgkeeper-probe/';

/**
 * Check that OrgKeeper can use a location: write, read, list and delete a probe object, and that the service honours
 * conditional writes (a second exclusive create and a compare-and-swap on a stale version must both be refused),
 * without which two writers could both believe they hold the store's lock. Stops at the first failure. Leaves nothing
 * behind when it gets as far as the delete.
 */
export async function probeBackend(backend: StoreBackend): Promise<ProbeResult> {
  const key = `${PROBE_PREFIX}${randomUUID()}.json`;
  const steps: ProbeStep[] = [];
  const body = Buffer.from(JSON.stringify({ probe: 'orgkeeper', at: new Date().toISOString() }));
  const attempt = async (step: ProbeStep['step'], run: () => Promise<string | undefined>): Promise<boolean> => {
    try {
      const problem = await run();
      steps.push(problem === undefined ? { step, ok: true } : { step, ok: false, message: problem });
      return problem === undefined;
    } catch (error) {
      steps.push({ step, ok: false, message: describeError(error) });
      return false;
    }
  };
  let etag: string | undefined;
  try {
    if (!(await attempt('write', async () => ((etag = await backend.create(key, body)) === undefined ? `${backend.describeKey(key)} exists already.` : undefined)))) return done(steps);
    if (!(await attempt('read', async () => ((await backend.read(key))?.bytes.equals(body) ? undefined : `${backend.describeKey(key)} read back differently from what was written.`)))) return done(steps);
    if (
      !(await attempt('list', async () => {
        for await (const object of backend.list(PROBE_PREFIX)) if (object.key === key) return undefined;
        return `${backend.describeKey(key)} was written but is not listed: the service does not list what it stores at once, which OrgKeeper needs.`;
      }))
    ) {
      return done(steps);
    }
    const ignored = 'The storage service ignores conditional writes (If-None-Match / If-Match), so it cannot keep two OrgKeeper processes from writing the same store at once. Use a service that supports them (AWS S3, Azure Blob Storage, and current MinIO, Ceph and Cloudflare R2 do), or a folder.';
    if (!(await attempt('conditional-create', async () => ((await backend.create(key, Buffer.from('second'))) === undefined ? undefined : ignored)))) return done(steps);
    await attempt('conditional-replace', async () => {
      const current = await backend.read(key);
      if (current === undefined) return `${backend.describeKey(key)} vanished.`;
      const fresh = await backend.replace(key, Buffer.from('{"probe":"replaced"}'), current.etag);
      if (fresh === undefined) return 'A compare-and-swap on the current version was refused.';
      return (await backend.replace(key, Buffer.from('{"probe":"stale"}'), current.etag)) === undefined ? undefined : ignored;
    });
  } finally {
    if (etag !== undefined) await attempt('delete', async () => ((await backend.delete(key)) ? undefined : `${backend.describeKey(key)} could not be deleted.`));
  }
  return done(steps);
}

function done(steps: ProbeStep[]): ProbeResult {
  return { ok: steps.every((s) => s.ok), steps };
}
