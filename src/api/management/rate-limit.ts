/**
 * Management API rate limits, counted in Redis (rate-limiter-flexible) so they hold across
 * API instances: 120 requests per minute per token, and 10 per minute for the custom-hostname
 * calls that reach DNS (initialize, reverify, delete). Every response carries
 * x-ratelimit-limit, x-ratelimit-remaining and x-ratelimit-reset (seconds until the window
 * resets); past the limit → 429 {message} with Retry-After.
 *
 * Redis unavailable: each API instance counts in its own memory with the same limits until
 * Redis is back (rate-limiter-flexible's insurance limiter), without waiting for Redis. So the
 * limits loosen to one budget per instance rather than being dropped or refusing every caller.
 */
import type { RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { fail } from '../../shared/errors.ts';
import type { Services } from '../services.ts';
import { clientIp } from '../middleware/client-ip.ts';

export const MANAGEMENT_LIMIT = 120;
export const CUSTOM_HOSTNAME_LIMIT = 10;

function setHeaders(res: Response, limit: number, r: RateLimiterRes) {
  res.setHeader('x-ratelimit-limit', String(limit));
  res.setHeader('x-ratelimit-remaining', String(Math.max(0, r.remainingPoints)));
  res.setHeader('x-ratelimit-reset', String(Math.ceil(r.msBeforeNext / 1000)));
}

function limiter(s: Services, name: string, points: number): RequestHandler {
  const rl = new RateLimiterRedis({
    storeClient: s.redis,
    keyPrefix: `${s.config.QUEUE_PREFIX}:rl:${name}`,
    points,
    duration: 60,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration: 60 }),
  });
  return (req, res, next) => {
    const token = (res.locals.token as { id?: string } | undefined)?.id;
    const key = token ? `t:${token}` : `ip:${clientIp(req, s.config)}`;
    rl.consume(key).then(
      (r) => {
        setHeaders(res, points, r);
        next();
      },
      (r: unknown) => {
        if (r instanceof RateLimiterRes) {
          setHeaders(res, points, r);
          const retry = String(Math.max(1, Math.ceil(r.msBeforeNext / 1000)));
          return next(fail('RATE_LIMITED', `Too many requests: the limit is ${points} per minute; retry in ${retry} s`, { headers: { 'Retry-After': retry } }));
        }
        // Not expected (the insurance limiter answers when Redis cannot): serve, and log it.
        req.log?.warn({ err: (r as Error)?.message }, 'rate limiter unavailable');
        next();
      },
    );
  };
}

/** 120 requests per minute per token (after token auth: res.locals.token.id). */
export function managementRateLimit(s: Services): RequestHandler {
  return limiter(s, 'mgmt', MANAGEMENT_LIMIT);
}

/** 10 per minute per token for custom-hostname initialize, reverify and delete; its headers replace the general ones. */
export function customHostnameRateLimit(s: Services): RequestHandler {
  return limiter(s, 'mgmt-cname', CUSTOM_HOSTNAME_LIMIT);
}
