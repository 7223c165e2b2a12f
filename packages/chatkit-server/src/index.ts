/** A ChatKit protocol server in TypeScript: see server.ts for the entry point. */
export * from './errors.js';
export * from './requests.js';
export * from './server.js';
export * from './sse.js';
export * from './store.js';
export * from './types.js';
