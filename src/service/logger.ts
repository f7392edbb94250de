/** pino JSON logs; request bodies (data arrays) are never logged. */
import { type Logger, pino } from 'pino';
import type { Config } from '../config.js';

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, role: string): Logger {
  return pino({
    level: config.LOG_LEVEL,
    base: { role, pid: process.pid },
    // Credentials never reach a log line, even if a request's headers are logged.
    redact: {
      paths: [
        'req.body',
        'body.data',
        'data.x',
        'data.y',
        'input',
        'req.headers.authorization',
        'headers.authorization',
      ],
      remove: true,
    },
  });
}
