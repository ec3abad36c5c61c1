/**
 * Security properties of a configure run, end to end (Temporal dev server + in-process worker + the simulator):
 * TLS at the worker (unknown CA refused with a how-to, caFile trusted, insecureSkipVerify only when asked and loud
 * every time) and least privilege (a 403 on configure is reported per VM, naming the privilege, never retried).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createVrActivities } from '../../activities';
import type { RunningSimulator } from '../../simulator';
import type { VrLogger } from '../../vr';
import type { SiteConfig } from '../../worker/sites';
import type {
  ConfigureReplicationInput,
  ConfigureReplicationResult,
  VmResult,
} from '../../workflows/configure-replication-input';
import { openSessions, secretsOf, simSites, startTestSimulator, suitableVmNames } from '../support/simulator';
import { startTestTemporal, uniqueId, workflowBundle, type TestTemporal } from '../support/temporal';

const PRIVILEGE = 'VirtualMachine.Hbr.ConfigureReplication';
const CONFIGURE_POST = 'POST /pairings/{pairing_id}/replications';

let temporal: TestTemporal;
before(async () => {
  temporal = await startTestTemporal();
});
after(async () => {
  await temporal?.close();
});

interface Warning {
  message: string;
  fields?: Record<string, unknown>;
}

/** A logger that keeps warnings (and drops the rest). */
const recordingLogger = (warnings: Warning[]): VrLogger => ({
  debug: () => undefined,
  info: () => undefined,
  warn: (message, fields) => warnings.push({ message, fields }),
  error: () => undefined,
});

/** Runs one configure workflow on a fresh worker for `sites`, then stops the worker and logs out. */
async function configure(
  sites: SiteConfig[],
  input: Partial<ConfigureReplicationInput>,
  logger?: VrLogger,
): Promise<{ result?: ConfigureReplicationResult; error?: unknown; workflowId: string }> {
  const taskQueue = uniqueId('defences');
  const workflowId = uniqueId('configure');
  const connection = await NativeConnection.connect({ address: temporal.server.address });
  const vr = createVrActivities({ sites, ...(logger ? { logger } : {}) });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: vr.activities,
    shutdownGraceTime: '5s',
  });
  try {
    const result = await worker.runUntil(
      temporal.client.workflow.execute('configureReplicationWorkflow', {
        taskQueue,
        workflowId,
        args: [
          {
            site: 'protected',
            pairing: { remoteVcenter: 'vc-recovery.sim.local' },
            vms: [{ name: 'app-1' }],
            targetDatastore: 'recovery-ds-1',
            pollIntervalSeconds: 1,
            pollIntervalCapSeconds: 2,
            ...input,
          },
        ],
      }) as Promise<ConfigureReplicationResult>,
    );
    return { result, workflowId };
  } catch (error) {
    return { error, workflowId };
  } finally {
    await vr.close();
    await connection.close();
  }
}

describe('TLS at the worker', () => {
  let sim: RunningSimulator;
  before(async () => {
    sim = await startTestSimulator({ tls: true, vms: 40 });
  });
  after(async () => {
    await sim?.close();
  });

  let refusal: ApplicationFailure | undefined;
  test('an unknown CA fails the run at login, typed VR_TLS_ERROR, not retried', async () => {
    assert.match(sim.url, /^https:/);
    const { error, result } = await configure(simSites(sim, { caFile: undefined }), {});
    assert.equal(result, undefined);
    assert.ok(error instanceof WorkflowFailedError, String(error));
    const activity = error.cause;
    assert.ok(activity instanceof ActivityFailure, String(activity));
    assert.equal(activity.activityType, 'login');
    assert.equal(activity.retryState, RetryState.NON_RETRYABLE_FAILURE, 'one attempt, no retries');
    const cause = activity.cause;
    assert.ok(cause instanceof ApplicationFailure);
    refusal = cause;
    assert.equal(cause.type, 'VR_TLS_ERROR');
    assert.equal(cause.nonRetryable, true);
    assert.match(cause.message, /POST \/api\/rest\/vr\/v2\/session/);
    assert.equal(sim.state.stats.logins, 0, 'no request got through');
  });

  // The VR client's VrTlsError says this, but activities/failures.ts describeVrError keeps only the status/code
  // for errors without a VR error body, so the how-to never reaches the workflow (fix proposed in the report).
  test('the refusal says how to trust the CA (set caFile)', () => {
    assert.ok(refusal, 'the previous test ran');
    assert.match(refusal.message, /certificate is not trusted/);
    assert.match(refusal.message, /Set the site's caFile to the PEM CA bundle/);
  });

  test("with the site's caFile the run succeeds", async () => {
    const { result, error } = await configure(simSites(sim), { vms: [{ name: 'app-2' }] });
    assert.equal(error, undefined, String(error));
    assert.equal(result?.vms[0]?.outcome, 'configured');
    assert.equal(openSessions(sim), 0);
  });

  test('insecureSkipVerify works only when asked, and warns every time a client starts', async () => {
    const warnings: Warning[] = [];
    const insecure = simSites(sim, { caFile: undefined, insecureSkipVerify: true });
    const { result, error } = await configure(
      insecure,
      { vms: [{ name: 'app-3' }] },
      recordingLogger(warnings),
    );
    assert.equal(error, undefined, String(error));
    assert.equal(result?.vms[0]?.outcome, 'configured');
    const tlsWarnings = () => warnings.filter((warning) => /verification is DISABLED/.test(warning.message));
    assert.equal(tlsWarnings().length, 1, 'one warning for the one client of this worker');
    assert.match(tlsWarnings()[0]!.message, /set the site caFile/);
    assert.equal(tlsWarnings()[0]!.fields?.baseUrl, sim.url);

    // Every client start warns again: a second worker's activities, another warning.
    const again = createVrActivities({ sites: insecure, logger: recordingLogger(warnings) });
    await again.close();
    assert.equal(tlsWarnings().length, 2);

    // Not asked: no warning, and verification is on.
    const quiet: Warning[] = [];
    const verified = createVrActivities({ sites: simSites(sim), logger: recordingLogger(quiet) });
    await verified.close();
    assert.equal(quiet.length, 0);
    for (const warning of warnings) {
      for (const secret of secretsOf(sim)) assert.ok(!JSON.stringify(warning).includes(secret));
    }
  });
});

describe('least privilege', () => {
  test('a 403 on configure is reported per VM, naming the missing privilege, and not retried', async () => {
    const sim = await startTestSimulator({ vms: 60 });
    try {
      const names = await suitableVmNames(sim, 3);
      sim.state.faults.set({
        rules: [
          {
            endpoint: CONFIGURE_POST,
            kind: 'error',
            status: 403,
            errorCode: 'NOT_AUTHORIZED',
            message: `Permission to perform this operation was denied: ${PRIVILEGE} is missing.`,
          },
        ],
      });
      const { result, error } = await configure(simSites(sim), {
        vms: [...names, 'restricted-1'].map((name) => ({ name })),
      });
      assert.equal(error, undefined, String(error));
      assert.ok(result);
      for (const name of names) {
        const vm: VmResult | undefined = result.vms.find((candidate) => candidate.requested === name);
        assert.equal(vm?.outcome, 'failed', name);
        assert.match(vm?.reason ?? '', /403 Forbidden on POST .*: NOT_AUTHORIZED/, name);
        assert.ok(vm?.reason?.includes(PRIVILEGE), `${name}: ${vm?.reason}`);
        assert.match(vm?.reason ?? '', /POST \/api\/rest\/vr\/v2\/pairings\/[^ ]+\/replications/);
      }
      // The suitable filter already keeps out a VM without the privilege; VR's reason names it.
      const restricted = result.vms.find((vm) => vm.requested === 'restricted-1');
      assert.equal(restricted?.outcome, 'unsuitable');
      assert.match(restricted?.reason ?? '', /NO_PERMISSIONS/);
      assert.ok(restricted?.reason?.includes(PRIVILEGE), restricted?.reason);

      // One batch POST, then one POST per VM to find which are refused — and no retry of any of them.
      const posts = sim.state.stats.requests.get(CONFIGURE_POST)?.count ?? 0;
      assert.equal(posts, 1 + names.length);
      assert.equal(sim.state.replications.size, [...sim.state.replications.values()].length);
      for (const name of names)
        assert.ok(![...sim.state.replications.values()].some((replication) => replication.vm.name === name));
      assert.equal(openSessions(sim), 0);
    } finally {
      await sim.close();
    }
  });
});
