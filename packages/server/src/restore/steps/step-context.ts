/**
 * What the restore engine gives a step of each kind (group, folder, item): the run's input, the id and URL maps
 * earlier steps filled, the step's row (saved as it goes, so a resumed run knows what it did), and small helpers the
 * step kinds share.
 */
import type { Store } from '../../store/index.js';
import type { RewriteMaps } from '../references.js';
import type { RestoreRunInput } from '../restore.engine.js';
import type { RestoreStepRow } from '../restore.repository.js';
import type { RestoreProgress } from '../restore.types.js';

export interface StepContext {
  input: RestoreRunInput;
  maps: { ids: Map<string, string>; urls: Map<string, string> };
  /** Target group ids by source group id. */
  groups: Map<string, string>;
  /** Target folder ids by `owner/title` (lower case). */
  folders: Map<string, string>;
  row: RestoreStepRow;
  /** An earlier run started this step and did not finish it: it may have created something already. */
  resumedStep: boolean;
  /** The run's progress so far (hosted steps add their feature and attachment counts). */
  progress: RestoreProgress;
  save: (changes: Partial<RestoreStepRow>) => Promise<void>;
}

/** What an item step saves in its row's `state` as it goes. */
export interface ItemStepState {
  createdId?: string;
  hosted?: unknown;
  layerUrls?: Record<string, string>;
}

export function parseState(text: string | null): ItemStepState {
  return text ? (JSON.parse(text) as ItemStepState) : {};
}

/** The URL rewrites a recreated hosted service makes: its service URL and each of its layers' URLs. */
export function mapServiceUrls(urls: Map<string, string>, oldUrl: string, newUrl: string, layerUrls: Record<string, string>): void {
  urls.set(oldUrl, newUrl);
  for (const [layerId, url] of Object.entries(layerUrls)) urls.set(`${oldUrl.replace(/\/+$/, '')}/${layerId}`, url);
}

export function rewriteMaps(ctx: StepContext): RewriteMaps {
  return { ids: ctx.maps.ids, urls: ctx.maps.urls };
}

export async function fileOf(store: Store, hash: string, name: string, type: string | undefined): Promise<File> {
  return fileFrom(await store.blobs.get(hash), name, type);
}

export function fileFrom(bytes: Buffer, name: string, type: string | undefined): File {
  return new File([new Uint8Array(bytes)], name, { type: type ?? 'application/octet-stream' });
}
