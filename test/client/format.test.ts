import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { temporalUiLink, type ConfigureReplicationWorkflow } from '../../client/api';
import { formatConfigureResult, formatTotals, isFullySuccessful, renderTable } from '../../client/format';
import type { configureReplicationWorkflow } from '../../workflows';
import { emptyTotals, type ConfigureReplicationResult } from '../../workflows/configure-replication-input';

// The client addresses the workflow by name; this fails the type check if its signature drifts from the client's.
const signatureMatches: typeof configureReplicationWorkflow extends ConfigureReplicationWorkflow
  ? true
  : never = true;
void signatureMatches;

const result = (outcomes: ConfigureReplicationResult['vms']): ConfigureReplicationResult => {
  const totals = emptyTotals();
  for (const vm of outcomes) totals[vm.outcome] += 1;
  return {
    site: 'protected',
    pairingId: 'p-1',
    waitFor: 'configured',
    cancelled: false,
    vms: outcomes,
    totals,
  };
};

void describe('client format', () => {
  void test('renderTable aligns columns and shows empty cells as -', () => {
    const table = renderTable(
      [
        { header: 'VM', value: (row: { name: string; id?: string }) => row.name },
        { header: 'VM id', value: (row) => row.id },
      ],
      [{ name: 'app-1', id: 'vm-1' }, { name: 'a-much-longer-name' }],
    );
    assert.equal(
      table,
      [
        'VM                  VM id',
        '------------------  -----',
        'app-1               vm-1',
        'a-much-longer-name  -',
      ].join('\n'),
    );
  });

  void test('result table, totals and the success rule', () => {
    const good = result([
      { requested: 'app-1', name: 'app-1', vmId: 'vm-1', outcome: 'configured', replicationId: 'GID-1' },
      {
        requested: 'web-1',
        name: 'web-1',
        vmId: 'vm-2',
        outcome: 'already-replicated',
        replicationId: 'GID-2',
      },
    ]);
    const text = formatConfigureResult(good);
    assert.match(text, /^VM\s+VM id\s+outcome\s+replication id\s+reason$/m);
    assert.match(text, /^app-1\s+vm-1\s+configured\s+GID-1\s+-$/m);
    assert.match(text, /Totals: configured 1, already-replicated 1 \(2 VMs\)/);
    assert.equal(isFullySuccessful(good), true);
    const bad = result([
      ...good.vms,
      {
        requested: 'tmpl',
        outcome: 'unsuitable',
        reason: 'IS_VM_TEMPLATE: The virtual machine\nis a template.',
      },
    ]);
    assert.equal(isFullySuccessful(bad), false);
    assert.match(
      formatConfigureResult(bad),
      /^tmpl\s+-\s+unsuitable\s+-\s+IS_VM_TEMPLATE: The virtual machine is a template\.$/m,
    );
    assert.equal(formatTotals({}), 'nothing (0 VMs)');
  });

  void test('temporalUiLink', () => {
    assert.equal(
      temporalUiLink('http://127.0.0.1:8233/', 'default', 'configure-protected-1', 'run-1'),
      'http://127.0.0.1:8233/namespaces/default/workflows/configure-protected-1/run-1/history',
    );
    assert.equal(
      temporalUiLink('http://ui', 'ns', 'a b'),
      'http://ui/namespaces/ns/workflows?query=WorkflowId%3D%22a%20b%22',
    );
  });
});
