// Accepting a message: make it durable on the spool, then log its arrival.
// The caller answers 250 (or exits 0) only after this resolves.

import type { Config } from '../config/index.ts';
import { optionString } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import type { Message } from '../mail/message.ts';
import { writeMessage } from '../spool/write.ts';
import { arrivalLines, type ArrivalDetails } from './arrival-log.ts';

export interface CommitServices {
  config: Config;
  logger: Logger;
}

function messageIdCreated(m: Message): boolean {
  const h = m.headers.find((x) => x.flag === 'I');
  return h !== undefined && h.text.includes(`<E${m.id}`);
}

export async function commitMessage(message: Message, body: Buffer, services: CommitServices,
  details: Partial<ArrivalDetails> = {}): Promise<void> {
  const { config, logger } = services;
  const spoolDir = optionString(config, 'spool_directory');
  if (spoolDir === '') throw new Error('spool_directory is not set');
  const split = config.getOption('split_spool_directory');
  const now = Date.now() * 1000 + Number(process.hrtime.bigint() % 1000n);
  const complete = `-received_time_complete ${Math.floor(now / 1e6)}.${String(now % 1e6).padStart(6, '0')}`;
  message.otherItems = [...message.otherItems.filter((l) => !l.startsWith('-received_time_complete ')), complete];
  await writeMessage(spoolDir, message, body, { split: split.kind === 'bool' && split.value });
  const lines = arrivalLines(message, logger.selector, {
    bodyLength: body.length,
    messageIdCreated: messageIdCreated(message),
    ...details,
  });
  logger.main(lines.main, { id: message.id });
  // msglog/<id> (message_logs): the delivery process appends to it later
  logger.messageLog(message.id, lines.messageLog);
}
