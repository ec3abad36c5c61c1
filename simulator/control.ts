/**
 * The control API under /sim: statistics for tests, run-time changes to faults and limits, adding VMs, forcing
 * session expiry. No VR authentication and never rate limited; it does not exist on a real VRMS.
 */
import { z } from 'zod';
import { FaultConfig } from './faults';
import { badRequest, SimHttpError, type SimResponse } from './http-types';
import { addVm } from './inventory';
import { replicationView } from './replications';
import { SIM_SITES } from './sites';
import type { SimulatorState } from './state';

const LimitsBody = z
  .object({
    sessionIdleMs: z.number().int().min(1),
    sessionPoolSize: z.number().int().min(1),
    rateLimit: z
      .object({
        enabled: z.boolean(),
        perClientPerMinute: z.number().int().min(1),
        perSessionPerMinute: z.number().int().min(1),
        banMs: z.number().int().min(0),
        windowMs: z.number().int().min(1),
      })
      .partial(),
    taskDurations: z
      .object({ queuedMs: z.number().int().min(0), runningMs: z.number().int().min(0) })
      .partial(),
    initialSyncMs: z.number().int().min(0),
    clockSpeed: z.number().positive(),
    defaultPageSize: z.number().int().min(1),
  })
  .partial()
  .strict();

const AddVmsBody = z
  .object({
    count: z.number().int().min(1).max(100_000),
    namePrefix: z.string().min(1).optional(),
    site: z.enum(['protected', 'recovery']).optional(),
  })
  .strict();

const ExpireBody = z.object({ sessionId: z.string().optional() }).strict();
const ClockBody = z
  .object({ advanceMs: z.number().min(0).optional(), speed: z.number().positive().optional() })
  .strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`,
    );
    throw badRequest(`Invalid control request: ${issues.join('; ')}`, 'INVALID_CONTROL_REQUEST');
  }
  return result.data;
}

function limitsView(state: SimulatorState) {
  const { settings } = state;
  return {
    sessionIdleMs: settings.sessionIdleMs,
    sessionPoolSize: settings.sessionPoolSize,
    rateLimit: { ...settings.rateLimit },
    taskDurations: { ...settings.taskDurations },
    initialSyncMs: settings.initialSyncMs,
    clockSpeed: state.clock.clockSpeed,
    defaultPageSize: settings.defaultPageSize,
  };
}

function sessionsView(state: SimulatorState) {
  const sessions = state.sessions.active();
  return {
    count: sessions.length,
    usernames: sessions.map((session) => session.username),
    remoteLogins: sessions.reduce((sum, session) => sum + session.remote.size, 0),
    poolLoad: { protected: state.sessions.load('protected'), recovery: state.sessions.load('recovery') },
  };
}

const ok = (body: unknown): SimResponse => ({ status: 200, body });

/** Handles one /sim request; `path` is below /sim (e.g. `/stats`). */
export function handleControl(
  state: SimulatorState,
  method: string,
  path: string,
  body: unknown,
): SimResponse {
  const route = `${method} ${path.replace(/\/+$/, '') || '/'}`;
  switch (route) {
    case 'GET /health':
      return ok({ ok: true });
    case 'GET /info':
      return ok({
        seed: state.settings.seed,
        sites: Object.fromEntries(
          Object.entries(SIM_SITES).map(([key, site]) => [key, { ...site, password: undefined }]),
        ),
        pairings: {
          sitePairingId: state.sitePairing?.id ?? null,
          roboPairingId: state.roboPairing?.id ?? null,
        },
        vms: Object.fromEntries(
          [...state.inventory.vcenters.values()].map((vc) => [vc.site.key, vc.vms.length]),
        ),
        now: state.clock.now(),
      });
    case 'GET /stats': {
      const taskStatuses: Record<string, number> = {};
      for (const task of state.tasks.all()) {
        const status = state.tasks.view(task).status;
        taskStatuses[status] = (taskStatuses[status] ?? 0) + 1;
      }
      return ok({
        ...state.stats.toJSON(),
        activeSessions: sessionsView(state),
        faultsInjected: { ...state.faults.injected },
        tasks: taskStatuses,
        replications: state.replications.size,
      });
    }
    case 'GET /sessions':
      return ok(sessionsView(state));
    case 'POST /sessions/expire': {
      const { sessionId } = parse(ExpireBody, body);
      return ok({ expired: state.sessions.expire(sessionId) });
    }
    case 'GET /issued-session-ids':
      return ok({ sessionIds: [...state.sessions.issuedIds] });
    case 'GET /replications': {
      const now = state.clock.now();
      return ok({
        list: [...state.replications.values()].map((replication) => ({
          pairingId: replication.pairingId,
          ...replicationView(replication, state.inventory, now),
        })),
      });
    }
    case 'GET /tasks':
      return ok({ list: state.tasks.all().map((task) => state.tasks.view(task)) });
    case 'GET /faults':
      return ok(state.faults.current);
    case 'POST /faults':
      return ok(state.faults.set(parse(FaultConfig, body)));
    case 'GET /limits':
      return ok(limitsView(state));
    case 'POST /limits': {
      const limits = parse(LimitsBody, body);
      const { settings } = state;
      if (limits.sessionIdleMs !== undefined) settings.sessionIdleMs = limits.sessionIdleMs;
      if (limits.sessionPoolSize !== undefined) settings.sessionPoolSize = limits.sessionPoolSize;
      if (limits.rateLimit) {
        Object.assign(settings.rateLimit, limits.rateLimit);
        state.rateLimiter.reset();
      }
      if (limits.taskDurations) Object.assign(settings.taskDurations, limits.taskDurations);
      if (limits.initialSyncMs !== undefined) settings.initialSyncMs = limits.initialSyncMs;
      if (limits.clockSpeed !== undefined) state.clock.setSpeed(limits.clockSpeed);
      if (limits.defaultPageSize !== undefined) settings.defaultPageSize = limits.defaultPageSize;
      return ok(limitsView(state));
    }
    case 'POST /vms': {
      const request = parse(AddVmsBody, body);
      const site = SIM_SITES[request.site ?? 'protected'];
      const vcenter = state.inventory.vcenters.get(site.vcenterId);
      if (!vcenter) throw new SimHttpError(500, 'INTERNAL_ERROR', 'vCenter missing');
      const prefix = request.namePrefix ?? 'new-vm-';
      const names = new Set(vcenter.vms.map((vm) => vm.name));
      const added: Array<{ id: string; name: string }> = [];
      let number = 1;
      while (added.length < request.count) {
        while (names.has(`${prefix}${number}`)) number += 1;
        const vm = addVm(vcenter, state.inventory.random, `${prefix}${number}`);
        names.add(vm.name);
        added.push({ id: vm.id, name: vm.name });
      }
      return ok({ added });
    }
    case 'POST /reset-stats':
      state.stats.reset([...state.replications.values()].map((replication) => replication.vm.id));
      for (const key of Object.keys(state.faults.injected)) delete state.faults.injected[key];
      return ok({ reset: true });
    case 'POST /clock': {
      const request = parse(ClockBody, body);
      if (request.advanceMs) state.clock.advance(request.advanceMs);
      if (request.speed) state.clock.setSpeed(request.speed);
      return ok({ now: state.clock.now(), clockSpeed: state.clock.clockSpeed });
    }
    default:
      throw new SimHttpError(404, 'NOT_FOUND', `No control endpoint ${route}.`);
  }
}
