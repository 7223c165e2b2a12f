// `npm run build` of a backend workspace (run by npm in its folder): compiles `src` to `dist` with
// `tsconfig.build.json`, then copies the files the code reads at run time beside it (SQL migrations, the demo lecture,
// anything in `src` that is not TypeScript), so `dist` is laid out like `src` and `import.meta.url` paths hold in both.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';

const workspace = process.cwd();
const src = path.join(workspace, 'src');
const dist = path.join(workspace, 'dist');

rmSync(dist, { recursive: true, force: true }); // no compiled leftovers of deleted sources
// npm puts node_modules/.bin on the PATH of a script.
const result = spawnSync('tsc', ['-p', 'tsconfig.build.json'], { cwd: workspace, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
cpSync(src, dist, { recursive: true, filter: (from) => !from.endsWith('.ts') });
console.log(`built ${path.relative(process.cwd(), dist) || 'dist'} of ${path.basename(workspace)}`);
