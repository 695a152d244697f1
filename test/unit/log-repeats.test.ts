// RepeatQuieter: a warning repeated pass after pass is said once, then at debug until it clears.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import winston from 'winston';
import { RepeatQuieter } from '../../src/log-repeats.js';

/** Every line the logger writes, as `level: message`. */
function capturingLogger(): { logger: winston.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString().trimEnd());
      done();
    },
  });
  const format = winston.format.printf(({ level, message }) => `${level}: ${String(message)}`);
  return { logger: winston.createLogger({ level: 'debug', format, transports: [new winston.transports.Stream({ stream })] }), lines };
}

describe('RepeatQuieter', () => {
  it('demotes a warn or error the previous pass already said, and says it again after it cleared', () => {
    const capture = capturingLogger();
    const quieter = new RepeatQuieter(capture.logger);
    const pass = (lines: Array<() => void>) => {
      quieter.beginPass();
      for (const line of lines) line();
    };
    const conflict = () => quieter.logger.error('eth1: /etc/network/interfaces.d/eth1 exists and is not managed');
    const note = () => quieter.logger.log('warn', 'irqbalance inactive');
    pass([conflict, note, () => quieter.logger.info('eth2: bringing up')]);
    pass([conflict, note]);
    pass([]);
    pass([conflict]);
    assert.deepEqual(capture.lines, [
      'error: eth1: /etc/network/interfaces.d/eth1 exists and is not managed',
      'warn: irqbalance inactive',
      'info: eth2: bringing up',
      'debug: (still) eth1: /etc/network/interfaces.d/eth1 exists and is not managed',
      'debug: (still) irqbalance inactive',
      'error: eth1: /etc/network/interfaces.d/eth1 exists and is not managed',
    ]);
  });
});
