/**
 * Assignment and Grade Services 2.0: line items (list, create, find-or-create by resourceId/tag) and scores.
 * Line item URLs are opaque and may carry a query (Moodle: `…/lineitem?type_id=3`): the scores URL inserts
 * `/scores` into the path, before the query.
 */
import { AppError, type ErrorDetail, validationError } from '../../errors.js';
import { findLink } from './link-header.js';
import { serviceRequest } from './service-request.js';
import { AGS_SCOPES, type ServiceDeps } from './types.js';

export const LINE_ITEM_MEDIA_TYPE = 'application/vnd.ims.lis.v2.lineitem+json';
export const LINE_ITEM_CONTAINER_MEDIA_TYPE = 'application/vnd.ims.lis.v2.lineitemcontainer+json';
export const SCORE_MEDIA_TYPE = 'application/vnd.ims.lis.v1.score+json';

const MAX_PAGES = 100;

export interface LineItem {
  /** The line item's URL. */
  id: string;
  scoreMaximum: number;
  label: string;
  resourceId?: string;
  tag?: string;
  resourceLinkId?: string;
  startDateTime?: string;
  endDateTime?: string;
}

export interface NewLineItem {
  scoreMaximum: number;
  label: string;
  resourceId?: string;
  tag?: string;
  resourceLinkId?: string;
}

export interface LineItemFilter {
  resourceLinkId?: string;
  resourceId?: string;
  tag?: string;
}

export type ActivityProgress = 'Initialized' | 'Started' | 'InProgress' | 'Submitted' | 'Completed';
export type GradingProgress = 'FullyGraded' | 'Pending' | 'PendingManual' | 'Failed' | 'NotReady';

export interface Score {
  userId: string;
  scoreGiven: number;
  scoreMaximum: number;
  comment?: string;
  /** When the score was obtained: an ISO 8601 timestamp with time zone, or a Date. */
  timestamp: string | Date;
  activityProgress?: ActivityProgress;
  gradingProgress?: GradingProgress;
}

export interface AgsClientOptions extends ServiceDeps {
  /**
   * The scopes of the launch's AGS endpoint claim. When given, reads use `lineitem.readonly` only if the platform
   * offers it (else `lineitem`).
   */
  availableScopes?: string[];
}

export interface AgsClient {
  listLineItems(lineitemsUrl: string, filter?: LineItemFilter): Promise<LineItem[]>;
  createLineItem(lineitemsUrl: string, item: NewLineItem): Promise<LineItem>;
  /** The line item with the same resourceId and tag (at least one required), created if there is none. */
  findOrCreateLineItem(lineitemsUrl: string, item: NewLineItem): Promise<{ lineItem: LineItem; created: boolean }>;
  postScore(lineitemUrl: string, score: Score): Promise<void>;
}

export function createAgsClient(options: AgsClientOptions): AgsClient {
  const readScope =
    options.availableScopes && !options.availableScopes.includes(AGS_SCOPES.lineItemReadOnly)
      ? AGS_SCOPES.lineItem
      : AGS_SCOPES.lineItemReadOnly;
  // Concurrent find-or-create calls for the same item share one lookup, so they cannot create it twice.
  const findingOrCreating = new Map<string, Promise<{ lineItem: LineItem; created: boolean }>>();

  async function listLineItems(lineitemsUrl: string, filter: LineItemFilter = {}): Promise<LineItem[]> {
    const items: LineItem[] = [];
    const visited = new Set<string>();
    let url: string | undefined = withQuery(lineitemsUrl, {
      resource_link_id: filter.resourceLinkId,
      resource_id: filter.resourceId,
      tag: filter.tag,
    });
    while (url) {
      if (visited.has(url) || visited.size >= MAX_PAGES) {
        throw new AppError('bad_gateway', 'The platform’s line item pages loop or never end');
      }
      visited.add(url);
      const response = await serviceRequest(options, {
        what: 'the line item list request',
        method: 'GET',
        url,
        scopes: [readScope],
        accept: LINE_ITEM_CONTAINER_MEDIA_TYPE,
      });
      if (!Array.isArray(response.json)) {
        throw new AppError('bad_gateway', 'The platform answered the line item list request without an array');
      }
      for (const raw of response.json) {
        const item = readLineItem(raw);
        if (item) items.push(item);
      }
      url = findLink(response.headers.get('link'), 'next', url);
    }
    return items;
  }

  async function createLineItem(lineitemsUrl: string, item: NewLineItem): Promise<LineItem> {
    const body = checkNewLineItem(item);
    const response = await serviceRequest(options, {
      what: 'the line item creation',
      method: 'POST',
      url: lineitemsUrl,
      scopes: [AGS_SCOPES.lineItem],
      accept: LINE_ITEM_MEDIA_TYPE,
      contentType: LINE_ITEM_MEDIA_TYPE,
      body,
    });
    const created = readLineItem(response.json);
    if (!created) throw new AppError('bad_gateway', 'The platform answered the line item creation without a line item');
    return created;
  }

  async function findOrCreate(lineitemsUrl: string, item: NewLineItem) {
    if (!item.resourceId && !item.tag) {
      throw validationError(
        [{ path: 'resourceId', message: 'or tag is required to find a line item again' }],
        'line item',
      );
    }
    const existing = await listLineItems(lineitemsUrl, {
      resourceLinkId: item.resourceLinkId,
      resourceId: item.resourceId,
      tag: item.tag,
    });
    // Platforms may ignore the filters: match here too.
    const match = existing.find(
      (l) =>
        (item.resourceId === undefined || l.resourceId === item.resourceId) &&
        (item.tag === undefined || l.tag === item.tag) &&
        (item.resourceLinkId === undefined || l.resourceLinkId === item.resourceLinkId),
    );
    if (match) return { lineItem: match, created: false };
    return { lineItem: await createLineItem(lineitemsUrl, item), created: true };
  }

  return {
    listLineItems,
    createLineItem,
    findOrCreateLineItem(lineitemsUrl, item) {
      const key = JSON.stringify([lineitemsUrl, item.resourceId, item.tag, item.resourceLinkId]);
      let inFlight = findingOrCreating.get(key);
      if (!inFlight) {
        inFlight = findOrCreate(lineitemsUrl, item).finally(() => findingOrCreating.delete(key));
        findingOrCreating.set(key, inFlight);
      }
      return inFlight;
    },
    async postScore(lineitemUrl, score) {
      await serviceRequest(options, {
        what: 'the score',
        method: 'POST',
        url: scoresUrl(lineitemUrl),
        scopes: [AGS_SCOPES.score],
        accept: 'application/json',
        contentType: SCORE_MEDIA_TYPE,
        body: checkScore(score),
      });
    },
  };
}

/** `{lineitem}/scores`, with `/scores` in the path and the line item's query kept after it. */
export function scoresUrl(lineitemUrl: string): string {
  const url = parseUrl(lineitemUrl, 'lineitemUrl');
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/scores`;
  url.hash = '';
  return url.toString();
}

function withQuery(base: string, params: Record<string, string | undefined>): string {
  const url = parseUrl(base, 'lineitemsUrl');
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

function parseUrl(value: string, path: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  } catch {
    // Reported below.
  }
  throw validationError([{ path, message: 'must be an http(s) URL' }], 'AGS request');
}

function readLineItem(raw: unknown): LineItem | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const scoreMaximum = typeof r.scoreMaximum === 'string' ? Number(r.scoreMaximum) : r.scoreMaximum;
  if (typeof r.id !== 'string' || !r.id || typeof scoreMaximum !== 'number' || !Number.isFinite(scoreMaximum)) {
    return undefined;
  }
  const item: LineItem = { id: r.id, scoreMaximum, label: typeof r.label === 'string' ? r.label : '' };
  for (const key of ['resourceId', 'tag', 'resourceLinkId', 'startDateTime', 'endDateTime'] as const) {
    const value = r[key];
    if (typeof value === 'string' && value) item[key] = value;
  }
  return item;
}

function checkNewLineItem(item: NewLineItem): NewLineItem {
  const details: ErrorDetail[] = [];
  if (!(typeof item.scoreMaximum === 'number' && Number.isFinite(item.scoreMaximum) && item.scoreMaximum > 0)) {
    details.push({ path: 'scoreMaximum', message: 'must be a number above 0' });
  }
  if (typeof item.label !== 'string' || !item.label.trim()) details.push({ path: 'label', message: 'is required' });
  if (details.length > 0) throw validationError(details, 'line item');
  const body: NewLineItem = { scoreMaximum: item.scoreMaximum, label: item.label };
  if (item.resourceId) body.resourceId = item.resourceId;
  if (item.tag) body.tag = item.tag;
  if (item.resourceLinkId) body.resourceLinkId = item.resourceLinkId;
  return body;
}

function checkScore(score: Score): Record<string, unknown> {
  const details: ErrorDetail[] = [];
  if (typeof score.userId !== 'string' || !score.userId) details.push({ path: 'userId', message: 'is required' });
  if (!(typeof score.scoreGiven === 'number' && Number.isFinite(score.scoreGiven) && score.scoreGiven >= 0)) {
    details.push({ path: 'scoreGiven', message: 'must be a number of at least 0' });
  }
  if (!(typeof score.scoreMaximum === 'number' && Number.isFinite(score.scoreMaximum) && score.scoreMaximum > 0)) {
    details.push({ path: 'scoreMaximum', message: 'must be a number above 0' });
  }
  const timestamp = score.timestamp instanceof Date ? score.timestamp : new Date(score.timestamp);
  if (
    Number.isNaN(timestamp.getTime()) ||
    (typeof score.timestamp === 'string' && !/(Z|[+-]\d\d:?\d\d)$/i.test(score.timestamp))
  ) {
    details.push({ path: 'timestamp', message: 'must be an ISO 8601 timestamp with a time zone' });
  }
  if (details.length > 0) throw validationError(details, 'score');
  return {
    userId: score.userId,
    scoreGiven: score.scoreGiven,
    scoreMaximum: score.scoreMaximum,
    ...(score.comment ? { comment: score.comment } : {}),
    timestamp: typeof score.timestamp === 'string' ? score.timestamp : timestamp.toISOString(),
    activityProgress: score.activityProgress ?? 'Completed',
    gradingProgress: score.gradingProgress ?? 'FullyGraded',
  };
}
