import pino from 'pino';

/** Tests read results, not logs; set POWERPROF_TEST_LOG=debug to see them. */
export const testLogger = pino({ level: process.env.POWERPROF_TEST_LOG ?? 'silent' });
