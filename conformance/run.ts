/**
 * `npm run conformance`: starts the simulator, drives every endpoint it serves through the VrClient and through raw
 * calls for the error paths, validates every request body and response against the official OpenAPI document, and
 * prints a table. Exits non-zero on any issue or when an operation of the client API was not exercised.
 */
import { SIM_SITES, startSimulator } from '../simulator';
import type { SimulatorOptions } from '../simulator';
import { CLIENT_OPERATIONS, runClientScenario } from './client-scenario';
import { loadOpenApiValidator } from './openapi';
import type { ApiVersionName } from './openapi';
import { runRawScenario } from './raw-scenario';
import { ExchangeRecorder } from './recorder';
import { formatConformanceReport } from './report';
import type { ConformanceReport } from './report';
import { simulatorServedOperations } from './simulator-routes';

export type { ConformanceReport } from './report';
export { formatConformanceReport } from './report';

export interface ConformanceOptions {
  /** The OpenAPI document; default env `VR_OPENAPI_SPEC`, else `<repoRoot>/../shared/reference/...`. */
  specPath?: string;
  /** API versions to drive, each against a fresh simulator; default ['v2', 'v1']. */
  versions?: ApiVersionName[];
  /** Accept properties the document does not declare; default false. */
  allowUnknownProperties?: boolean;
  /** Extra simulator options (merged over the small, fast, unlimited defaults). */
  simulator?: SimulatorOptions;
}

/** A small inventory, fast tasks and no rate limit: the drive takes seconds, not minutes. */
const SIMULATOR_DEFAULTS: SimulatorOptions = {
  port: 0,
  seed: 1,
  vms: 30,
  rateLimit: { enabled: false },
  taskDurations: { queuedMs: 5, runningMs: 20 },
  initialSyncMs: 200,
};

/** Runs the whole check and returns the report; never throws for a non-conformity (only for a missing document). */
export async function runConformanceCheck(options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const validator = loadOpenApiValidator({
    ...(options.specPath ? { specPath: options.specPath } : {}),
    ...(options.allowUnknownProperties ? { allowUnknownProperties: true } : {}),
  });
  const versions = options.versions ?? ['v2', 'v1'];
  const recorder = new ExchangeRecorder(validator);
  for (const apiVersion of versions) {
    const simulator = await startSimulator({ ...SIMULATOR_DEFAULTS, ...options.simulator });
    try {
      const context = { baseUrl: simulator.url, apiVersion, recorder, sites: SIM_SITES };
      await runClientScenario(context);
      await runRawScenario(context);
    } finally {
      await simulator.close();
    }
  }

  const rows = recorder.operationRows();
  const rowFor = (operation: string) => rows.find((row) => `${row.method} ${row.pathTemplate}` === operation);
  const missingClientOperations = versions.flatMap((version) =>
    Object.entries(CLIENT_OPERATIONS)
      .filter(([, operation]) => !rowFor(operation)?.clientSucceeded.includes(version))
      .map(([name, operation]) => `${version} ${name} (${operation})`),
  );
  const simulatorRoutesNotExercised = versions.flatMap((version) =>
    simulatorServedOperations()
      .filter((operation) => rowFor(operation)?.statuses[version] === undefined)
      .map((operation) => `${version} ${operation}`),
  );
  const documentOperationsNotExercised = validator
    .listOperations()
    .map((operation) => `${operation.method} ${operation.pathTemplate}`)
    .filter((operation) => !rowFor(operation));
  return {
    specPath: validator.specPath,
    versions,
    rows,
    issues: [...recorder.issues],
    missingClientOperations,
    simulatorRoutesNotExercised,
    documentOperationsNotExercised,
    exchangesChecked: recorder.exchangesChecked,
    ok:
      recorder.issues.length === 0 &&
      missingClientOperations.length === 0 &&
      simulatorRoutesNotExercised.length === 0,
  };
}

async function main(): Promise<void> {
  const report = await runConformanceCheck();
  console.log(formatConformanceReport(report));
  process.exitCode = report.ok ? 0 : 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  });
}
