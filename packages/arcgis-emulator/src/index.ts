export { startEmulator, type EmulatorHandle } from './server.js';
export { type EmulatorOptions } from './options.js';
export { type FaultSettings, FaultController } from './faults/fault-controller.js';
export { RequestLog, type RequestLogEntry } from './faults/request-log.js';
export { ArcGISError } from './errors.js';
export { ADMIN_USERNAME, ADMIN_PASSWORD } from './seed/base.js';
export {
  DEMO_EXPECTATIONS,
  DEMO_KEYS,
  DEMO_SERVICE_NAMES,
  DEMO_USERS,
  demoExpectations,
  demoPassword,
  surveyServiceName,
  type DemoExpectations,
  type DemoKey
} from './seed/demo-expectations.js';
export { DEMO_ITEM_TYPE_KEYS, DEMO_ITEM_TYPE_SERVICE_NAMES, demoItemTypeExpectations, type DemoItemTypeExpectations, type DemoItemTypeKey } from './seed/demo-item-types-expectations.js';
export { scalePlan, type ScalePlan } from './seed/scale.js';
export { type RequestLogSnapshot } from './faults/request-log.js';
export type { EmulatorContext, EmulatorUrls } from './context.js';
export type * from './state/types.js';
export { createHostedService, deleteHostedServiceForItem, serviceUrl } from './features/hosted-service.factory.js';
export { createHostedView, type HostedViewSpec, type ViewLayerSpec } from './features/hosted-view.factory.js';
export { RELATIONSHIP_TYPES, type RelationshipType } from './content/relationship-types.js';
export type { HostedServiceSpec, LayerSpec, FieldSpec, LazyFeatures, LazyAttachments, AttachmentSpec, ViewLayerSource } from './features/types.js';
