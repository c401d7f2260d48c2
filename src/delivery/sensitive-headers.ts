/**
 * Custom endpoint headers that carry credentials (`Authorization`, `X-Api-Key`, a session cookie …)
 * are sent with every attempt but never shown again: responses, recorded attempts and audit entries
 * carry this placeholder instead of their values.
 */
export const REDACTED = '[redacted]';

const CREDENTIAL_NAME = /^(authorization|proxy-authorization|cookie)$|token|secret|passw|api-?key|auth|credential|session/i;

/** True when a header of this name is treated as a credential. */
export function isSensitiveHeader(name: string): boolean {
  return CREDENTIAL_NAME.test(name.replace(/_/g, '-'));
}

/** The headers with every credential's value replaced by `[redacted]`. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, isSensitiveHeader(name) ? REDACTED : value]));
}

/**
 * Headers given in an update, with `[redacted]` standing for the value stored under that name (so
 * an endpoint read and written back keeps its credentials). Returns the names that have no stored
 * value to stand for.
 */
export function mergeRedactedHeaders(
  given: Record<string, string>,
  stored: Record<string, string>,
): { headers: Record<string, string>; unknown: string[] } {
  const storedByName = new Map(Object.entries(stored).map(([name, value]) => [name.toLowerCase(), value]));
  const unknown: string[] = [];
  const headers = Object.fromEntries(
    Object.entries(given).map(([name, value]) => {
      if (value !== REDACTED) return [name, value];
      const previous = storedByName.get(name.toLowerCase());
      if (previous === undefined) unknown.push(name);
      return [name, previous ?? value];
    }),
  );
  return { headers, unknown };
}
