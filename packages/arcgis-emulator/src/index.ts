export { startEmulator, type EmulatorHandle } from './server.js';
export { type EmulatorOptions } from './options.js';
export { type FaultSettings, FaultController } from './faults/fault-controller.js';
export { RequestLog, type RequestLogEntry } from './faults/request-log.js';
export { ArcGISError } from './errors.js';
export { ADMIN_USERNAME, ADMIN_PASSWORD } from './seed/base.js';
export type { EmulatorContext, EmulatorUrls } from './context.js';
export type * from './state/types.js';
