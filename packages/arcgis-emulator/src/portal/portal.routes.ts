import { type EmulatorContext } from '../context.js';
import { type Router } from '../router.js';

export function registerPortalRoutes(_router: Router, _emu: EmulatorContext): void {}
