/** The feature-service half of OrgKeeper's ArcGIS catalogue (see ../README.md). */
export * from './ambiguous-write.js';
export * from './attachments.js';
export * from './extract-changes.js';
export * from './feature-attributes.js';
export * from './feature-service.types.js';
export * from './features.js';
export * from './service-admin.js';
export * from './service.js';
export * from './view-joins.js';
export * from './views.js';
