// Everything the primary reads from the configuration and command line, in
// one place, so that a reload (SIGHUP) can compute the new settings and
// compare them with the old before touching anything.

import fs from 'node:fs';
import path from 'node:path';
import type { CliOptions } from '../cli/args.ts';
import { optionString, type Config } from '../config/index.ts';
import { lookupGid, lookupUid } from '../config/users.ts';
import { expandString } from '../expand/index.ts';
import { formatTime } from '../config/format.ts';
import { readTime } from '../config/values.ts';
import type { LimitOptions } from './limits.ts';
import { listenAddresses, type ListenAddress } from './listen-spec.ts';
import { daemonExpandContext } from './options-view.ts';

export interface DaemonSettings {
  listen: ListenAddress[];
  backlog: number;
  limits: LimitOptions;
  /** smtp_accept_max_per_host, unexpanded (empty when unset). */
  maxPerHost: string;
  /** smtp_reserve_hosts, unexpanded (empty when unset). */
  reserveHosts: string;
  /** smtp_active_hostname, unexpanded (empty: primary_hostname). */
  activeHostname: string;
  startupRetries: number;
  startupSleepMs: number;
  /** Where the pid goes; undefined when none is written (-oX without -oP). */
  pidFile?: string;
  spoolDirectory: string;
  /** exim_user/exim_group resolved. */
  uid: number;
  gid: number;
  /** -q<time> in seconds, or undefined. */
  queueInterval?: number;
  /** "-q30m" or "no queue runs", as the start-up line shows it. */
  queueText: string;
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

function num(config: Config, name: string): number {
  const v = config.getOption(name);
  return v.kind === 'number' ? v.value : 0;
}

function optionalNum(config: Config, name: string): number | undefined {
  const v = config.getOption(name);
  return v.kind === 'number' ? v.value : undefined;
}

/** The primary gid of a user from the passwd file (exim_user without exim_group). */
function passwdGid(uid: number): number | undefined {
  try {
    for (const line of fs.readFileSync(process.env.TERN_PASSWD_FILE ?? '/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 4 && Number(f[2]) === uid) return Number(f[3]);
    }
  } catch {
    // no passwd file: the caller falls back to exim_group's default
  }
  return undefined;
}

function ids(config: Config): { uid: number; gid: number } {
  const user = optionString(config, 'exim_user');
  const uid = lookupUid(user);
  if (uid === undefined) throw new SettingsError(`exim_user "${user}" was not found`);
  let gid: number | undefined;
  if (config.whereSet('exim_group') === undefined && config.whereSet('exim_user') !== undefined) gid = passwdGid(uid);
  if (gid === undefined) {
    const group = optionString(config, 'exim_group');
    gid = lookupGid(group);
    if (gid === undefined) throw new SettingsError(`exim_group "${group}" was not found`);
  }
  return { uid, gid };
}

function pidFile(config: Config, opts: CliOptions, spool: string): string | undefined {
  if (opts.pidFile !== undefined) return path.resolve(opts.pidFile);
  // A "non-standard" daemon (-oX) writes no pid file unless -oP names one.
  if (opts.listenOverride !== undefined) return undefined;
  const raw = optionString(config, 'pid_file_path');
  const expanded = raw === '' ? '' : expandString(raw, daemonExpandContext(config));
  return expanded === '' ? path.join(spool, 'exim-daemon.pid') : expanded;
}

function queueSettings(opts: CliOptions): { queueInterval?: number; queueText: string } {
  if (opts.queueInterval === undefined || opts.queueInterval === '') return { queueText: 'no queue runs' };
  // -q with flags (-qf30m, -qq...) keeps its flags; the time is what follows them.
  const m = /^([a-zA-Z]*?)(\d.*)$/.exec(opts.queueInterval);
  const seconds = m ? readTime(m[2]) : -1;
  if (!m || seconds <= 0) throw new SettingsError(`invalid queue run interval "-q${opts.queueInterval}"`);
  return { queueInterval: seconds, queueText: `-q${m[1]}${formatTime(seconds)}` };
}

export function daemonSettings(config: Config, opts: CliOptions): DaemonSettings {
  const spool = optionString(config, 'spool_directory');
  const listen = listenAddresses({
    daemonSmtpPorts: optionString(config, 'daemon_smtp_ports'),
    localInterfaces: optionString(config, 'local_interfaces'),
    tlsOnConnectPorts: optionString(config, 'tls_on_connect_ports'),
    override: opts.listenOverride,
    disableIpv6: config.getOption('disable_ipv6').kind === 'bool' && (config.getOption('disable_ipv6') as { value: boolean }).value,
  });
  const limits: LimitOptions = {
    acceptMax: num(config, 'smtp_accept_max'),
    acceptReserve: num(config, 'smtp_accept_reserve'),
    loadReserve: optionalNum(config, 'smtp_load_reserve'),
    acceptQueue: num(config, 'smtp_accept_queue'),
  };
  const maxPerHost = optionString(config, 'smtp_accept_max_per_host');
  if (limits.acceptMax === 0 && (maxPerHost !== '' || limits.acceptQueue > 0)) {
    // Exim refuses this combination when it reads the configuration.
    throw new SettingsError('smtp_accept_max must be set if smtp_accept_queue or smtp_accept_max_per_host is set');
  }
  return {
    listen,
    backlog: num(config, 'smtp_connect_backlog') || 20,
    limits,
    maxPerHost,
    reserveHosts: optionString(config, 'smtp_reserve_hosts'),
    activeHostname: optionString(config, 'smtp_active_hostname'),
    startupRetries: num(config, 'daemon_startup_retries'),
    startupSleepMs: num(config, 'daemon_startup_sleep') * 1000,
    pidFile: pidFile(config, opts, spool),
    spoolDirectory: spool,
    ...ids(config),
    ...queueSettings(opts),
  };
}

/** Same sockets? (A reload with different ones re-binds.) */
export function sameListeners(a: ListenAddress[], b: ListenAddress[]): boolean {
  const key = (l: ListenAddress[]) => l.map((x) => `[${x.address}]:${x.port}/${x.tlsOnConnect}`).sort().join(' ');
  return key(a) === key(b);
}
