/**
 * Every VR endpoint the project uses, bound to one session id (`x-dr-session`). Paths, query names and bodies
 * follow the official API document; each answer is validated with the matching schema of schemas.ts.
 */
import { z } from 'zod';
import type { VrClient } from './client';
import { basicAuthorization } from './client-auth';
import { listQueryParams, pageThrough, type ListQuery } from './paging';
import {
  ConfigureReplicationSpec,
  type ListPage,
  Datastore,
  listOf,
  MAX_SPECS_PER_CONFIGURE,
  Pairing,
  PairingSpec,
  IssueInfo,
  ReconfigureReplicationSpec,
  ReplicatedVmDisk,
  ReplicationInfo,
  ReplicationServerInfo,
  SessionInfo,
  StoragePolicy,
  StoragePolicyComplianceCheckData,
  Task,
  VirtualMachine,
  VmCapabilities,
  VmDisk,
  VrmsInfo,
} from './schemas';
import type { VrTransport, TransportRequest } from './transport';

const PairingList = listOf(Pairing);
const DatastoreList = listOf(Datastore);
const StoragePolicyList = listOf(StoragePolicy);
const ComplianceList = listOf(StoragePolicyComplianceCheckData);
const VirtualMachineList = listOf(VirtualMachine);
const VmDiskList = listOf(VmDisk);
const VrmsList = listOf(VrmsInfo);
const ReplicationServerList = listOf(ReplicationServerInfo);
const ReplicationList = listOf(ReplicationInfo);
const TaskList = listOf(Task);
const ReplicatedVmDiskList = listOf(ReplicatedVmDisk);
const IssueList = listOf(IssueInfo);
const ConfigureReplicationSpecs = z.array(ConfigureReplicationSpec).min(1).max(MAX_SPECS_PER_CONFIGURE);
const DatastoreIds = z.array(z.string().min(1)).min(1);

const VCENTER = '/pairings/{pairing_id}/vcenters/{vcenter_id}';
const REPLICATION = '/pairings/{pairing_id}/replications/{replication_id}';

type Endpoint = Pick<TransportRequest, 'pathTemplate' | 'pathParams'>;

const flag = (params: URLSearchParams, name: string, value: boolean | undefined): URLSearchParams => {
  if (value !== undefined) params.set(name, String(value));
  return params;
};

/** The calls of one VR session. Cheap to create (`client.session(id)`); holds no state besides the id. */
export class VrSession {
  readonly client: VrClient;
  private readonly transport: VrTransport;
  private readonly sessionId: string;

  /** @internal use `VrClient.session(sessionId)` */
  constructor(client: VrClient, transport: VrTransport, sessionId: string) {
    this.client = client;
    this.transport = transport;
    this.sessionId = sessionId;
  }

  // ---- session ----

  /** GET /session: who this session belongs to (also a cheap liveness check). */
  getSession(): Promise<SessionInfo> {
    return this.get({ pathTemplate: '/session' }, SessionInfo);
  }

  /** DELETE /session (204). Frees the session in VR's bounded pool. */
  async logout(): Promise<void> {
    await this.transport.call({ method: 'DELETE', pathTemplate: '/session', sessionId: this.sessionId });
  }

  /** POST /pairings/{id}/remote-session (204) with BOTH x-dr-session and Basic auth of the remote site's SSO user. */
  async remoteLogin(pairingId: string, credentials: { username: string; password: string }): Promise<void> {
    const request = {
      method: 'POST' as const,
      pathTemplate: '/pairings/{pairing_id}/remote-session',
      pathParams: { pairing_id: pairingId },
    };
    const authorization = basicAuthorization(credentials, request.method, this.transport.pathOf(request));
    await this.transport.call({
      ...request,
      sessionId: this.sessionId,
      authorization,
      secrets: [credentials.password],
    });
  }

  /** GET /pairings/{id}/remote-session. */
  getRemoteSession(pairingId: string): Promise<SessionInfo> {
    return this.get(
      { pathTemplate: '/pairings/{pairing_id}/remote-session', pathParams: { pairing_id: pairingId } },
      SessionInfo,
    );
  }

  // ---- pairings ----

  /** GET /pairings, paged. */
  listPairings(query?: ListQuery): AsyncIterableIterator<Pairing> {
    return this.list({ pathTemplate: '/pairings' }, PairingList, query);
  }

  /** GET /pairings/{id}. */
  getPairing(pairingId: string): Promise<Pairing> {
    return this.get(
      { pathTemplate: '/pairings/{pairing_id}', pathParams: { pairing_id: pairingId } },
      Pairing,
    );
  }

  /** POST /pairings (202): starts pairing with another vCenter. */
  createPairing(spec: PairingSpec): Promise<Task> {
    return this.post({ pathTemplate: '/pairings' }, Task, spec, PairingSpec);
  }

  /** DELETE /pairings/{id} (202); `force` default false (server default). */
  deletePairing(pairingId: string, options?: { force?: boolean }): Promise<Task> {
    const endpoint = { pathTemplate: '/pairings/{pairing_id}', pathParams: { pairing_id: pairingId } };
    return this.send('DELETE', endpoint, Task, {
      query: flag(new URLSearchParams(), 'force', options?.force),
    });
  }

  /** POST /pairings/{id}/actions/reconnect (202). */
  reconnectPairing(pairingId: string, spec: PairingSpec): Promise<Task> {
    const endpoint = {
      pathTemplate: '/pairings/{pairing_id}/actions/reconnect',
      pathParams: { pairing_id: pairingId },
    };
    return this.post(endpoint, Task, spec, PairingSpec);
  }

  // ---- inventory (vcenterId: the pairing's local_vc_server.id or remote_vc_server.id) ----

  /** GET .../vcenters/{vcenter_id}/datastores, paged. */
  listDatastores(pairingId: string, vcenterId: string, query?: ListQuery): AsyncIterableIterator<Datastore> {
    return this.list(this.vcenter('/datastores', pairingId, vcenterId), DatastoreList, query);
  }

  /** GET .../vcenters/{vcenter_id}/storage-policies, paged. */
  listStoragePolicies(
    pairingId: string,
    vcenterId: string,
    query?: ListQuery,
  ): AsyncIterableIterator<StoragePolicy> {
    return this.list(this.vcenter('/storage-policies', pairingId, vcenterId), StoragePolicyList, query);
  }

  /** POST .../storage-policies/{id}/actions/check-compliance with the datastore ids as body. */
  async checkStoragePolicyCompliance(
    pairingId: string,
    vcenterId: string,
    storagePolicyId: string,
    datastoreIds: string[],
  ): Promise<StoragePolicyComplianceCheckData[]> {
    const endpoint = this.vcenter(
      '/storage-policies/{storage_policy_id}/actions/check-compliance',
      pairingId,
      vcenterId,
      {
        storage_policy_id: storagePolicyId,
      },
    );
    return (await this.post(endpoint, ComplianceList, datastoreIds, DatastoreIds)).list;
  }

  /** GET .../vcenters/{vcenter_id}/vms, paged; `suitableForReplication` maps to `suitable_for_replication`. */
  listVms(
    pairingId: string,
    vcenterId: string,
    query?: ListQuery & { suitableForReplication?: boolean },
  ): AsyncIterableIterator<VirtualMachine> {
    const extra = flag(new URLSearchParams(), 'suitable_for_replication', query?.suitableForReplication);
    return this.list(this.vcenter('/vms', pairingId, vcenterId), VirtualMachineList, query, extra);
  }

  /** GET .../vms/{vm_id}/capability: why a VM is unsuitable and which settings it supports. */
  getVmCapability(pairingId: string, vcenterId: string, vmId: string): Promise<VmCapabilities> {
    return this.get(
      this.vcenter('/vms/{vm_id}/capability', pairingId, vcenterId, { vm_id: vmId }),
      VmCapabilities,
    );
  }

  /** GET .../vms/{vm_id}/disks, paged. */
  listVmDisks(
    pairingId: string,
    vcenterId: string,
    vmId: string,
    query?: ListQuery,
  ): AsyncIterableIterator<VmDisk> {
    return this.list(
      this.vcenter('/vms/{vm_id}/disks', pairingId, vcenterId, { vm_id: vmId }),
      VmDiskList,
      query,
    );
  }

  /** GET /pairings/{id}/vrs: the VRMS of both sites (the endpoint takes no paging parameters). */
  async *listVrms(pairingId: string): AsyncIterableIterator<VrmsInfo> {
    const endpoint = { pathTemplate: '/pairings/{pairing_id}/vrs', pathParams: { pairing_id: pairingId } };
    yield* (await this.get(endpoint, VrmsList)).list;
  }

  /** GET /pairings/{id}/vrs/{vr_id}/replication-servers, paged. */
  listReplicationServers(
    pairingId: string,
    vrmsId: string,
    query?: ListQuery,
  ): AsyncIterableIterator<ReplicationServerInfo> {
    const endpoint = {
      pathTemplate: '/pairings/{pairing_id}/vrs/{vr_id}/replication-servers',
      pathParams: { pairing_id: pairingId, vr_id: vrmsId },
    };
    return this.list(endpoint, ReplicationServerList, query);
  }

  // ---- replications ----

  /** GET /pairings/{id}/replications, paged; `source_vc_guid`, `extended_info` optional. */
  listReplications(
    pairingId: string,
    query?: ListQuery & { sourceVcGuid?: string; extendedInfo?: boolean },
  ): AsyncIterableIterator<ReplicationInfo> {
    const extra = new URLSearchParams();
    if (query?.sourceVcGuid !== undefined) extra.set('source_vc_guid', query.sourceVcGuid);
    flag(extra, 'extended_info', query?.extendedInfo);
    const endpoint = {
      pathTemplate: '/pairings/{pairing_id}/replications',
      pathParams: { pairing_id: pairingId },
    };
    return this.list(endpoint, ReplicationList, query, extra);
  }

  /** GET /pairings/{id}/replications/{replication_id}. */
  getReplication(pairingId: string, replicationId: string): Promise<ReplicationInfo> {
    return this.get(this.replication('', pairingId, replicationId), ReplicationInfo);
  }

  /** GET .../replications/{replication_id}/disks, paged: each disk of the VM, replicated or not, and its target. */
  listReplicationDisks(
    pairingId: string,
    replicationId: string,
    query?: ListQuery,
  ): AsyncIterableIterator<ReplicatedVmDisk> {
    return this.list(this.replication('/disks', pairingId, replicationId), ReplicatedVmDiskList, query);
  }

  /** GET /pairings/{id}/replications/issues, paged: current issues of the pairing's replications. */
  listReplicationIssues(pairingId: string, query?: ListQuery): AsyncIterableIterator<IssueInfo> {
    const endpoint = {
      pathTemplate: '/pairings/{pairing_id}/replications/issues',
      pathParams: { pairing_id: pairingId },
    };
    return this.list(endpoint, IssueList, query);
  }

  /** GET /pairings/{id}/issues, paged: issues of the pairing itself (e.g. remote site not reachable). */
  listPairingIssues(pairingId: string, query?: ListQuery): AsyncIterableIterator<IssueInfo> {
    const endpoint = { pathTemplate: '/pairings/{pairing_id}/issues', pathParams: { pairing_id: pairingId } };
    return this.list(endpoint, IssueList, query);
  }

  /**
   * POST /pairings/{id}/replications (202) with an array of 1..20 specs; one task per VM. The specs are validated
   * first: an invalid one throws VrRequestValidationError and nothing is sent.
   */
  async configureReplications(pairingId: string, specs: ConfigureReplicationSpec[]): Promise<Task[]> {
    const endpoint = {
      pathTemplate: '/pairings/{pairing_id}/replications',
      pathParams: { pairing_id: pairingId },
    };
    return (await this.post(endpoint, TaskList, specs, ConfigureReplicationSpecs)).list;
  }

  /** DELETE .../replications/{id} (202); `retainReplicaDisks` default false (server default). */
  deleteReplication(
    pairingId: string,
    replicationId: string,
    options?: { retainReplicaDisks?: boolean },
  ): Promise<Task> {
    const query = flag(new URLSearchParams(), 'retain_replica_disks', options?.retainReplicaDisks);
    return this.send('DELETE', this.replication('', pairingId, replicationId), Task, { query });
  }

  /** POST .../actions/pause (202). */
  pauseReplication(pairingId: string, replicationId: string): Promise<Task> {
    return this.send('POST', this.replication('/actions/pause', pairingId, replicationId), Task);
  }

  /** POST .../actions/resume (202). */
  resumeReplication(pairingId: string, replicationId: string): Promise<Task> {
    return this.send('POST', this.replication('/actions/resume', pairingId, replicationId), Task);
  }

  /** POST .../actions/sync (202). */
  syncReplication(pairingId: string, replicationId: string): Promise<Task> {
    return this.send('POST', this.replication('/actions/sync', pairingId, replicationId), Task);
  }

  /** POST .../actions/reconfigure (202); the spec is validated before sending. */
  reconfigureReplication(
    pairingId: string,
    replicationId: string,
    spec: ReconfigureReplicationSpec,
  ): Promise<Task> {
    return this.post(
      this.replication('/actions/reconfigure', pairingId, replicationId),
      Task,
      spec,
      ReconfigureReplicationSpec,
    );
  }

  /** POST .../actions/unconfigure (202); `retainReplicaDisks` default false (server default). */
  unconfigureReplication(
    pairingId: string,
    replicationId: string,
    options?: { retainReplicaDisks?: boolean },
  ): Promise<Task> {
    const query = flag(new URLSearchParams(), 'retain_replica_disks', options?.retainReplicaDisks);
    return this.send('POST', this.replication('/actions/unconfigure', pairingId, replicationId), Task, {
      query,
    });
  }

  // ---- tasks ----

  /** GET /tasks, paged. */
  listTasks(query?: ListQuery): AsyncIterableIterator<Task> {
    return this.list({ pathTemplate: '/tasks' }, TaskList, query);
  }

  /** GET /tasks/{task_id}. */
  getTask(taskId: string): Promise<Task> {
    return this.get({ pathTemplate: '/tasks/{task_id}', pathParams: { task_id: taskId } }, Task);
  }

  // ---- plumbing ----

  private vcenter(
    suffix: string,
    pairingId: string,
    vcenterId: string,
    more: Record<string, string> = {},
  ): Endpoint {
    return {
      pathTemplate: `${VCENTER}${suffix}`,
      pathParams: { pairing_id: pairingId, vcenter_id: vcenterId, ...more },
    };
  }

  private replication(suffix: string, pairingId: string, replicationId: string): Endpoint {
    return {
      pathTemplate: `${REPLICATION}${suffix}`,
      pathParams: { pairing_id: pairingId, replication_id: replicationId },
    };
  }

  private send<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'DELETE',
    endpoint: Endpoint,
    schema: S,
    extra: { query?: URLSearchParams; body?: unknown } = {},
  ): Promise<z.output<S>> {
    return this.transport.call({ method, ...endpoint, ...extra, sessionId: this.sessionId }, schema);
  }

  private get<S extends z.ZodType>(endpoint: Endpoint, schema: S): Promise<z.output<S>> {
    return this.send('GET', endpoint, schema);
  }

  private async post<S extends z.ZodType>(
    endpoint: Endpoint,
    schema: S,
    body: unknown,
    bodySchema: z.ZodType,
  ): Promise<z.output<S>> {
    this.transport.validateRequest({ method: 'POST', ...endpoint }, bodySchema, body);
    return this.send('POST', endpoint, schema, { body });
  }

  private list<T>(
    endpoint: Endpoint,
    schema: z.ZodType<ListPage<T>>,
    query: ListQuery | undefined,
    extra?: URLSearchParams,
  ): AsyncIterableIterator<T> {
    const base = listQueryParams(query);
    for (const [name, value] of extra ?? []) base.append(name, value);
    const pathTemplate = endpoint.pathTemplate;
    const fetchPage = async (paging: URLSearchParams) => {
      const params = new URLSearchParams(base);
      for (const [name, value] of paging) params.set(name, value);
      return (await this.send('GET', endpoint, schema, { query: params })) as ListPage<T>;
    };
    return pageThrough(fetchPage, query, this.transport.logger, `GET ${pathTemplate}`);
  }
}
