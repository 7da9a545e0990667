// Patterns RE2 could run also run on V8's own RegExp, which is many times
// faster than re2js, without giving up the linear-time guarantee:
// - a program is used natively only if V8's linear-time engine accepts it
//   (compiling it with the `l` flag succeeds: no back references, no
//   lookahead, no large counted repeats), and
// - V8 is told to move any match that backtracks too much (50,000 steps by
//   default) over to that linear engine. So a hostile subject costs a few
//   hundred microseconds of backtracking and then linear time, never more.
// The program itself is the RE2 program in JavaScript syntax (emitNative), so
// the answers are those of the RE2 path: leftmost-first, as PCRE2.

import v8 from 'node:v8';

// Both flags only widen what V8 accepts or how it runs a match; they change no
// answer. They are read when a RegExp is compiled or runs, so setting them
// before the first pattern compiles covers every pattern of this process.
v8.setFlagsFromString('--enable-experimental-regexp-engine');
v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

/** V8's flag for its linear-time engine (a constant: linters do not know the flag). */
const LINEAR: string = 'l';

/** Whether V8 runs a backtracking RegExp that backtracks too much on its linear engine. */
export const nativeFallbackEnabled: boolean = (() => {
  try {
    new RegExp('a', LINEAR);
    return true;
  } catch {
    return false;
  }
})();

/** A global RegExp for the source, or null unless V8 can also run it in linear time. */
export function compileNative(source: string): RegExp | null {
  if (!nativeFallbackEnabled) return null;
  try {
    new RegExp(source, LINEAR);
    return new RegExp(source, 'g');
  } catch {
    return null;
  }
}
