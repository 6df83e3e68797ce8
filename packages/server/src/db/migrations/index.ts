import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-identities.js';
import * as m0003 from './0003-operations.js';
import * as m0004 from './0004-restore.js';
import * as m0005 from './0005-jobs.js';
import * as m0006 from './0006-clean-scans.js';
import * as m0007 from './0007-clean-fixes.js';
import * as m0008 from './0008-workers.js';
import * as m0009 from './0009-store-locations.js';
import * as m0010 from './0010-api-tokens.js';
import * as m0011 from './0011-arcgis-sign-in.js';
import * as m0012 from './0012-webhooks-metrics.js';
import * as m0013 from './0013-snapshot-taken-along.js';

/**
 * Every migration, in order. Names sort in the order they must run; a new table (identities,
 * operations, the snapshot index, ...) is a new file here, never an edit of one that has shipped.
 */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-identities': m0002,
  '0003-operations': m0003,
  '0004-restore': m0004,
  '0005-jobs': m0005,
  '0006-clean-scans': m0006,
  '0007-clean-fixes': m0007,
  '0008-workers': m0008,
  '0009-store-locations': m0009,
  '0010-api-tokens': m0010,
  '0011-arcgis-sign-in': m0011,
  '0012-webhooks-metrics': m0012,
  '0013-snapshot-taken-along': m0013
};
