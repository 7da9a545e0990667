// seen = [-]interval / options (section "Previously seen user and hosts"):
// a timestamp per key in the "seen" hints database.

import { readTime } from '../config/values.ts';
import { openHintsDb } from '../hints/db.ts';
import { splitList } from '../lists/index.ts';
import { spoolDir } from './ratelimit.ts';
import { getVar, trace, type Rc, type RunState } from './state.ts';

export function seenCondition(st: RunState, arg: string): Rc {
  const parts = splitList(arg, '/');
  const badParse = (): Rc => {
    st.logMsg = `failed to parse '${arg}'`;
    return 'ERROR';
  };
  let first = parts[0];
  if (first === undefined) return badParse();
  const before = first.startsWith('-');
  if (before) first = first.slice(1);
  const interval = readTime(first);
  if (interval < 0) return badParse();
  let key = getVar(st, 'sender_host_address') ?? '';
  let mode: 'default' | 'readonly' | 'write' = 'default';
  let refresh = 10 * 24 * 60 * 60;
  for (const ele of parts.slice(1)) {
    if (ele.startsWith('key=')) key = ele.slice(4);
    else if (ele === 'readonly') mode = 'readonly';
    else if (ele === 'write') mode = 'write';
    else if (ele.startsWith('refresh=')) {
      refresh = readTime(ele.slice(8));
      if (refresh < 0) return badParse();
    } else {
      st.logMsg = `unrecognised option '${ele}' in '${arg}'`;
      return 'ERROR';
    }
  }
  let db;
  try {
    db = openHintsDb(spoolDir(st), 'seen');
  } catch {
    trace(st, "database for 'seen' not available");
    st.logMsg = "database for 'seen' not available";
    return 'DEFER';
  }
  const now = Math.floor((st.actx.now?.() ?? Date.now()) / 1000);
  let rc: Rc = 'FAIL';
  db.update(() => {
    const rec = db.get(key);
    if (rec) {
      const diff = now - rec.stamp;
      if (before ? diff >= interval : diff < interval) rc = 'OK';
      if (mode === 'readonly') trace(st, 'seen db not written (readonly)');
      else if (mode === 'write' || !before) {
        db.put(key, new Uint8Array(0), now);
        trace(st, 'seen db written (update)');
      } else if (diff >= refresh) {
        db.put(key, new Uint8Array(0), now - interval);
        trace(st, 'seen db written (refresh)');
      }
    } else if (mode !== 'readonly') {
      db.put(key, new Uint8Array(0), now);
      trace(st, 'seen db written (create)');
    } else trace(st, 'seen db not written (readonly)');
  });
  return rc;
}
