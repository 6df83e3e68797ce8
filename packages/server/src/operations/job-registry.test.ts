import { describe, expect, it } from 'vitest';
import { JOB_KINDS } from '../job-kinds.types.js';
import { JobRegistry } from './job-registry.js';
import { RUN_AGAIN, type JobHandler, type JobKind, type JobParamsByKind } from './job.types.js';

const handler = <K extends JobKind>(kind: K): JobHandler<K> => ({
  kind,
  interrupted: RUN_AGAIN,
  validate: (input) => input as JobParamsByKind[K],
  run: async () => ({ status: 'succeeded', message: 'Done.' })
});

describe('job registry', () => {
  it('holds one handler per kind and refuses a second one', () => {
    const registry = new JobRegistry();
    const check = handler('check');
    registry.register(check);
    expect(registry.get('check')).toBe(check);
    expect(registry.get('prune')).toBeUndefined();
    expect(() => registry.register(handler('check'))).toThrow('A job handler for "check" is already registered; each kind has exactly one.');
    expect(() => registry.require('prune')).toThrow(expect.objectContaining({ code: 'bad_request', message: 'This OrgKeeper cannot run "prune" operations.' }));
  });

  it('fails the start-up check naming every kind without a handler, and handlers of kinds not in the catalogue', () => {
    const registry = new JobRegistry();
    for (const kind of JOB_KINDS.filter((k) => k !== 'forget' && k !== 'undo')) registry.register(handler(kind));
    expect(() => registry.verify(JOB_KINDS)).toThrow(
      'The job handlers do not match the job kinds: no handler is registered for "forget", "undo". Each kind in job-kinds.types.ts needs exactly one handler, registered in services.ts.'
    );
    registry.register(handler('forget'));
    registry.register(handler('undo'));
    expect(() => registry.verify(JOB_KINDS)).not.toThrow();
    expect(() => registry.verify(JOB_KINDS.filter((k) => k !== 'scan'))).toThrow(/"scan" is not in the job catalogue/);
  });
});
