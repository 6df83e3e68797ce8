/** The portal half of OrgKeeper's ArcGIS catalogue (see ../README.md). */
export * from './add-item.js';
export * from './group-members.js';
export * from './groups.js';
export * from './item-ownership.js';
export * from './item-relationships.js';
export * from './item-resources.js';
export * from './item-sharing.js';
export * from './item.js';
export * from './listed-sizes.js';
export * from './org-enumerator.js';
export * from './paging.js';
export * from './portal-request.js';
export * from './portal-self.js';
export * from './recycle-bin.js';
export * from './search.js';
export * from './user-content.js';
export * from './users.js';
