/**
 * RFC 8288 `Link` headers as LMSs send them for paging (NRPS, AGS, Canvas REST): several comma-separated links,
 * each `<url>` followed by `;`-separated parameters whose values may be quoted; `rel` may hold several
 * space-separated relation types, compared case-insensitively.
 */

export interface WebLink {
  url: string;
  rels: string[];
}

/** Every link of a `Link` header, in order; malformed entries are skipped. */
export function parseLinkHeader(header: string | null | undefined): WebLink[] {
  if (!header) return [];
  const links: WebLink[] = [];
  let i = 0;
  while (i < header.length) {
    const open = header.indexOf('<', i);
    if (open < 0) break;
    const close = header.indexOf('>', open + 1);
    if (close < 0) break;
    const url = header.slice(open + 1, close).trim();
    // The parameters run to the next comma outside quotes.
    let j = close + 1;
    let inQuotes = false;
    while (j < header.length) {
      const ch = header[j];
      if (ch === '\\' && inQuotes) j += 1;
      else if (ch === '"') inQuotes = !inQuotes;
      else if (ch === ',' && !inQuotes) break;
      j += 1;
    }
    const rels = relsOf(header.slice(close + 1, j));
    if (url) links.push({ url, rels });
    i = j + 1;
  }
  return links;
}

/** The URL of the first link with relation `rel` (e.g. `next`), resolved against `base`; undefined if none. */
export function findLink(header: string | null | undefined, rel: string, base: string): string | undefined {
  const wanted = rel.toLowerCase();
  const link = parseLinkHeader(header).find((l) => l.rels.includes(wanted));
  if (!link) return undefined;
  try {
    return new URL(link.url, base).toString();
  } catch {
    return undefined;
  }
}

function relsOf(params: string): string[] {
  for (const param of params.split(';')) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'rel') continue;
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    return value.toLowerCase().split(/\s+/).filter(Boolean);
  }
  return [];
}
