/** Public API of the VR REST client: client, session, errors, pacer, exact-name lookups, schemas and types. */
export { VrClient, type VrClientOptions } from './client';
export { VrSession } from './session';
export { chunkFilterValues, collect, type ListQuery } from './paging';
export type { VrExchange } from './transport';
export { DEFAULT_TIMEOUTS, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_CONNECTIONS } from './transport';
export type { VrLogger } from './logger';
export { noopLogger } from './logger';
export { RequestPacer, DEFAULT_PACING, type PacerOptions } from './pacer';
export {
  findVmsByExactName,
  findDatastoreByExactName,
  findStoragePolicyByExactName,
  findReplicationServerByExactName,
  matchExactly,
  NAME_LOOKUP_PAGE_SIZE,
  type ExactMatch,
} from './exact-match';
export {
  VrError,
  VrUnauthorizedError,
  VrForbiddenError,
  VrNotFoundError,
  VrBadRequestError,
  VrConflictError,
  VrRateLimitedError,
  VrServerError,
  VrNetworkError,
  VrTimeoutError,
  VrTlsError,
  VrSchemaError,
  VrResponseTooLargeError,
  VrRequestValidationError,
  VrUnexpectedStatusError,
  classifyVrError,
  redactSecrets,
  parseRetryAfterMs,
  DEFAULT_RETRY_AFTER_MS,
  type VrErrorCode,
  type VrErrorInit,
  type VrErrorClassification,
} from './errors';
export * from './schemas';
