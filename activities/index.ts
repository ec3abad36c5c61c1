/**
 * The VR activities, built by a factory that receives the worker's site configuration (house style: activities
 * are the only code that calls vr/). `close()` logs out every cached session and closes the HTTP clients.
 */
import type { VrLogger } from '../vr';
import type { SiteConfig } from '../worker/sites';
import { createDiscoveryActivities } from './discovery-activities';
import { createLookupActivities } from './lookup-activities';
import { createLifecycleActivities } from './lifecycle-activities';
import { createPairingActivities } from './pairing-activities';
import { createReportActivities } from './report-activities';
import { createReplicationActivities } from './replication-activities';
import { SessionManager, type SessionManagerOptions } from './session-manager';

export interface VrActivitiesOptions {
  sites: SiteConfig[];
  logger?: VrLogger;
  /** See SessionManagerOptions.idleLogoutMs. */
  idleLogoutMs?: number;
  clientFactory?: SessionManagerOptions['clientFactory'];
  /** See SessionManagerOptions.onExchange. */
  onExchange?: SessionManagerOptions['onExchange'];
}

export function createVrActivities(options: VrActivitiesOptions) {
  const sessions = new SessionManager(options);
  const activities = {
    ...createLookupActivities(sessions),
    ...createReplicationActivities(sessions),
    ...createDiscoveryActivities(sessions),
    ...createLifecycleActivities(sessions),
    ...createPairingActivities(sessions),
    ...createReportActivities(sessions),
  };
  return { activities, sessions, close: () => sessions.close() };
}

export type VrActivities = ReturnType<typeof createVrActivities>['activities'];
export type * from './types';
