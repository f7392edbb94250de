#!/usr/bin/env node
// The `trainyard` CLI (src/cli/): TypeScript run through tsx, like every entry point here.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
