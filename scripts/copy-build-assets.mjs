// Copies what the compiled product reads at run time but tsc does not emit: the Sigma processing
// pipelines (src/detection/pipelines/*.yaml → dist/detection/pipelines/). Run by `npm run build`.
import { cpSync, statSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../src/detection/pipelines', import.meta.url));
const to = fileURLToPath(new URL('../dist/detection/pipelines', import.meta.url));
cpSync(from, to, { recursive: true, filter: (path) => statSync(path).isDirectory() || path.endsWith('.yaml') });
