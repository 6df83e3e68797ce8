/**
 * Issue 11, part 3: one regular expression must not stall the server. Text-search patterns run on RE2 (linear time)
 * in a worker thread: the patterns that took JavaScript's backtracking engine 14 s on a 28-character title complete and
 * find what they should, backreferences and lookaround are refused with a message, and an API request is answered
 * while a long scan of a large organization (the emulator's scale seed) is matching.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from './support/emulator-harness.js';
import type { ApiClient } from './support/server-harness.js';
import { startOrgFixture, waitForOperation, type OrgFixture } from './support/org-fixture.js';

interface Operation {
  id: string;
  status: string;
  message: string | null;
  progress: { phase?: string; done?: number; total?: number } | null;
  result: { scanId: string; findings: number } | null;
}
interface Scan {
  id: string;
  status: string;
  findings: number;
  summary: Record<string, unknown>;
}
interface FindingsPage {
  total: number;
  findings: { target: { id: string; title: string }; where: string; message: string; details: { match: string } }[];
}
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

const TEXT_ONLY = { inSummary: false, inDescription: false, inTags: false, inData: false, inFields: false };
const MATCHING_PHASE = 'searching titles, descriptions and tags';

describe('text search cannot stall the server (issue 11, part 3)', () => {
  let org: OrgFixture;
  let emu: EmulatorHandle;
  let operator: ApiClient;
  let viewer: ApiClient;
  const planted: Record<string, string> = {};
  const base = () => `/api/identities/${org.identityId}`;

  /** Gives the next CSV item of the scaled organization this title or description, as its owner could. */
  const plant = (name: string, fields: { title?: string; description?: string; created?: number }) => {
    const record = [...emu.context.state.items.values()].find((r) => r.json.orgId === emu.orgId && !Object.values(planted).includes(r.json.id) && r.json.type === 'CSV')!;
    Object.assign(record.json, fields);
    planted[name] = record.json.id;
  };

  async function startScan(options: Record<string, unknown>): Promise<string> {
    const started = await operator.post<{ operationId: string }>(`${base()}/scans`, { type: 'text-search', options });
    expect(started.status, started.text).toBe(202);
    return started.body.operationId;
  }
  async function finishedScan(operationId: string): Promise<Scan> {
    const op = await waitForOperation<Operation>(operator, operationId, { timeoutMs: 120_000 });
    expect(op.status, op.message ?? '').toBe('succeeded');
    return (await viewer.get<Scan>(`${base()}/scans/${op.result!.scanId}`)).body;
  }
  const findings = async (scanId: string, query = '') => (await viewer.get<FindingsPage>(`${base()}/scans/${scanId}/findings?num=1000${query}`)).body;

  beforeAll(async () => {
    org = await startOrgFixture({ identityName: 'Scaleton', emulator: { scale: 2 } });
    ({ emu, operator, viewer } = org);
    // Titles built to make backtracking engines explode on the two patterns of the report.
    plant('aTrigger', { title: `${'a'.repeat(28)}!` });
    plant('allA', { title: 'a'.repeat(28) });
    plant('xTrigger', { title: 'x'.repeat(28) });
    plant('withEquals', { title: `${'x'.repeat(27)}=1` });
    // A description at the length cap whose match takes RE2 seconds to locate (linear, but a large constant), on the
    // newest item: the scan reads items oldest first, so it is in the last batch the worker matches.
    const newest = Math.max(...[...emu.context.state.items.values()].map((r) => r.json.created));
    plant('heavy', { description: `${'a'.repeat(99_999)}q`, created: newest + 1000 });
    emu.context.state.touch();
  }, 180_000);

  afterAll(() => org?.close());

  it('runs (a|a)*$ over every title of the organization and finds each one, the 28-character trigger included', async () => {
    const scan = await finishedScan(await startScan({ text: '(a|a)*$', regex: true, ...TEXT_ONLY }));
    // The pattern matches any text (the empty match at its end): every item is found, none skipped.
    expect(scan.summary.itemsChecked as number).toBeGreaterThan(1000);
    expect(scan.summary.matches).toBe(scan.summary.itemsChecked);
    const trigger = await findings(scan.id, `&q=${'a'.repeat(28)}`);
    expect(trigger.findings.map((f) => f.target.id).sort()).toEqual([planted.aTrigger, planted.allA].sort());

    const anchored = await finishedScan(await startScan({ text: '^(a|a)*$', regex: true, ...TEXT_ONLY }));
    expect((await findings(anchored.id)).findings.map((f) => f.target.id)).toEqual([planted.allA]);
  });

  it('runs .*.*.*.*.*.*.*.*.*.*= and finds exactly the titles with an equals sign', async () => {
    const scan = await finishedScan(await startScan({ text: '.*.*.*.*.*.*.*.*.*.*=', regex: true, ...TEXT_ONLY }));
    const found = await findings(scan.id);
    const withEquals = [...emu.context.state.items.values()].filter((r) => r.json.orgId === emu.orgId && r.json.title.includes('=')).map((r) => r.json.id);
    expect(withEquals).toContain(planted.withEquals);
    expect(found.findings.map((f) => f.target.id).sort()).toEqual(withEquals.sort());
    expect(found.findings.find((f) => f.target.id === planted.withEquals)!.details.match).toBe(`${'x'.repeat(27)}=1`);
  });

  it('refuses backreferences and lookaround when the scan is asked for, saying they are not supported', async () => {
    for (const text of ['(a)\\1', 'x(?=y)', '(?<!y)x']) {
      const refused = await operator.post<ErrorBody>(`${base()}/scans`, { type: 'text-search', options: { text, regex: true } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.fields?.['options.text']).toMatch(/not support.*Backreferences \(\\1, \\k<name>\) and lookaround/);
    }
    const types = await viewer.get<{ scanTypes: { type: string; options: { name: string; description: string }[] }[] }>('/api/clean/scan-types');
    const regex = types.body.scanTypes.find((t) => t.type === 'text-search')!.options.find((o) => o.name === 'regex')!;
    expect(regex.description).toMatch(/RE2.*Not supported: backreferences.*lookaround/);
  });

  it('answers other requests while a long scan of a large organization is matching', async () => {
    const events: string[] = [];
    const operationId = await startScan({ text: '^(a|a)*$|[a-z]{1000}q', regex: true, inTitle: true, inDescription: true, inSummary: false, inTags: false, inData: false, inFields: false });
    // The scan has read the organization and is matching its texts in batches (in the worker); the heavy one is last.
    const matching = await waitForOperation<Operation>(operator, operationId, {
      until: (op) => op.status !== 'running' || (op.progress?.phase === MATCHING_PHASE && (op.progress.done ?? 0) < (op.progress.total ?? 0)),
      timeoutMs: 120_000
    });
    expect(matching.status).toBe('running');
    events.push('matching');
    const identities = await viewer.get<{ identities: unknown[] }>('/api/identities');
    expect(identities.status).toBe(200);
    events.push('other request answered');
    const during = (await operator.get<Operation>(`/api/operations/${operationId}`)).body;
    if (during.status === 'running') events.push('scan still running');
    const scan = await finishedScan(operationId);
    events.push('scan finished');
    expect(events).toEqual(['matching', 'other request answered', 'scan still running', 'scan finished']);
    const ids = (await findings(scan.id)).findings.map((f) => f.target.id).sort();
    expect(ids).toEqual([planted.allA, planted.heavy].sort());
  });
});
