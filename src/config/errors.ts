// Configuration errors, worded as Exim words them so that operators' tools
// and habits carry over: "Exim configuration error in line N of FILE:\n  text".

export class ConfigError extends Error {
  override name = 'ConfigError';
  /** File and line the error belongs to, when it belongs to one. */
  readonly file?: string;
  readonly line?: number;
  /** The text after the location header (Exim indents it by two spaces). */
  readonly detail: string;

  constructor(detail: string, file?: string, line?: number) {
    super(file !== undefined && line !== undefined
      ? `Exim configuration error in line ${line} of ${file}:\n  ${detail}`
      : `Exim configuration error:\n  ${detail}`);
    this.detail = detail;
    this.file = file;
    this.line = line;
  }
}

/** A value error without a location yet; the reader adds file and line. */
export class ValueError extends Error {
  override name = 'ValueError';
}
