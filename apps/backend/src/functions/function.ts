/**
 * What a function of the registry is: a name, the schema its arguments are checked against, and the domain call it
 * makes. Public functions (the nine, and those added beside them) also carry the definition served to agents and are
 * reachable over HTTP and MCP; internal ones (the widget's quiz, slide, export-link and preview steps) are reached only
 * by the ChatKit adapter, for a member of a course.
 */
import type { FunctionDefinition, JsonSchema } from '@class-assist/contracts';
import type { Actor } from '../access/actor.js';
import type { DomainDeps } from '../domain/deps.js';
import type { ExportStream } from '../domain/export.service.js';

export type { Actor, MemberActor, Role } from '../access/actor.js';
export { memberActor, SERVICE_ACTOR } from '../access/actor.js';
export type { ExportStream } from '../domain/export.service.js';

/** What a transport knows of a call besides its arguments. */
export interface CallOptions {
  /** The caller's Idempotency-Key (HTTP header), or the widget's confirmation id: the same key, the same outcome. */
  idempotencyKey?: string;
}

export interface FunctionSpec<A, R> {
  name: string;
  /** The definition agents see; present exactly for the public functions. */
  definition?: FunctionDefinition;
  /** The schema the arguments must satisfy before `run` sees them (unknown parameters refused). */
  schema: JsonSchema;
  run(deps: DomainDeps, actor: Actor, args: A, options: CallOptions): Promise<R>;
}

/** Declares a function; the registry validates every call against `schema` before `run`. */
export function defineFunction<A, R>(spec: FunctionSpec<A, R>): FunctionSpec<A, R> {
  return spec;
}

/** True for a result that is a document streamed in chunks (exports) rather than a JSON value. */
export function isExportStream(value: unknown): value is ExportStream {
  return typeof value === 'object' && value !== null && 'chunks' in value && 'contentType' in value;
}
