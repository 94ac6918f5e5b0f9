/** The server's structured logger (pino). Silent under Vitest unless LOG_LEVEL says otherwise. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level?: string): Logger {
  const chosen = level ?? process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  return pino({ name: 'peerlab', level: chosen });
}
