/** Types of the generated vCenter inventories (kept apart so generators and users share them without cycles). */
import type { Datastore, ReplicationServerInfo, StoragePolicy, VmDisk } from '../vr/schemas';
import type { Random } from './random';
import type { SimSite } from './sites';

export interface SimVm {
  id: string;
  name: string;
  vcenterId: string;
  powerState: 'POWERED_ON' | 'POWERED_OFF' | 'SUSPENDED';
  connectionState: 'CONNECTED' | 'DISCONNECTED';
  template: boolean;
  privilegeGranted: boolean;
  managedBy?: { extension_key: string; type: string };
  disks: VmDisk[];
  /** Generation hint: the VM starts out replicated in this pairing kind. */
  preReplicated?: 'site-pair' | 'robo';
}

export interface SimVcenter {
  site: SimSite;
  datastores: Datastore[];
  storagePolicies: StoragePolicy[];
  vms: SimVm[];
  nextVmNumber: number;
}

export type SimReplicationServer = Omit<ReplicationServerInfo, 'replication_count'> & {
  id: string;
  name: string;
};

export interface SimVrms {
  site: SimSite;
  replicationServers: SimReplicationServer[];
}

export interface Inventory {
  vcenters: Map<string, SimVcenter>;
  vrms: Map<string, SimVrms>;
  random: Random;
}

/** Names that trap naive "contains" matching; always generated first and always suitable for replication. */
