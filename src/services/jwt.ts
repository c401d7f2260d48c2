import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { Config } from '../config.js';
import { ENVIRONMENTS, SCOPES, type Environment, type Scope } from '../db/entities/index.js';
import type { Logger } from '../logger.js';
import { unauthorized } from './errors.js';

/** Algorithms accepted with `HOOKLINE_JWT_SECRET` and with `HOOKLINE_JWKS_URL`. */
const SECRET_ALGORITHMS = ['HS256'];
const JWKS_ALGORITHMS = ['RS256', 'ES256'];
/** Clock skew allowed on `exp` and `nbf`. */
const CLOCK_TOLERANCE_SECONDS = 30;

/** What an admin JWT says about its caller, once its signature and claims are checked. */
export interface JwtIdentity {
  tenantId: string;
  environment: Environment;
  scopes: Scope[];
  subject: string | undefined;
  /** The partner the token is bound to: its tenant must belong to it, and admin reads stay inside it. */
  partnerId: string | undefined;
}

export interface JwtVerifier {
  /** Checks the token; throws a 401 `AppError` that never repeats the token's contents. */
  verify(token: string): Promise<JwtIdentity>;
}

const ClaimsSchema = z.object({
  tenant_id: z.string().min(1).max(64),
  scopes: z.array(z.string().max(100)).max(50).optional(),
  scope: z.string().max(2000).optional(),
  environment: z.enum(ENVIRONMENTS).default('live'),
  sub: z.string().min(1).max(200).optional(),
  partner_id: z.string().min(1).max(64).optional(),
});

/** The scopes named by `scopes` (array) and `scope` (space-separated); names Hookline does not know are ignored. */
function scopesOf(claims: z.infer<typeof ClaimsSchema>): Scope[] {
  const named = new Set([...(claims.scopes ?? []), ...(claims.scope ?? '').split(' ').filter(Boolean)]);
  return SCOPES.filter((scope) => named.has(scope));
}

/** The identity carried by verified claims, or a 401 naming the claim at fault. */
export function identityFromClaims(payload: JWTPayload): JwtIdentity {
  const parsed = ClaimsSchema.safeParse(payload);
  if (!parsed.success) {
    const claim = parsed.error.issues[0]?.path[0];
    throw unauthorized(
      claim === 'tenant_id' && payload.tenant_id === undefined
        ? 'token has no "tenant_id" claim'
        : `token claim "${String(claim)}" is invalid`,
    );
  }
  const claims = parsed.data;
  return {
    tenantId: claims.tenant_id,
    environment: claims.environment,
    scopes: scopesOf(claims),
    subject: claims.sub,
    partnerId: claims.partner_id,
  };
}

const CLAIM_MESSAGES: Record<string, string> = {
  nbf: 'token is not valid yet',
  iss: 'token issuer is not accepted',
  aud: 'token audience is not accepted',
  iat: 'token "iat" claim is invalid',
};

/** A clear 401 for a failed verification, without the token's contents. */
function rejection(err: unknown, logger: Logger | undefined): Error {
  if (err instanceof errors.JWTExpired) return unauthorized('token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return unauthorized(`token has no "${err.claim}" claim`);
    return unauthorized(CLAIM_MESSAGES[err.claim] ?? `token claim "${err.claim}" is invalid`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return unauthorized('token signature is invalid');
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return unauthorized('token algorithm is not accepted');
  }
  if (err instanceof errors.JWKSNoMatchingKey) return unauthorized('no signing key matches the token');
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return unauthorized('malformed token');
  // JWKS unreachable, timed out or invalid: the caller cannot be verified now.
  logger?.warn({ err: { name: (err as Error).name, code: (err as { code?: string }).code } }, 'admin JWT could not be verified');
  return unauthorized('token could not be verified');
}

/**
 * Verifies admin JWTs with `HOOKLINE_JWT_SECRET` (HS256) and/or `HOOKLINE_JWKS_URL` (RS256, ES256),
 * checking `exp` (required), `nbf` and, when configured, issuer and audience. Returns `undefined`
 * when neither is configured: JWTs are then refused.
 */
export function createJwtVerifier(settings: Config['jwt'], logger?: Logger): JwtVerifier | undefined {
  if (!settings.secret && !settings.jwksUrl) return undefined;
  const secret = settings.secret ? new TextEncoder().encode(settings.secret) : undefined;
  const jwks = settings.jwksUrl ? createRemoteJWKSet(new URL(settings.jwksUrl)) : undefined;
  const algorithms = [...(secret ? SECRET_ALGORITHMS : []), ...(jwks ? JWKS_ALGORITHMS : [])];

  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(
          token,
          async (header, input) => {
            if (header.alg === 'HS256' && secret) return secret;
            if (jwks) return jwks(header, input);
            throw new errors.JOSEAlgNotAllowed('algorithm not allowed');
          },
          {
            algorithms,
            requiredClaims: ['exp'],
            clockTolerance: CLOCK_TOLERANCE_SECONDS,
            ...(settings.issuer && { issuer: settings.issuer }),
            ...(settings.audience && { audience: settings.audience }),
          },
        ));
      } catch (err) {
        throw rejection(err, logger);
      }
      return identityFromClaims(payload);
    },
  };
}
