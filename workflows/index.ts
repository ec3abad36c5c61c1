/** Workflow entry point bundled by the worker: every workflow and its signals, queries and updates. */
export { configureReplicationWorkflow, progressQuery } from './configure-replication';
export { replicationOperationWorkflow, replicationOperationProgressQuery } from './lifecycle';
export { pairingOperationWorkflow } from './pairing';
export { replicationReportWorkflow, pairingListWorkflow } from './report';
export {
  replicationCampaignWorkflow,
  campaignProgressQuery,
  pauseCampaignUpdate,
  resumeCampaignUpdate,
  cancelCampaignUpdate,
  setInFlightLimitUpdate,
} from './campaign';
export { campaignBatchWorkflow } from './campaign-batch';
export { drOnboardingWorkflow, onboardingProgressQuery } from './onboarding';
