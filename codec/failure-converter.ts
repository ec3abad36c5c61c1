/**
 * Loaded by path (DataConverter.failureConverterPath), also inside the workflow sandbox: only @temporalio/common.
 * Failure messages and stack traces name VMs and endpoints; with encodeCommonAttributes they move into a payload,
 * which the payload codec then encrypts, instead of staying plain text in the history.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
