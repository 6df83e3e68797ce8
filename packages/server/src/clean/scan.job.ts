/**
 * The `scan` job: runs a clean scan of an identity's organization as an operation (progress, cancel). Params are
 * `{type, options}` as validated by validateScanRequest (what routes, the CLI and schedules pass to
 * `operations.start('scan', identityId, {type, options}, actor)`). The operation's result names the stored scan.
 *
 * Scans of the same identity and type do not run at the same time (key `scan:<identityId>:<type>`); a second one is
 * queued behind the first. A scan only reads the organization, so an interrupted scan is simply run again.
 */
import { AppError } from '../errors/app-error.js';
import type { IdentityRepository } from '../identities/index.js';
import { RUN_AGAIN, type JobHandler, type JobOutcome } from '../operations/job.types.js';
import type { CleanService } from './clean.service.js';
import { SCAN_TYPE_INFO, validateScanRequest } from './scan-options.js';

export interface ScanJobDeps {
  clean: CleanService;
  identities: IdentityRepository;
}

export function scanJob(deps: ScanJobDeps): JobHandler<'scan'> {
  return {
    kind: 'scan',
    whenBusy: 'queue',
    interrupted: RUN_AGAIN,
    exclusiveKey: (params, identityId) => (identityId ? `scan:${identityId}:${params.type}` : undefined),

    async validate(input, identityId) {
      if (!identityId) throw new AppError('bad_request', 'A scan needs an identity.');
      const clean = validateScanRequest(input);
      const row = await deps.identities.findById(identityId);
      if (!row) throw new AppError('not_found', 'There is no such identity; it may have been deleted.');
      if (!row.org_id) throw new AppError('needs_sign_in', `"${row.name}" has never connected, so its organization is not known yet. Connect it first, then scan it.`);
      return clean;
    },

    async run(ctx): Promise<JobOutcome> {
      const scan = await deps.clean.runScan(ctx.identityId!, ctx.params, {
        operationId: ctx.operationId,
        signal: ctx.signal,
        createdBy: ctx.startedBy,
        onProgress: (p) => ctx.progress(p)
      });
      const title = SCAN_TYPE_INFO[scan.type].title;
      return {
        status: 'succeeded',
        message: `${title} scan: ${scan.message ?? `${scan.findings} findings.`}`,
        result: { scanId: scan.id, type: scan.type, findings: scan.findings, allowlisted: scan.allowlisted, requests: scan.requests }
      };
    },

    describeFailure: (error) => `The scan failed: ${error instanceof Error ? error.message : String(error)}. Nothing was changed in the organization; run it again.`
  };
}
