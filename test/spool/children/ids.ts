// Child for the id-uniqueness test: print N fresh message ids, one per line.
import { newMessageId } from '../../../src/spool/message-id.ts';
const n = Number(process.argv[2] ?? '1000');
const out: string[] = [];
for (let i = 0; i < n; i++) out.push(newMessageId().id);
process.stdout.write(out.join('\n') + '\n');
