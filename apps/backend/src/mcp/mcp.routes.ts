/**
 * MCP transport: the nine functions as tools (mcp-server.ts) over Streamable HTTP at /mcp (stateless: a fresh server
 * per request), authorised by the AgentKit secret. Tool input schemas are the specification's parameter schemas. A
 * call that fails (bad arguments, unknown tool, 501) is an MCP error result (`isError: true`) carrying the same JSON as
 * HTTP.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FunctionRegistry } from '../functions/registry.js';
import { requireBearer } from '../http/auth.js';
import { MAX_BODY_BYTES } from '../http/error-handler.js';

export function mcpRoutes(registry: FunctionRegistry, secret: string, version: string) {
  const checkBearer = requireBearer(secret);
  return async (app: FastifyInstance) => {
    // The MCP SDK is imported at the first MCP request, not at start.
    let sdk: Promise<typeof import('./mcp-server.js')> | undefined;
    const handle = async (request: FastifyRequest, reply: FastifyReply) => {
      sdk ??= import('./mcp-server.js');
      const { createServer, StreamableHTTPServerTransport } = await sdk;
      const server = createServer(registry, version, request.log);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      reply.hijack();
      reply.raw.once('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    };
    const options = { onRequest: [checkBearer], bodyLimit: MAX_BODY_BYTES, schema: { hide: true } };
    app.post('/mcp', options, handle);
    app.get('/mcp', options, handle);
    app.delete('/mcp', options, handle);
  };
}
