#!/usr/bin/env node
// The installed entry point runs the compiled CLI (`npm run build`, done by `npm ci` through `prepare`).
import '../dist/cli/main.js';
