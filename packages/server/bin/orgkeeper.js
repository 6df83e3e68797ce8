#!/usr/bin/env node
// Thin launcher: the server is written in TypeScript and compiled to dist/ by `npm run build`.
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`orgkeeper: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
);
