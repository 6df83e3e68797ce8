#!/usr/bin/env node
// Thin launcher: the emulator is written in TypeScript and compiled to dist/ by `npm run build`
// (the workspace's `prepare` step runs it after `npm ci`).
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`arcgis-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
