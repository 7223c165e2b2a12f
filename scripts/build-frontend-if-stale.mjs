// Builds the page (apps/frontend → apps/frontend/dist) when the build is missing or older than its sources, so
// `npm start` always serves the current page and starts at once when nothing changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const frontend = path.join(root, 'apps', 'frontend');
const built = path.join(frontend, 'dist', 'index.html');

function newest(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(target).map((name) => newest(path.join(target, name))));
}

const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((name) =>
  newest(path.join(frontend, name)),
);
if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources)) process.exit(0);

console.log('Building the Class Assist page (apps/frontend)…');
const result = spawnSync('npm', ['run', 'build', '-w', 'apps/frontend'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
