/**
 * The MCP server of one request: the nine functions as tools, with the specification's parameter schemas as input
 * schemas. Loaded by mcp.routes.ts at the first MCP request (the SDK is large and many deployments never use MCP).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors.js';
import { isExportStream, SERVICE_ACTOR } from '../functions/function.js';
import type { FunctionRegistry } from '../functions/registry.js';

export { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** Exports larger than this are cut in MCP results (agents get a summary; the HTTP endpoint streams everything). */
const MAX_TOOL_TEXT = 1024 * 1024;

/** A fresh MCP server whose tools call `registry` as the service actor. */
export function createServer(registry: FunctionRegistry, version: string, log: FastifyBaseLogger): Server {
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
      const result = await registry.invokePublic(request.params.name, SERVICE_ACTOR, request.params.arguments ?? {});
      return await toToolResult(result);
    } catch (err) {
      if (!(err instanceof AppError)) log.error({ err }, 'MCP tool call failed');
      const body = err instanceof AppError ? err.toJSON() : { error: 'internal', message: 'Internal error' };
      return { isError: true, content: [{ type: 'text', text: JSON.stringify(body) }] };
    }
  });
  return server;
}

async function toToolResult(result: unknown): Promise<CallToolResult> {
  if (!isExportStream(result)) {
    return {
      content: [{ type: 'text', text: JSON.stringify(result) }],
      structuredContent: result as Record<string, unknown>,
    };
  }
  const stream = result;
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
