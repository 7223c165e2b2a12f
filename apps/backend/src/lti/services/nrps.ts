/**
 * Names and Role Provisioning Services 2.0: the roster of a context (course), read page by page through the
 * `Link: <…>; rel="next"` headers, with each member checked; malformed members are skipped and reported.
 */
import { AppError } from '../../errors.js';
import { findLink } from './link-header.js';
import { serviceRequest } from './service-request.js';
import { NRPS_SCOPE, type ServiceDeps } from './types.js';

export const NRPS_MEDIA_TYPE = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';

/** Pages read at most: a platform whose `next` links never end is refused rather than followed forever. */
export const DEFAULT_MAX_PAGES = 100;

export type MemberStatus = 'Active' | 'Inactive' | 'Deleted';

export interface Member {
  user_id: string;
  roles: string[];
  status: MemberStatus;
  name?: string;
  given_name?: string;
  family_name?: string;
  email?: string;
  lis_person_sourcedid?: string;
}

export interface MembershipContext {
  id: string;
  label?: string;
  title?: string;
}

/** A member the platform sent that could not be read, and why. */
export interface SkippedMember {
  page: number;
  index: number;
  reason: string;
}

export interface Memberships {
  context: MembershipContext | undefined;
  members: Member[];
  skipped: SkippedMember[];
}

export interface FetchMembershipsOptions extends ServiceDeps {
  /** The `context_memberships_url` of the namesroleservice claim. */
  url: string;
  maxPages?: number;
}

const STATUSES = new Set<string>(['Active', 'Inactive', 'Deleted']);
const OPTIONAL_STRINGS = ['name', 'given_name', 'family_name', 'email', 'lis_person_sourcedid'] as const;

/** Every member of the context, across all pages (a user listed on two pages is kept once). */
export async function fetchMemberships(options: FetchMembershipsOptions): Promise<Memberships> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const members = new Map<string, Member>();
  const skipped: SkippedMember[] = [];
  const visited = new Set<string>();
  let context: MembershipContext | undefined;
  let url: string | undefined = options.url;
  let page = 0;
  while (url) {
    if (visited.has(url)) throw new AppError('bad_gateway', `The platform's membership pages loop back to ${url}`);
    if (page >= maxPages) {
      throw new AppError('bad_gateway', `The platform's membership list has more than ${maxPages} pages`);
    }
    visited.add(url);
    page += 1;
    const response = await serviceRequest(options, {
      what: 'the membership request',
      method: 'GET',
      url,
      scopes: [NRPS_SCOPE],
      accept: NRPS_MEDIA_TYPE,
    });
    const body = response.json as { context?: unknown; members?: unknown } | undefined;
    if (!body || typeof body !== 'object' || !Array.isArray(body.members)) {
      throw new AppError('bad_gateway', 'The platform answered the membership request without a members array');
    }
    context ??= readContext(body.context);
    body.members.forEach((raw, index) => {
      const member = readMember(raw);
      if (typeof member === 'string') skipped.push({ page, index, reason: member });
      else if (!members.has(member.user_id)) members.set(member.user_id, member);
    });
    url = findLink(response.headers.get('link'), 'next', url);
  }
  return { context, members: [...members.values()], skipped };
}

function readContext(raw: unknown): MembershipContext | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const { id, label, title } = raw as Record<string, unknown>;
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  return {
    id: String(id),
    ...(typeof label === 'string' ? { label } : {}),
    ...(typeof title === 'string' ? { title } : {}),
  };
}

/** The member, or why it cannot be read. */
function readMember(raw: unknown): Member | string {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'not an object';
  const record = raw as Record<string, unknown>;
  const userId = typeof record.user_id === 'number' ? String(record.user_id) : record.user_id;
  if (typeof userId !== 'string' || !userId.trim()) return 'user_id missing or not a string';
  const roles = record.roles ?? [];
  if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string')) return 'roles not an array of strings';
  const status = record.status ?? 'Active';
  if (typeof status !== 'string' || !STATUSES.has(status)) return `unknown status ${JSON.stringify(status)}`;
  const member: Member = { user_id: userId, roles: roles as string[], status: status as MemberStatus };
  for (const key of OPTIONAL_STRINGS) {
    const value = record[key];
    if (typeof value === 'string') member[key] = value;
  }
  return member;
}
