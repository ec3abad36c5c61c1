/**
 * Maps a concrete request path (`/api/rest/vr/v2/pairings/abc/replications/count?limit=5`) to the document's path
 * template. Literal segments win over parameters, segment by segment from the left, the way the gateway's router
 * prefers `/replications/count` over `/replications/{replication_id}`.
 */

/** Base path of the gateway: `/api/rest/vr/v1` or `/api/rest/vr/v2`. */
export const API_BASE_PATTERN = /^\/api\/rest\/vr\/(v1|v2)(?=\/|$)/;

export interface PathMatch {
  pathTemplate: string;
  /** Path parameters by name, URL-decoded. */
  parameters: Record<string, string>;
}

interface CompiledTemplate {
  template: string;
  segments: { literal?: string; parameter?: string }[];
}

/** Splits a request path into its API version (when the base is present) and the path below the base. */
export function splitApiPath(path: string): { apiVersion?: 'v1' | 'v2'; relativePath: string } {
  let pathOnly = path;
  if (/^https?:\/\//i.test(pathOnly)) pathOnly = new URL(pathOnly).pathname;
  pathOnly = pathOnly.split(/[?#]/, 1)[0] ?? '';
  const base = API_BASE_PATTERN.exec(pathOnly);
  const relativePath = base ? pathOnly.slice(base[0].length) : pathOnly;
  const trimmed = relativePath.length > 1 ? relativePath.replace(/\/+$/, '') : relativePath;
  const apiVersion = base?.[1] as 'v1' | 'v2' | undefined;
  return { ...(apiVersion ? { apiVersion } : {}), relativePath: trimmed || '/' };
}

export class PathMatcher {
  private readonly templates: CompiledTemplate[];

  constructor(templates: Iterable<string>) {
    this.templates = [...templates].map((template) => ({
      template,
      segments: splitSegments(template).map((segment) => {
        const parameter = /^\{([^}]+)\}$/.exec(segment)?.[1];
        return parameter ? { parameter } : { literal: segment };
      }),
    }));
  }

  /** The most specific template matching the path (below the base), or undefined. */
  match(relativePath: string): PathMatch | undefined {
    const segments = splitSegments(relativePath);
    let best: { compiled: CompiledTemplate; parameters: Record<string, string> } | undefined;
    for (const compiled of this.templates) {
      const parameters = matchSegments(compiled, segments);
      if (!parameters) continue;
      if (!best || isMoreSpecific(compiled, best.compiled)) best = { compiled, parameters };
    }
    return best ? { pathTemplate: best.compiled.template, parameters: best.parameters } : undefined;
  }
}

function splitSegments(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

function matchSegments(compiled: CompiledTemplate, segments: string[]): Record<string, string> | undefined {
  if (compiled.segments.length !== segments.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, part] of compiled.segments.entries()) {
    const actual = segments[index] ?? '';
    if (part.literal !== undefined) {
      if (part.literal !== actual) return undefined;
    } else if (part.parameter !== undefined) {
      parameters[part.parameter] = safeDecode(actual);
    }
  }
  return parameters;
}

/** The first segment where one template is literal and the other a parameter decides. */
function isMoreSpecific(candidate: CompiledTemplate, current: CompiledTemplate): boolean {
  for (const [index, part] of candidate.segments.entries()) {
    const other = current.segments[index];
    const candidateLiteral = part.literal !== undefined;
    const otherLiteral = other?.literal !== undefined;
    if (candidateLiteral !== otherLiteral) return candidateLiteral;
  }
  return false;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
