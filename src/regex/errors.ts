// Compile errors worded as PCRE2 words them, so tern's messages read like Exim's.
//
// Exim reports a bad pattern in two shapes:
//   expansions:  regular expression error in "<pattern>": <reason> at offset <n>
//   lists/config: regular expression error: <reason> at offset <n> while compiling <pattern>
// RegexError's message is the expansion shape; regexErrorText() gives either.

export class RegexError extends Error {
  override name = 'RegexError';
  /** The pattern as the caller gave it. */
  readonly pattern: string;
  /** PCRE2's wording of the problem (or tern's, for features it refuses). */
  readonly reason: string;
  /** Byte offset into the pattern where the problem was found, as PCRE2 counts it. */
  readonly offset: number;

  constructor(pattern: string, reason: string, offset: number) {
    super(`regular expression error in "${pattern}": ${reason} at offset ${offset}`);
    this.pattern = pattern;
    this.reason = reason;
    this.offset = offset;
  }
}

export type RegexErrorShape = 'expansion' | 'compiling';

export function regexErrorText(err: RegexError, shape: RegexErrorShape = 'expansion'): string {
  if (shape === 'compiling') {
    return `regular expression error: ${err.reason} at offset ${err.offset} while compiling ${err.pattern}`;
  }
  return err.message;
}

/** Thrown inside the parser; index.ts turns it into a RegexError carrying the caller's pattern. */
export class PatternFault extends Error {
  readonly reason: string;
  readonly offset: number;
  constructor(reason: string, offset: number) {
    super(reason);
    this.reason = reason;
    this.offset = offset;
  }
}

/** Reason text for PCRE2 features tern parses but will not run, rather than run differently. */
export function unsupported(feature: string): string {
  return `tern does not support ${feature}`;
}
