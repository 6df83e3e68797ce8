import { type EmulatorContext } from '../context.js';
import { type Router } from '../router.js';

export function registerFeatureServiceRoutes(_router: Router, _emu: EmulatorContext): void {}
