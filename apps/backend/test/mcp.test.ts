/**
 * The nine functions as MCP tools at /mcp, driven by the MCP SDK's own client over a real socket: the same schemas,
 * answers and errors as the HTTP transport, behind the same secret.
 */
import type { AddressInfo } from 'node:net';
import { FUNCTION_NAMES } from '@class-assist/contracts';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_SECRET, type TestApp, uniqueId } from './helpers/app.js';
import { specFunctionDefinitions } from './helpers/spec.js';

const NOW = new Date('2026-11-25T15:00:00.000Z');

let t: TestApp;
let url: URL;
let client: Client;

function connectClient(headers: Record<string, string>): { client: Client; connected: Promise<void> } {
  const c = new Client({ name: 'class-assist-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  return { client: c, connected: c.connect(transport) };
}

beforeAll(async () => {
  t = await buildTestApp();
  t.clock.set(NOW);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  url = new URL(`http://127.0.0.1:${port}/mcp`);
  const connection = connectClient({ Authorization: `Bearer ${TEST_SECRET}` });
  await connection.connected;
  client = connection.client;
});
afterAll(async () => {
  await client?.close();
  await t.close();
});

/** The text of a tool result's first content item, parsed as JSON. */
function firstJson(result: CallToolResult): Record<string, unknown> {
  const item = result.content[0];
  if (item?.type !== 'text') throw new Error(`expected text content, got ${JSON.stringify(result.content)}`);
  return JSON.parse(item.text);
}

async function callTool(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

describe('tools/list', () => {
  it('lists the nine functions with the specification’s parameters as input schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toStrictEqual([...FUNCTION_NAMES]);
    const spec = specFunctionDefinitions().functions;
    expect(tools).toHaveLength(spec.length);
    for (const definition of spec) {
      const tool = tools.find((candidate) => candidate.name === definition.name);
      expect(tool, definition.name).toBeDefined();
      expect(tool?.description).toBe(definition.description);
      expect(tool?.inputSchema).toStrictEqual(definition.parameters);
    }
  });
});

describe('tools/call', () => {
  it('runs track_confusion and returns its answer as structured content', async () => {
    const course = uniqueId('mcp');
    const result = await callTool('track_confusion', { user_id: 'ada', course_id: course, slide_id: 'slide-1' });
    expect(result.isError).toBeFalsy();
    const expected = {
      success: true,
      threshold_exceeded: false,
      current_percentage: 100, // the only active student is confused
      confused_students: 1,
      active_students: 1,
      duplicate: false,
    };
    expect(result.structuredContent).toStrictEqual(expected);
    expect(firstJson(result)).toStrictEqual(expected);

    // It really was recorded: the same ping again is a duplicate, and the event is in the database.
    const again = await callTool('track_confusion', { user_id: 'ada', course_id: course, slide_id: 'slide-1' });
    expect(again.structuredContent).toMatchObject({ duplicate: true });
    const { rows } = await t.pool.query('SELECT user_id, slide_id FROM confusion_events WHERE course_id = $1', [
      course,
    ]);
    expect(rows).toStrictEqual([{ user_id: 'ada', slide_id: 'slide-1' }]);
  });

  it('answers bad arguments with an error result carrying the validation message of HTTP', async () => {
    const args = { course_id: uniqueId('mcp'), slide_id: 42 };
    const result = await callTool('track_confusion', args);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    const body = firstJson(result);
    expect(body.error).toBe('validation_failed');
    expect(body.message).toContain('user_id');
    expect(body.details).toEqual(
      expect.arrayContaining([
        { path: 'user_id', message: 'is required' },
        { path: 'slide_id', message: 'must be a string' },
      ]),
    );
    const http = await t.call('track_confusion', args);
    expect(http.statusCode).toBe(400);
    expect(body).toStrictEqual(http.json());
  });

  it('answers a call the course cannot run (no LMS connection) with an error result carrying the 409 message', async () => {
    const args = { course_id: uniqueId('mcp'), recipient_filter: 'all_students', message: 'Office hours at 3pm.' };
    const result = await callTool('notify_students_via_lms', args);
    expect(result.isError).toBe(true);
    const http = await t.call('notify_students_via_lms', args);
    expect(http.statusCode).toBe(409);
    expect(firstJson(result)).toStrictEqual(http.json());
    expect(firstJson(result).error).toBe('conflict');
  });

  it('answers an unknown tool with an error result (not a protocol error)', async () => {
    const result = await callTool('no_such_tool', { course_id: 'x' });
    expect(result.isError).toBe(true);
    const body = firstJson(result);
    expect(body.error).toBe('unknown_function');
    expect(body.message).toContain('no_such_tool');
  });

  it('returns export_confusion_data as the CSV text', async () => {
    const course = uniqueId('mcp-export');
    const users = ['u1', 'u2', 'u3'];
    for (const user of users) {
      const ping = await callTool('track_confusion', { user_id: user, course_id: course, slide_id: 'slide-2' });
      expect(ping.isError).toBeFalsy();
    }
    const result = await callTool('export_confusion_data', { course_id: course, format: 'csv' });
    expect(result.isError).toBeFalsy();
    expect(result.content).toHaveLength(1);
    const item = result.content[0];
    if (item?.type !== 'text') throw new Error('expected text');
    const records: string[][] = parse(item.text);
    expect(records[0]).toStrictEqual(['event_id', 'course_id', 'slide_id', 'user_id', 'timestamp']);
    expect(records.slice(1).map((row) => [row[1], row[2], row[3], row[4]])).toStrictEqual(
      users.map((user) => [course, 'slide-2', user, NOW.toISOString()]),
    );
    // The same document as the HTTP download.
    const http = await t.call('export_confusion_data', { course_id: course, format: 'csv' });
    expect(item.text).toBe(http.body);
  });
});

describe('authorisation', () => {
  it.each([
    ['without a secret', {}],
    ['with a wrong secret', { Authorization: 'Bearer not-the-secret' }],
  ])('refuses to connect %s (401)', async (_what, headers: Record<string, string>) => {
    const { client: stranger, connected } = connectClient(headers);
    const error = await connected.then(
      () => undefined,
      (err: unknown) => err,
    );
    await stranger.close();
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect((error as StreamableHTTPError).code).toBe(401);
    expect((error as Error).message).toContain('AGENTKIT_SECRET');
  });
});
