import { createHash, timingSafeEqual } from 'node:crypto';
import { ArgoError } from '../errors/errors';

/** The `service.*` keys that decide who may call the API. */
export interface AccessSettings {
  readonly host: string;
  readonly auth: { readonly tokenEnv: string };
  readonly metrics: { readonly public: boolean };
  readonly allowUnauthenticated: boolean;
}

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Who may call what: the bearer token (if any) and which paths need it. */
export interface ApiAccess {
  /** Null: every route is open. */
  readonly token: string | null;
  readonly metricsPublic: boolean;
}

/**
 * The access of a service about to listen: the token read from the variable
 * `service.auth.tokenEnv` names. Refused with ARGO_ERR_CONFIG_INVALID (exit 2): a named
 * variable that is unset or empty, and a non-loopback address without a token unless
 * `service.allowUnauthenticated`.
 */
export function apiAccess(settings: AccessSettings, env: Readonly<Record<string, string | undefined>>): ApiAccess {
  const { tokenEnv } = settings.auth;
  const token = tokenEnv === '' ? null : (env[tokenEnv] ?? '');
  if (token === '') throw new ArgoError('ARGO_ERR_CONFIG_INVALID', `service.auth.tokenEnv: the environment variable ${tokenEnv} is not set or empty; set it to the API's bearer token`);
  if (token === null && !isLoopback(settings.host) && !settings.allowUnauthenticated) {
    throw new ArgoError(
      'ARGO_ERR_CONFIG_INVALID',
      `service.host: ${settings.host} is reachable from other machines and the API has no token; set service.auth.tokenEnv, listen on 127.0.0.1, or set service.allowUnauthenticated to true`,
    );
  }
  return { token, metricsPublic: settings.metrics.public };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * True when `authorization` is `Bearer <token>` (the scheme in any case, RFC 7235); compared in
 * constant time (digests of equal length, whatever was sent).
 */
export function authorized(access: ApiAccess, authorization: string | undefined): boolean {
  if (access.token === null) return true;
  const match = /^bearer +(.+)$/i.exec(authorization ?? '');
  return timingSafeEqual(digest(match?.[1] ?? ''), digest(access.token)) && match !== null;
}
