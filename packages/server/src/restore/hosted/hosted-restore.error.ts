/**
 * Why a hosted-service restore could not finish. Thrown after the work that could be done is done (a feature that
 * ArcGIS refuses does not stop the other features), so the service is as close to the snapshot as ArcGIS allows and
 * running the restore again retries only what is still missing.
 */
export type HostedRestoreErrorCode =
  /** The snapshot has no usable service part for this item (not a hosted service, or its backup failed). */
  | 'not_in_snapshot'
  /** ArcGIS refused some features or attachments; `details` lists them. */
  | 'edits_rejected'
  /** createService did not give a service (name clash that cannot be resolved, or an unexpected answer). */
  | 'create_failed'
  /** The resume state given is not one this module wrote. */
  | 'bad_resume_state'
  /** A view's source is neither restored by this run nor in the organization, or the view is of a kind OrgKeeper cannot make. */
  | 'view_source_missing';

export class HostedRestoreError extends Error {
  readonly code: HostedRestoreErrorCode;
  /** One line per rejected edit, at most a few hundred. */
  readonly details: string[];
  /** The service the restore created or worked on, when there is one (set even when some edits failed). */
  service?: { itemId?: string; serviceUrl: string };

  constructor(code: HostedRestoreErrorCode, message: string, options: { details?: string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HostedRestoreError';
    this.code = code;
    this.details = options.details ?? [];
  }
}
