// The two ways an expansion stops early, as Exim distinguishes them.

/** An expansion error: Exim prints it as "Failed: <message>". */
export class ExpandError extends Error {
  override name = 'ExpandError';
}

/** An expansion that failed in a lookup (Exim's search errors): routers log just this text. */
export class LookupFailure extends ExpandError {
  override name = 'LookupFailure';
  /** The lookup deferred (Exim's search_find_defer), rather than failing. */
  readonly deferred: boolean;
  constructor(message: string, deferred = false) {
    super(message);
    this.deferred = deferred;
  }
}

/** A forced failure (`fail` in ${if}/${lookup}/${extract}...): callers treat it differently from an error. */
export class ForcedFail extends ExpandError {
  override name = 'ForcedFail';
  readonly forced = true;
}
