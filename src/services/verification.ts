import type { ServiceContext } from './context.js';

/** The URL-ownership handshake of endpoints. */
export function createVerificationService(_ctx: ServiceContext) {
  return {};
}
