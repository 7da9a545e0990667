// Serialization records (Exim's "serialize-<name>" hints databases): a key
// is held while some process runs for it, so that a second request for the
// same key is refused instead of starting another run. A record left by a
// process that crashed stops counting after six hours, as in Exim.

import { openHintsDb } from './db.ts';

const STALE_SECONDS = 6 * 60 * 60;
const HELD = new Uint8Array([1]);

export interface SerializeSlot {
  release(): void;
}

/** Take the key in serialize-<name>; undefined when a live record holds it already. */
export function trySerialize(spoolDir: string, name: string, key: string, now = Date.now() / 1000): SerializeSlot | undefined {
  const db = openHintsDb(spoolDir, `serialize-${name}`);
  const taken = db.update((d) => {
    const r = d.get(key);
    if (r && now - r.stamp < STALE_SECONDS) return false;
    d.put(key, HELD, now);
    return true;
  });
  if (!taken) return undefined;
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      openHintsDb(spoolDir, `serialize-${name}`).update((d) => d.delete(key));
    },
  };
}
