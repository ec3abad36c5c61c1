/**
 * The operations the simulator serves, read from its route tables, so that the drive can prove it exercised every
 * one of them. The simulator does not export one combined table, hence the per-file imports.
 */
import { inventoryRoutes } from '../simulator/routes-inventory';
import { pairingRoutes } from '../simulator/routes-pairings';
import { replicationRoutes } from '../simulator/routes-replications';
import { sessionRoutes } from '../simulator/routes-session';
import { taskRoutes } from '../simulator/routes-tasks';

/** `METHOD /template` of every VR route the simulator serves. */
export function simulatorServedOperations(): string[] {
  return [...sessionRoutes, ...pairingRoutes, ...inventoryRoutes, ...replicationRoutes, ...taskRoutes].map(
    (route) => `${route.method.toUpperCase()} ${route.template}`,
  );
}
