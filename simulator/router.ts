/** Route table matching by method + path template (`/pairings/{pairing_id}`), templates as in the OpenAPI document. */
import type { SimRequest, SimResponse } from './http-types';
import type { SimSession } from './sessions';
import type { SimulatorState } from './state';

export interface RouteContext {
  state: SimulatorState;
  request: SimRequest;
  /** Present on every route with `auth: 'session'`. */
  session: SimSession;
}

export interface Route {
  method: string;
  template: string;
  /** 'session' routes need a live x-dr-session; 'basic' routes do their own authentication. */
  auth: 'session' | 'basic';
  handler: (context: RouteContext) => SimResponse | Promise<SimResponse>;
}

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method-not-allowed'; template: string }
  | { kind: 'not-found' };

export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  const segments = path.split('/').filter((segment) => segment !== '');
  let templateForOtherMethod: string | undefined;
  for (const route of routes) {
    const templateSegments = route.template.split('/').filter((segment) => segment !== '');
    if (templateSegments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = templateSegments.every((templateSegment, index) => {
      const segment = segments[index] ?? '';
      if (templateSegment.startsWith('{') && templateSegment.endsWith('}')) {
        try {
          params[templateSegment.slice(1, -1)] = decodeURIComponent(segment);
        } catch {
          return false;
        }
        return segment !== '';
      }
      return templateSegment === segment;
    });
    if (!matches) continue;
    if (route.method !== method) {
      templateForOtherMethod ??= route.template;
      continue;
    }
    return { kind: 'found', route, params };
  }
  return templateForOtherMethod
    ? { kind: 'method-not-allowed', template: templateForOtherMethod }
    : { kind: 'not-found' };
}
