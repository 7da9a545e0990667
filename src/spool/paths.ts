// Where a message's files live in the spool directory.
//
//   <spool>/input/<id>-D, -H (-J)         the default queue
//   <spool>/input/<c>/...                 with split_spool_directory, c = 6th character of the id
//   <spool>/<queue>/input/...             a named queue (`queue =` ACL modifier), same rules below it
//   <spool>/msglog/, <spool>/<queue>/msglog/   per-message logs, split the same way
//   <spool>/db/                           hints databases
//   <spool>/lock/                         tern's message locks (lock.ts); Exim ignores it

import path from 'node:path';
import { messageSubdir } from './message-id.ts';

export interface SpoolLocation {
  spoolDir: string;
  /** Named queue; "" for the default queue. */
  queueName: string;
  split: boolean;
}

/** Top of a queue: the spool directory itself, or the named queue's directory in it. */
export function queueRoot(spoolDir: string, queueName: string): string {
  if (queueName.includes('/') || queueName === '.' || queueName === '..') {
    throw new Error(`bad queue name "${queueName}"`);
  }
  return queueName === '' ? spoolDir : path.join(spoolDir, queueName);
}

/** The directory holding the -D/-H/-J files of one message. */
export function inputDirFor(loc: SpoolLocation, id: string): string {
  const base = path.join(queueRoot(loc.spoolDir, loc.queueName), 'input');
  return loc.split ? path.join(base, messageSubdir(id)) : base;
}

export function msglogDirFor(loc: SpoolLocation, id: string): string {
  const base = path.join(queueRoot(loc.spoolDir, loc.queueName), 'msglog');
  return loc.split ? path.join(base, messageSubdir(id)) : base;
}

export function dbDir(spoolDir: string): string {
  return path.join(spoolDir, 'db');
}

export function lockDir(spoolDir: string): string {
  return path.join(spoolDir, 'lock');
}
