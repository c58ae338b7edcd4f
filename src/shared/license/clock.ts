/**
 * The time every licence decision uses. Production uses the system clock. Tests run the API
 * and the worker as separate processes and must move time in all of them, so there is one
 * test-only clock: BASALT_CLOCK=adjustable adds an offset (milliseconds) read from the Redis
 * key `<QUEUE_PREFIX>:test-clock-offset-ms`. It is refused unless NODE_ENV=test, so it cannot
 * be switched on by accident in production.
 */
import type { Redis } from 'ioredis';

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

export interface ClockSource {
  now: Clock;
  /** Brings the clock up to date (the adjustable clock reads its offset); true when it moved. */
  sync(): Promise<boolean>;
}

export const clockOffsetKey = (prefix: string) => `${prefix}:test-clock-offset-ms`;

/** Throws when BASALT_CLOCK asks for something not allowed here; call at startup. */
export function clockMode(env: NodeJS.ProcessEnv): 'system' | 'adjustable' {
  const mode = env.BASALT_CLOCK ?? 'system';
  if (mode === 'system' || mode === '') return 'system';
  if (mode !== 'adjustable') throw new Error(`BASALT_CLOCK=${mode} is unknown (leave it unset; 'adjustable' exists for tests only)`);
  if (env.NODE_ENV !== 'test') throw new Error('BASALT_CLOCK=adjustable is a test-only clock and is refused unless NODE_ENV=test');
  return 'adjustable';
}

export function createClockSource(env: NodeJS.ProcessEnv, redis: () => Redis, prefix: string): ClockSource {
  if (clockMode(env) === 'system') return { now: systemClock, sync: async () => false };
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    sync: async () => {
      const next = Number((await redis().get(clockOffsetKey(prefix))) ?? 0) || 0;
      const moved = next !== offset;
      offset = next;
      return moved;
    },
  };
}
