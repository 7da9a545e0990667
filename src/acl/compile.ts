// Compiled ACLs: the configuration's named ACLs are compiled once per
// Config (compileAcls, also what -bV calls to report errors with file and
// line); ACLs read from files are compiled once per process, as Exim keeps
// them; inline ACL texts are compiled once per distinct text.

import fs from 'node:fs';
import { ConfigError } from '../config/errors.ts';
import type { Config } from '../config/types.ts';
import { AclSyntaxError, logicalLines, parseAclLines, type CompiledAcl } from './parse.ts';

const byConfig = new WeakMap<Config, Map<string, CompiledAcl>>();
const fileAcls = new Map<string, CompiledAcl>();
const inlineAcls = new Map<string, CompiledAcl>();
const INLINE_CACHE_LIMIT = 500;

/** Compile every ACL of the configuration; throws ConfigError worded as Exim's. */
export function compileAcls(config: Config): Map<string, CompiledAcl> {
  let map = byConfig.get(config);
  if (map) return map;
  map = new Map();
  for (const [name, def] of config.acls) {
    const lines = def.statements.flatMap((s) => s.lines);
    try {
      map.set(name, { label: `ACL "${name}"`, statements: parseAclLines(lines) });
    } catch (e) {
      if (e instanceof AclSyntaxError) throw new ConfigError(`error in ACL: ${e.message}`, e.file, e.line);
      throw e;
    }
  }
  byConfig.set(config, map);
  return map;
}

const endLines = new WeakMap<Config, number>();

/**
 * Where Exim says statements of file and inline ACLs come from: the
 * configuration file at the line where reading it ended (the reader's
 * position is all it has when such an ACL is parsed at run time).
 */
export function configEnd(config: Config): { file: string; line: number } {
  let line = endLines.get(config);
  if (line === undefined) {
    try {
      const text = fs.readFileSync(config.configFile, 'utf8');
      line = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    } catch {
      line = 0;
    }
    endLines.set(config, line);
  }
  return { file: config.configFile, line };
}

/** A file ACL; errors are Exim's run-time texts (thrown as AclLoadError). */
export function fileAcl(path: string, config: Config): CompiledAcl {
  const hit = fileAcls.get(path);
  if (hit) return hit;
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new AclLoadError(`failed to open ACL file "${path}": ${errnoText(e)}`);
  }
  const at = configEnd(config);
  const lines = logicalLines(text, at.file).map((l) => ({ ...l, line: at.line }));
  const acl: CompiledAcl = { label: `ACL "${path}"`, statements: parseLines(lines) };
  fileAcls.set(path, acl);
  return acl;
}

/** An inline ACL (an option value or `acl =` argument that is not a name). */
export function inlineAcl(text: string, config: Config): CompiledAcl {
  const { file, line } = configEnd(config);
  const key = `${file}\0${line}\0${text}`;
  const hit = inlineAcls.get(key);
  if (hit) return hit;
  const lines = logicalLines(text, file, 1).map((l) => ({ ...l, line }));
  const acl: CompiledAcl = { label: 'inline ACL', statements: parseLines(lines) };
  if (inlineAcls.size >= INLINE_CACHE_LIMIT) inlineAcls.delete(inlineAcls.keys().next().value as string);
  inlineAcls.set(key, acl);
  return acl;
}

/** A problem finding or parsing an ACL at run time: the ACL yields "error" with this log text. */
export class AclLoadError extends Error {
  override name = 'AclLoadError';
}

function parseLines(lines: Parameters<typeof parseAclLines>[0]) {
  try {
    return parseAclLines(lines);
  } catch (e) {
    if (e instanceof AclSyntaxError) throw new AclLoadError(e.message);
    throw e;
  }
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES') return 'Permission denied';
  if (code === 'EISDIR') return 'Is a directory';
  return (e as Error).message;
}
