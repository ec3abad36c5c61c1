/** HTTP Basic credentials for login and remote login, checked before anything is sent. */
import { VrRequestValidationError } from './errors';

/** HTTP Basic value; the username of a Basic credential cannot hold a colon. */
export const basicAuthorization = (
  credentials: { username: string; password: string },
  method: string,
  path: string,
): string => {
  const issues: string[] = [];
  if (!credentials.username) issues.push('username: must not be empty');
  if ((credentials.username ?? '').includes(':')) issues.push('username: must not contain ":"');
  if (!credentials.password) issues.push('password: must not be empty');
  if (issues.length > 0) {
    throw new VrRequestValidationError({
      message: `VR credentials are invalid for ${method} ${path}, nothing was sent: ${issues.join('; ')}`,
      method,
      path,
      issues,
    });
  }
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
};
