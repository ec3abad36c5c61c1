/**
 * Package entry `temporal-vsphere-replication/workflow`: safe to import from workflow code (no Node modules):
 * the workflow functions with their queries, signals and updates (everything workflows/index.ts exports), and the
 * input and result types and schemas. test/plugin/exports.test.ts checks that nothing here reaches Node.
 */
export * from '../workflows';
export * from '../workflows/configure-replication-input';
