// Child for the lock tests: try to lock each id given, print "locked <id>" or
// "busy <id>", then "ready", and stay alive until killed (or release all and
// exit when the first argument is "--release").
import { acquireMessageLock } from '../../../src/spool/lock.ts';

const args = process.argv.slice(2);
const release = args[0] === '--release';
const [spoolDir, ...ids] = release ? args.slice(1) : args;
const held = [];
for (const id of ids) {
  const lock = await acquireMessageLock(spoolDir, id);
  process.stdout.write(`${lock ? 'locked' : 'busy'} ${id}\n`);
  if (lock) held.push(lock);
}
process.stdout.write('ready\n');
if (release) for (const l of held) await l.release();
else setInterval(() => {}, 1 << 30);
