// Builds the page (apps/frontend → apps/frontend/dist) when the build is missing, older than its sources, or was
// not a production build, so `npm start` always serves the current production page and starts at once when nothing
// changed. The build runs with NODE_ENV=production whatever the caller's environment: Vitest sets NODE_ENV=test, and
// under it React's development runtime would be bundled (a jsx-dev-runtime chunk, half as large again).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const frontend = path.join(root, 'apps', 'frontend');
const built = path.join(frontend, 'dist', 'index.html');
/** Written after a build: the mode it was made in. */
const stamp = path.join(frontend, 'dist', 'build-mode.txt');
const MODE = 'production';

function newest(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(target).map((name) => newest(path.join(target, name))));
}

const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((name) =>
  newest(path.join(frontend, name)),
);
const current =
  existsSync(built) &&
  statSync(built).mtimeMs >= Math.max(...sources) &&
  existsSync(stamp) &&
  readFileSync(stamp, 'utf8').trim() === MODE;
if (current) process.exit(0);

console.log('Building the Class Assist page (apps/frontend)…');
const result = spawnSync('npm', ['run', 'build', '-w', 'apps/frontend'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: MODE },
});
if (result.status === 0) writeFileSync(stamp, `${MODE}\n`);
process.exit(result.status ?? 1);
