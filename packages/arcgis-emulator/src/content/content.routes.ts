import { type EmulatorContext } from '../context.js';
import { type Router } from '../router.js';
import { registerFolderRoutes } from './folders.routes.js';
import { registerItemWriteRoutes } from './item-writes.routes.js';
import { registerItemReadRoutes } from './items.routes.js';
import { registerRecycleBinRoutes } from './recycle-bin.routes.js';
import { registerResourceRoutes } from './resources.routes.js';
import { registerSharingRoutes } from './sharing.routes.js';

/** Portal content: items, their data, resources, info files, sharing, relationships, users' folders and the recycle bin. */
export function registerContentRoutes(router: Router, emu: EmulatorContext): void {
  registerItemReadRoutes(router, emu);
  registerItemWriteRoutes(router, emu);
  registerResourceRoutes(router, emu);
  registerSharingRoutes(router, emu);
  registerFolderRoutes(router, emu);
  registerRecycleBinRoutes(router, emu);
}
