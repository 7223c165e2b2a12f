import { describe, expect, it } from 'vitest';
import { readSse, SseParser } from '../src/chatkit/sse';

function parse(chunks: string[]): string[] {
  const out: string[] = [];
  const parser = new SseParser((data) => out.push(data));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return out;
}

describe('SseParser', () => {
  const stream = 'data: {"a":1}\n\ndata: {"b":2}\n\n';

  it('reads several events from one chunk', () => {
    expect(parse([stream])).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('reads events split at every position', () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(parse([stream.slice(0, i), stream.slice(i)])).toEqual(['{"a":1}', '{"b":2}']);
    }
  });

  it('handles \\r\\n line breaks, even split between chunks', () => {
    const crlf = stream.replaceAll('\n', '\r\n');
    for (let i = 0; i <= crlf.length; i++) {
      expect(parse([crlf.slice(0, i), crlf.slice(i)])).toEqual(['{"a":1}', '{"b":2}']);
    }
  });

  it('joins multi-line data, ignores comments and other fields, and keeps a last event without its blank line', () => {
    expect(parse([': hi\nretry: 2000\nevent: x\ndata: one\ndata: two\n\ndata:three'])).toEqual(['one\ntwo', 'three']);
  });
});

describe('readSse', () => {
  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode('data: {"t":"é — ✓"}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const out: string[] = [];
    await readSse(body, (data) => out.push(data));
    expect(out).toEqual(['{"t":"é — ✓"}']);
  });
});
