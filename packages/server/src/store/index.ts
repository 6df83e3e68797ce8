/**
 * The backup store: public API. Everything the backup engine, CLI and API need is exported here; import from this
 * file, not from the modules behind it. On-disk format: README.md in this folder.
 */
export { type StoreErrorCode, StoreError, isStoreError } from './store-error.js';
export { BLOB_HASH, isBlobHash, assertBlobHash, sha256Hex } from './hash.js';
export { safeRelativePath, safeFileName, isSafeRelativePath } from './safe-path.js';
export { SNAPSHOT_ID, newSnapshotId, isSnapshotId, assertSnapshotId, snapshotIdTime } from './snapshot-id.js';

export type { BlobStore, BlobInfo, PutOptions, PutResult, VerifyResult } from './blob-store/blob-store.js';
export { DEFAULT_COMPRESSION_LEVEL } from './blob-store/blob-store.js';
export { DiskBlobStore } from './blob-store/disk/disk-blob-store.js';
export { MemoryBlobStore } from './blob-store/memory/memory-blob-store.js';
export { type BlobCodec, PLAIN_CODEC } from './blob-store/blob-codec.js';
export type { StoreBackend, StoreBackendKind, ObjectInfo, StoredObject } from './backend/store-backend.js';
export { DiskStoreBackend, type StorePaths } from './backend/disk/disk-store-backend.js';
export { openBackend } from './backend/open-backend.js';
export { type KeySource, type KeySummary, type ScryptParams, DEFAULT_SCRYPT, serverKeyId } from './encryption/store-keys.js';
export { listStoreKeys, addStoreKey, removeStoreKey } from './encryption/key-management.js';
export { probeBackend, type ProbeResult, type ProbeStep } from './backend/probe.js';
export { type StoreLocation, type StoreLocationInput, type S3Location, type AzureLocation, type FolderLocation, parseStoreLocation, formatStoreLocation, isObjectStorageLocation, validateLocation, accountNameOf } from './backend/store-location.js';
export { FaultyBlobStore, type FaultSpec, type BlobStoreMethod } from './blob-store/faulty/faulty-blob-store.js';

export {
  Store,
  type StoreConfig,
  type StoreOrg,
  type StoreOptions,
  type SnapshotListing,
  type UnreadableSnapshot,
  type InitStoreOptions,
  STORE_FORMAT,
  STORE_VERSION,
  PLAIN_STORE_VERSION,
  ENCRYPTED_STORE_VERSION,
  initStore,
  openStore
} from './store.js';
export {
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  type SnapshotManifest,
  type SnapshotCounts,
  type BlobRef,
  type EntryStatus,
  type PartProblem,
  type ItemEntry,
  type DataPart,
  type FilePart,
  type ResourceEntry,
  type SharingEntry,
  type RelatedItemEntry,
  type NeededBy,
  type HostedServiceEntry,
  type ViewEntry,
  type ViewLayerEntry,
  type ExternalReference,
  type LayerEntry,
  type FeatureChunk,
  type AttachmentEntry,
  type GroupEntry,
  type UserEntry,
  type EntryStats,
  type ListKind,
  type ListEntryOf,
  validateManifest,
  itemEntryProblems
} from './manifest.js';
export {
  DEFAULT_PAGE_SIZE,
  type BlobOwner,
  type WalkEvent,
  type WrittenList,
  writeList,
  readList,
  readListPage,
  writeAttachmentList,
  readAttachmentList,
  walkSnapshot,
  referencedBlobs,
  describeOwner
} from './manifest-walk.js';
export { pinSnapshots, listPins, pinnedSnapshots, clearStalePins, describePin, SnapshotPin, type PinInfo, type PinState, type PinOptions, PIN_FORMAT, PIN_VERSION } from './pin.js';
export { acquireLock, readLock, StoreLock, type LockInfo, type LockKind, type LockState, type AcquireLockOptions, DEFAULT_STALE_AFTER_MS } from './lock.js';
export { JournalWriter, readJournal, listJournals, journalBlobs, discardJournal, type JournalHeader, type JournalUnit, type JournalContents, type JournalSummary, type JournalOptions } from './journal.js';
export { check, summarizeCheck, type CheckOptions, type CheckResult, type BlobProblem, type AffectedSnapshot, type UnreadableListProblem } from './check.js';
export { RETENTION_RULES, type RetentionRule, type RetentionKey } from './retention.types.js';
export { validatePolicy, parsePolicy, policyFromFlags, KEEP_FLAG_OPTIONS, MAX_KEEP } from './retention.js';
export { forget, applyPolicy, type ForgetPolicy, type ForgetOptions, type ForgetResult, type PolicyDecision, type SnapshotTime } from './forget.js';
export { prune, type PruneOptions, type PruneResult } from './prune.js';
export { copyStore, type CopyOptions, type CopyResult, type CopyProgress } from './copy.js';
export { diffSnapshots, changedItemParts, type SnapshotDiff, type ItemChange, type ItemSummary, type EntryDiff } from './diff.js';
