/**
 * What both baselines share: a VR client without pacing (the scripts they model have none), the answer to a 429
 * those scripts would need (wait Retry-After, send again, count it), and the common setup steps: login, pairing,
 * remote login, target datastore, and the configure spec built from a VM's disks.
 */
import { SIM_SITES } from '../../simulator';
import {
  collect,
  findDatastoreByExactName,
  VrClient,
  VrRateLimitedError,
  type ConfigureReplicationSpec,
  type VirtualMachine,
  type VrSession,
} from '../../vr';
import type { PairingWork } from '../bench-simulator';

export interface BaselineOptions {
  url: string;
  work: PairingWork[];
  /** Real poll interval of the script, divided by the time scale. */
  pollIntervalMs: number;
}

export interface BaselineResult {
  /** 429 answers the script received (each one cost a Retry-After wait and a repeat). */
  rateLimited: number;
  /** VMs whose configure task ended in SUCCESS. */
  configured: number;
  failed: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A script's session: every call goes through `call`, which waits Retry-After on a 429 and repeats. */
export class ScriptSession {
  rateLimited = 0;
  readonly client: VrClient;
  session!: VrSession;

  constructor(url: string) {
    this.client = new VrClient({ baseUrl: url, pacing: false });
  }

  async call<T>(request: (session: VrSession) => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await request(this.session);
      } catch (error) {
        if (!(error instanceof VrRateLimitedError)) throw error;
        this.rateLimited += 1;
        await sleep(error.retryAfterMs);
      }
    }
  }

  async login(): Promise<void> {
    for (;;) {
      try {
        const id = await this.client.login({
          username: SIM_SITES.protected.username,
          password: SIM_SITES.protected.password,
        });
        this.session = this.client.session(id);
        return;
      } catch (error) {
        if (!(error instanceof VrRateLimitedError)) throw error;
        this.rateLimited += 1;
        await sleep(error.retryAfterMs);
      }
    }
  }

  /** GET /pairings (once), remote login for a site pairing, datastore lookup by exact name. */
  async prepare(work: PairingWork): Promise<{ datastoreId: string }> {
    await this.call((session) => collect(session.listPairings()));
    if (!work.robo) {
      await this.call((session) =>
        session.remoteLogin(work.pairingId, {
          username: SIM_SITES.recovery.username,
          password: SIM_SITES.recovery.password,
        }),
      );
    }
    const datastore = await this.call((session) =>
      findDatastoreByExactName(session, work.pairingId, work.targetVcenterId, work.targetDatastore),
    );
    if (datastore.kind !== 'found') throw new Error(`datastore ${work.targetDatastore}: ${datastore.kind}`);
    return { datastoreId: datastore.item.id };
  }

  async close(): Promise<void> {
    await this.call((session) => session.logout()).catch(() => undefined);
    await this.client.close();
  }
}

/** The spec the samples build: product defaults, every replicable disk to the target datastore. */
export function specFor(
  vm: VirtualMachine,
  work: PairingWork,
  datastoreId: string,
): ConfigureReplicationSpec {
  return {
    vm_id: vm.id,
    target_vc_id: work.targetVcenterId,
    rpo: 60,
    mpit_enabled: false,
    quiesce_enabled: false,
    network_compression_enabled: false,
    lwd_encryption_enabled: false,
    auto_replicate_new_disks: true,
    disks: (vm.disks ?? []).map((disk) => ({
      vm_disk: disk,
      enabled_for_replication: disk.supported_for_replication !== false,
      use_seeds: false,
      destination_datastore_id: datastoreId,
      destination_disk_format: 'SAME_AS_SOURCE',
    })),
  };
}

export const isDone = (status: string | null | undefined): boolean =>
  status === 'SUCCESS' || status === 'ERROR' || status === 'CANCELLED';
