# Class Assist: `docker build -t class-assist .` then
#   docker run -p 4000:4000 -e DATABASE_URL=postgres://… -e AGENTKIT_SECRET=… -e SESSION_SECRET=… class-assist
# Without DATABASE_URL the embedded PostgreSQL keeps its data in the /data volume. See docs/deploy.md.

# Build: all dependencies (TypeScript, Vite), then `npm run build` (the page, the backend and its two packages).
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/chatkit-server/package.json packages/chatkit-server/
COPY apps/backend/package.json apps/backend/
COPY apps/frontend/package.json apps/frontend/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Run: the backend's production dependencies only (no TypeScript, Vite, React or test tools), the compiled code, the
# built page and the widget file the server renders.
FROM node:24-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/chatkit-server/package.json packages/chatkit-server/
COPY apps/backend/package.json apps/backend/
COPY apps/frontend/package.json apps/frontend/
RUN npm ci --omit=dev --workspace apps/backend --include-workspace-root=false --no-audit --no-fund \
  && npm cache clean --force
COPY --from=build /app/packages/contracts/dist packages/contracts/dist
COPY --from=build /app/packages/chatkit-server/dist packages/chatkit-server/dist
COPY --from=build /app/apps/backend/dist apps/backend/dist
COPY --from=build /app/apps/frontend/dist apps/frontend/dist
COPY apps/frontend/src/widgets/class-assist.widget apps/frontend/src/widgets/
# The image's non-root user owns /data, so the embedded PostgreSQL (which refuses root) runs as that user too.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node as PID 1 handles SIGTERM itself (graceful shutdown); `docker run --init` adds a reaper if wanted.
CMD ["node", "apps/backend/dist/main.js"]
