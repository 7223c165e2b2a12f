/**
 * Incremental parser for `text/event-stream` bodies. Chunks may split lines, `\r\n` pairs and UTF-8 sequences
 * anywhere; one chunk may hold many events. Only `data:` fields matter to ChatKit (no `event:` or `id:`), but other
 * fields and `:` comments are tolerated. Multi-line data is joined with `\n`, as the SSE standard says.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private pendingCr = false;

  constructor(private readonly onData: (data: string) => void) {}

  push(text: string): void {
    let input = text;
    // A chunk that ended with `\r` may continue with the `\n` of the same line break.
    if (this.pendingCr && input.startsWith('\n')) input = input.slice(1);
    this.pendingCr = input.endsWith('\r');
    this.buffer += input;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  /** The body ended: a last event without its blank line is still delivered. */
  end(): void {
    if (this.buffer) this.line(this.buffer);
    this.buffer = '';
    this.dispatch();
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
  }

  private dispatch(): void {
    if (this.data.length === 0) return;
    const data = this.data.join('\n');
    this.data = [];
    this.onData(data);
  }
}

/** Reads a fetch body as SSE and calls `onData` with each event's data. */
export async function readSse(body: ReadableStream<Uint8Array>, onData: (data: string) => void): Promise<void> {
  const parser = new SseParser(onData);
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
    parser.end();
  } finally {
    reader.releaseLock();
  }
}
