/** Everything the simulator knows, in one object shared by the server, the handlers and the control API. */
import { SimClock } from './clock';
import { FaultEngine, type FaultConfig } from './faults';
import { generateInventory, type Inventory, type SimVm } from './inventory';
import { RateLimiter, type RateLimitSettings } from './rate-limit';
import { defaultSettings, type SimReplication } from './replications';
import { SessionStore } from './sessions';
import { SIM_SITES, type SimSite } from './sites';
import { SimStats } from './stats';
import { TaskStore, type TaskDurations } from './tasks';

export interface SimPairing {
  id: string;
  localVcId: string;
  remoteVcId: string;
  localVrmsId: string;
  remoteVrmsId: string;
}

export const isRobo = (pairing: SimPairing): boolean => pairing.localVcId === pairing.remoteVcId;

/** Limits that can change at run time through POST /sim/limits. */
export interface SimulatorSettings {
  seed: number;
  sessionIdleMs: number;
  sessionPoolSize: number;
  rateLimit: RateLimitSettings;
  taskDurations: TaskDurations;
  initialSyncMs: number;
  defaultPageSize: number;
}

export class SimulatorState {
  readonly clock: SimClock;
  readonly inventory: Inventory;
  readonly sessions: SessionStore;
  readonly rateLimiter: RateLimiter;
  readonly faults: FaultEngine;
  readonly tasks: TaskStore;
  readonly stats = new SimStats();
  readonly pairings: SimPairing[] = [];
  readonly replications = new Map<string, SimReplication>();
  /** The site whose VRMS this gateway is: logins use its SSO user. */
  readonly localSite: SimSite = SIM_SITES.protected;

  constructor(
    readonly settings: SimulatorSettings,
    vmCount: number,
    clockSpeed: number,
    faults: FaultConfig | undefined,
  ) {
    this.clock = new SimClock(clockSpeed);
    this.inventory = generateInventory(settings.seed, vmCount);
    this.sessions = new SessionStore(settings);
    this.rateLimiter = new RateLimiter(settings.rateLimit);
    this.faults = new FaultEngine(settings.seed, faults);
    this.tasks = new TaskStore(this.clock, settings.taskDurations, this.localSite.vrmsId);
    const random = this.inventory.random;
    this.pairings.push(
      {
        id: random.uuid(),
        localVcId: SIM_SITES.protected.vcenterId,
        remoteVcId: SIM_SITES.recovery.vcenterId,
        localVrmsId: SIM_SITES.protected.vrmsId,
        remoteVrmsId: SIM_SITES.recovery.vrmsId,
      },
      {
        id: random.uuid(),
        localVcId: SIM_SITES.protected.vcenterId,
        remoteVcId: SIM_SITES.protected.vcenterId,
        localVrmsId: SIM_SITES.protected.vrmsId,
        remoteVrmsId: SIM_SITES.protected.vrmsId,
      },
    );
    this.createInitialReplications();
  }

  /** The pairing between the protected and the recovery vCenter. */
  get sitePairing(): SimPairing | undefined {
    return this.pairings.find((pairing) => !isRobo(pairing));
  }

  get roboPairing(): SimPairing | undefined {
    return this.pairings.find(isRobo);
  }

  findVm(vcenterId: string, vmId: string): SimVm | undefined {
    return this.inventory.vcenters.get(vcenterId)?.vms.find((vm) => vm.id === vmId);
  }

  replicationOfVm(vmId: string): SimReplication | undefined {
    for (const replication of this.replications.values()) if (replication.vm.id === vmId) return replication;
    return undefined;
  }

  newReplicationId(): string {
    return `GID-${this.inventory.random.uuid()}`;
  }

  private createInitialReplications(): void {
    const protectedVc = this.inventory.vcenters.get(SIM_SITES.protected.vcenterId);
    const startedLongAgo = this.clock.now() - 2 * 24 * 3600_000;
    for (const vm of protectedVc?.vms ?? []) {
      if (!vm.preReplicated) continue;
      const pairing = vm.preReplicated === 'robo' ? this.roboPairing : this.sitePairing;
      if (!pairing) continue;
      const targetVc = this.inventory.vcenters.get(pairing.remoteVcId);
      const targetVrms = this.inventory.vrms.get(pairing.remoteVrmsId);
      const datastore = targetVc?.datastores.find(
        (candidate) => candidate.type === 'DATASTORE' && candidate.accessible,
      );
      const server = targetVrms?.replicationServers[0];
      if (!datastore || !server) continue;
      const replication: SimReplication = {
        id: this.newReplicationId(),
        pairingId: pairing.id,
        vm,
        sourceVcId: pairing.localVcId,
        targetVcId: pairing.remoteVcId,
        settings: defaultSettings(),
        disks: vm.disks.map((disk) => ({
          vmDisk: disk,
          enabled: disk.supported_for_replication !== false,
          datastoreId: datastore.id,
          storagePolicyId: null,
          diskFormat: 'SAME_AS_SOURCE',
        })),
        replicationServerId: server.id,
        createdAt: startedLongAgo,
        configuredAt: startedLongAgo,
        initialSyncMs: 3600_000,
        pausedTotalMs: 0,
      };
      this.replications.set(replication.id, replication);
      this.stats.recordReplicationCreated(vm.id);
    }
  }
}
