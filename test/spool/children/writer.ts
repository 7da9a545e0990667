// Child for the crash test: write messages to a spool without end, 8 at a
// time, and print "ok <id>" each time writeMessage resolves (the moment a
// receiver would say 250). The parent kills it with SIGKILL at a random time.
import { emptyMessage } from '../../../src/mail/message.ts';
import { newMessageId } from '../../../src/spool/message-id.ts';
import { writeMessage } from '../../../src/spool/write.ts';

const spoolDir = process.argv[2];
const split = process.argv[3] === 'split';

export function bodyFor(id: string): Buffer {
  return Buffer.from(`${id} line of the body\n`.repeat(3000));
}

async function one(): Promise<void> {
  const { id, timeMicros } = newMessageId();
  const msg = emptyMessage(id);
  msg.sender = 'crash@example.org';
  msg.receivedTime = Number(timeMicros / 1_000_000n);
  msg.bodyLinecount = 3000;
  msg.recipients.push({ address: 'r@example.com' });
  msg.headers.push({ flag: ' ', text: `Subject: ${id}\n` });
  await writeMessage(spoolDir, msg, bodyFor(id), { split });
  process.stdout.write(`ok ${id}\n`);
}

async function worker(): Promise<void> {
  for (;;) await one();
}
if (spoolDir) for (let i = 0; i < 8; i++) void worker();
