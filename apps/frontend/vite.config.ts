import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The Class Assist server, which `npm run dev` at the root starts on port 4000. */
const backend = process.env.CLASS_ASSIST_BACKEND ?? 'http://localhost:4000';
const proxied = ['/api', '/chatkit', '/dev', '/lti', '/mcp', '/docs', '/healthz'];

export default defineConfig({
  plugins: [react()],
  // The workspace packages from their TypeScript sources (tsconfig `paths`); their `exports` name the built JS.
  resolve: { tsconfigPaths: true },
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    port: 5173,
    strictPort: true,
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: backend, changeOrigin: false }])),
  },
});
