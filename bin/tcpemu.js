#!/usr/bin/env node
// Entry point: TypeScript runs through tsx, so there is no build step.
import { register } from 'tsx/esm/api';
register();
await import('./tcpemu.ts');
