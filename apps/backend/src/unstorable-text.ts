/**
 * Text PostgreSQL cannot store: a NUL character (text columns reject it) or an unpaired UTF-16 surrogate (jsonb
 * rejects it). Requests carrying it are refused (http/text-hygiene.ts); text extracted from files drops it.
 */

/** Matches one unstorable character: a NUL, a high surrogate without its low one, or a low one without its high. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this pattern exists to find.
export const UNSTORABLE_CHARACTER = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** `text` without its unstorable characters. */
export function withoutUnstorable(text: string): string {
  return text.replace(new RegExp(UNSTORABLE_CHARACTER.source, 'g'), '');
}
