// Logging through winston to stdout/stderr, where journald picks it up. Text for people by
// default, one JSON object per line with `log.format: json`.

import winston from 'winston';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type Logger = winston.Logger;

export function createLogger(level: LogLevel = 'info', format: 'text' | 'json' = 'text'): Logger {
  const text = winston.format.printf(({ level: lvl, message, ...meta }) => {
    const rest = Object.entries(meta)
      .filter(([key]) => typeof key === 'string')
      .map(([key, value]) => `${key}=${typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value)}`)
      .join(' ');
    return `${lvl}: ${String(message)}${rest ? ` ${rest}` : ''}`;
  });
  return winston.createLogger({
    level,
    format: format === 'json' ? winston.format.combine(winston.format.timestamp(), winston.format.json()) : text,
    // Everything to stderr: stdout carries the command's own output (plans, status, JSON).
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}

/** A logger that drops everything, for unit tests of code that logs. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
