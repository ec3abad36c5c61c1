/**
 * VR tasks: QUEUED -> RUNNING -> SUCCESS | ERROR on the simulated clock. A task's effect (create/remove/pause a
 * replication...) runs when the task completes; `settle()` runs all due effects in completion order and is called
 * before every request is handled, so state is always consistent with the clock without background timers.
 */
import type { Task } from '../vr/schemas';
import type { SimClock } from './clock';

/** What an effect reports: an error message makes the task end in ERROR. */
export type TaskEffectOutcome = { result?: Record<string, unknown> } | { error: string } | void;

export interface SimTask {
  id: string;
  description: string;
  descriptionId: string;
  entity?: string;
  entityName?: string;
  queuedAt: number;
  startAt: number;
  completeAt: number;
  /** Decided up front: the task will end in ERROR with this message and its effect will not run. */
  failure?: string;
  /** With `failure`: the task ends CANCELLED instead of ERROR. */
  cancelled?: boolean;
  effect?: () => TaskEffectOutcome;
  /** Result on success when the effect returns none. */
  result?: Record<string, unknown>;
  outcome?:
    | { status: 'SUCCESS'; result?: Record<string, unknown> }
    | { status: 'ERROR' | 'CANCELLED'; message: string };
}

export interface TaskDurations {
  /** Simulated ms a task stays QUEUED; default 500. */
  queuedMs: number;
  /** Simulated ms a task stays RUNNING; default 2000. */
  runningMs: number;
}

const MAX_RETAINED_TASKS = 20_000;

export class TaskStore {
  private readonly tasks = new Map<string, SimTask>();
  private pending: SimTask[] = [];
  private nextNumber = 1000;

  constructor(
    private readonly clock: SimClock,
    private readonly durations: TaskDurations,
    private readonly idSuffix: string,
  ) {}

  create(input: Omit<SimTask, 'id' | 'queuedAt' | 'startAt' | 'completeAt' | 'outcome'>): SimTask {
    const now = this.clock.now();
    this.nextNumber += 1;
    const task: SimTask = {
      ...input,
      id: `HmsTask:task-${this.nextNumber}:${this.idSuffix}`,
      queuedAt: now,
      startAt: now + this.durations.queuedMs,
      completeAt: now + this.durations.queuedMs + this.durations.runningMs,
    };
    this.tasks.set(task.id, task);
    this.pending.push(task);
    if (this.tasks.size > MAX_RETAINED_TASKS) {
      const oldest = this.tasks.keys().next().value;
      if (oldest !== undefined && this.tasks.get(oldest)?.outcome) this.tasks.delete(oldest);
    }
    return task;
  }

  /** Runs the effects of every task that has completed by now, oldest completion first. */
  settle(): void {
    const now = this.clock.now();
    const due = this.pending
      .filter((task) => task.completeAt <= now)
      .sort((a, b) => a.completeAt - b.completeAt);
    if (due.length === 0) return;
    this.pending = this.pending.filter((task) => task.completeAt > now);
    for (const task of due) {
      if (task.failure !== undefined) {
        task.outcome = { status: task.cancelled ? 'CANCELLED' : 'ERROR', message: task.failure };
        continue;
      }
      let outcome: TaskEffectOutcome;
      try {
        outcome = task.effect?.();
      } catch (error) {
        outcome = { error: error instanceof Error ? error.message : String(error) };
      }
      task.outcome =
        outcome && 'error' in outcome
          ? { status: 'ERROR', message: outcome.error }
          : { status: 'SUCCESS', result: (outcome && outcome.result) ?? task.result };
    }
  }

  get(id: string): SimTask | undefined {
    return this.tasks.get(id);
  }

  all(): SimTask[] {
    return [...this.tasks.values()];
  }

  /** The API view of a task at the current simulated time (times in epoch ms). */
  view(task: SimTask): Task {
    const now = this.clock.now();
    const base: Task = {
      id: task.id,
      description: task.description,
      description_id: task.descriptionId,
      entity: task.entity ?? null,
      entity_name: task.entityName ?? null,
      status: 'QUEUED',
      progress: 0,
      queued_time: task.queuedAt,
      start_time: null,
      complete_time: null,
      error: null,
      result: null,
    };
    if (task.outcome) {
      return {
        ...base,
        status: task.outcome.status,
        progress: 100,
        start_time: task.startAt,
        complete_time: task.completeAt,
        error:
          task.outcome.status !== 'SUCCESS'
            ? { message: task.outcome.message, details: task.outcome.message }
            : null,
        result: task.outcome.status === 'SUCCESS' ? (task.outcome.result ?? null) : null,
      };
    }
    if (now < task.startAt) return base;
    const span = Math.max(1, task.completeAt - task.startAt);
    const progress = Math.min(99, Math.max(1, Math.floor(((now - task.startAt) / span) * 100)));
    return { ...base, status: 'RUNNING', progress, start_time: task.startAt };
  }
}
