/**
 * MCP transport: the nine functions as tools over Streamable HTTP at /mcp (stateless: a fresh server per request),
 * authorised by the AgentKit secret. Tool input schemas are the specification's parameter schemas. A call that fails
 * (bad arguments, unknown tool, 501) is an MCP error result (`isError: true`) carrying the same JSON as HTTP.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SERVICE_ACTOR } from '../domain/actor.js';
import { AppError } from '../errors.js';
import type { FunctionOutcome, FunctionRegistry } from '../functions/registry.js';
import { requireBearer } from '../http/auth.js';
import { MAX_BODY_BYTES } from '../http/error-handler.js';

/** Exports larger than this are cut in MCP results (agents get a summary; the HTTP endpoint streams everything). */
const MAX_TOOL_TEXT = 1024 * 1024;

export function mcpRoutes(registry: FunctionRegistry, secret: string, version: string) {
  const checkBearer = requireBearer(secret);
  return async (app: FastifyInstance) => {
    const handle = async (request: FastifyRequest, reply: FastifyReply) => {
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

function createServer(registry: FunctionRegistry, version: string, log: FastifyBaseLogger): Server {
  const server = new Server({ name: 'class-assist', version }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: registry.definitions.map((fn) => ({
      name: fn.name,
      description: fn.description,
      inputSchema: fn.parameters,
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    try {
      const outcome = await registry.invoke(request.params.name, SERVICE_ACTOR, request.params.arguments ?? {});
      return await toToolResult(outcome);
    } catch (err) {
      if (!(err instanceof AppError)) log.error({ err }, 'MCP tool call failed');
      const body = err instanceof AppError ? err.toJSON() : { error: 'internal', message: 'Internal error' };
      return { isError: true, content: [{ type: 'text', text: JSON.stringify(body) }] };
    }
  });
  return server;
}

async function toToolResult(outcome: FunctionOutcome): Promise<CallToolResult> {
  if (outcome.kind === 'json') {
    return {
      content: [{ type: 'text', text: JSON.stringify(outcome.body) }],
      structuredContent: outcome.body as Record<string, unknown>,
    };
  }
  const { stream } = outcome;
  let text = '';
  let truncated = false;
  try {
    for await (const chunk of stream.chunks) {
      if (text.length + chunk.length > MAX_TOOL_TEXT) {
        truncated = true;
        break;
      }
      text += chunk;
    }
  } finally {
    await stream.close();
  }
  const content: CallToolResult['content'] = [{ type: 'text', text }];
  if (truncated) {
    content.push({
      type: 'text',
      text: `The export is larger than ${MAX_TOOL_TEXT / 1024} KiB and was cut; POST /api/agentkit/export_confusion_data streams all of it.`,
    });
  }
  return { content };
}
