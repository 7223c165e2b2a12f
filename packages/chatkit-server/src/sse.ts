/** Server-sent events framing of ChatKit: one `data: <json>` line and a blank line per event, no null fields. */

/** JSON without null or undefined object fields (recursively), as ChatKit sends it. */
export function toWireJson(value: unknown): string {
  return JSON.stringify(value, (_key, field) => {
    if (field && typeof field === 'object' && !Array.isArray(field)) {
      const kept: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(field)) if (v !== null && v !== undefined) kept[k] = v;
      return kept;
    }
    return field;
  });
}

export function encodeEvent(event: unknown): string {
  return `data: ${toWireJson(event)}\n\n`;
}
