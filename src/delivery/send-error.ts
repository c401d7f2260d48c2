/**
 * Why a send got no HTTP answer: the target's address is refused by the SSRF policy (nothing was
 * connected), the endpoint's timeout ran out, the URL cannot be requested, or the network failed.
 * Recorded with each attempt (`attempts.error_code`) and shown as the attempt's `error_code`.
 */
export const SEND_ERROR_CODES = ['blocked_address', 'timeout', 'invalid_url', 'connection_failed'] as const;
export type SendErrorCode = (typeof SEND_ERROR_CODES)[number];
