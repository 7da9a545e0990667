// The daemon's primary process. It binds the listening sockets, accepts
// every connection itself and applies the global limits there (so a refused
// client costs no session and gets Exim's 421), hands each admitted socket to
// the least loaded worker, and keeps the connection counts from the workers'
// reports. SIGHUP reloads the configuration without dropping a session;
// SIGTERM/SIGINT stop cleanly and remove the pid file.
//
// Start-up order: read the configuration, prepare directories, bind, write
// the pid file (still as root when started as root), drop to
// exim_user/exim_group, open the logs, start the workers, and only then say
// "daemon started" (and tell a waiting launcher, for -bd).

import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import type { CliOptions } from '../cli/args.ts';
import { findConfigFile, loadConfig, type Config } from '../config/index.ts';
import { checkConfig } from '../cli/check-config.ts';
import { EXIM_COMPAT_VERSION } from '../config/defaults.ts';
import { expandString, ForcedFail } from '../expand/index.ts';
import { matchHostList } from '../lists/host.ts';
import { loggerFromConfig, logFilePathFromConfig, parseLogFilePath, type Logger } from '../log/index.ts';
import { checkAcceptLimits, checkReserve, ConnectionCounts, parseMaxPerHost, queueOnlyFor, reserveApplies, type Refusal } from './limits.ts';
import { listeningText, type ListenAddress } from './listen-spec.ts';
import { bindAll, closeAll, type BoundListener } from './listeners.ts';
import { daemonExpandContext, type PeerVars } from './options-view.ts';
import { removePidFile, writePidFile } from './pid-file.ts';
import { WorkerPool } from './pool.ts';
import { dropPrivileges, prepareDirectory } from './privileges.ts';
import { daemonSettings, sameListeners, type DaemonSettings } from './settings.ts';

export interface PrimaryOptions {
  cli: CliOptions;
  /** Running detached (-bd): no stderr. */
  detached: boolean;
  /** How workers are started: tern's entry script and its arguments. */
  entry: string;
  argv: string[];
  execArgv: string[];
  workers: number;
  /** Sessions get this long to finish after SIGTERM. */
  stopGraceMs: number;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** IPv4 clients of an IPv6 socket show as ::ffff:a.b.c.d; the logs and limits want a.b.c.d. */
function plainAddress(ip: string | undefined): string | undefined {
  return ip?.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

export class Primary {
  private readonly o: PrimaryOptions;
  private readonly configFile: string;
  private config!: Config;
  private settings!: DaemonSettings;
  private logger!: Logger;
  private listeners: BoundListener[] = [];
  private pool!: WorkerPool;
  private readonly counts = new ConnectionCounts();
  private readonly connections = new Map<number, string>();
  private nextId = 0;
  private stopping = false;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private pidFile: string | undefined;
  /** Connections that arrive before the logs and workers are up wait here. */
  private early: Array<[net.Socket, ListenAddress]> | undefined = [];

  constructor(o: PrimaryOptions) {
    this.o = o;
    this.configFile = findConfigFile(o.cli);
  }

  /** Start listening and the workers. Throws (with Exim's wording) when the daemon cannot start. */
  async start(): Promise<void> {
    this.config = loadConfig(this.configFile, this.o.cli.macros);
    await checkConfig(this.config); // a bad expansion or ACL stops the start, with file and line
    this.settings = daemonSettings(this.config, this.o.cli);
    const s = this.settings;
    this.prepareDirectories(s);
    let early: Logger | undefined;
    this.listeners = await bindAll(s.listen, {
      backlog: s.backlog,
      retries: s.startupRetries,
      sleepMs: s.startupSleepMs,
      onRetry: (text) => (early ??= this.makeLogger(this.config)).main(text),
      onConnection: (socket, spec) => this.onConnection(socket, spec),
    });
    for (const l of this.listeners) l.server.on('error', (e) => this.logger.panic(`accept() on [${l.spec.address}]:${l.spec.port} failed: ${errorText(e)}`));
    if (s.pidFile) {
      writePidFile(s.pidFile, process.pid);
      this.pidFile = s.pidFile;
    }
    dropPrivileges(s.uid, s.gid);
    this.logger = this.makeLogger(this.config);
    this.pool = new WorkerPool({
      size: this.o.workers,
      modulePath: this.o.entry,
      args: this.o.argv,
      execArgv: this.o.execArgv,
      onCrash: (pid, how) => this.logger.panic(`daemon worker process ${pid} ended unexpectedly (${how}): started another`),
      onStartFailure: (message) => this.logger.panic(`daemon worker failed to start: ${message}`),
      onConnectionEnd: (id) => this.connectionEnded(id),
    });
    if (!(await this.pool.startGeneration())) {
      await this.pool.stop(0, 1000);
      this.releaseResources();
      throw new Error('daemon workers failed to start (see the panic log)');
    }
    this.logStarted();
    const waiting = this.early ?? [];
    this.early = undefined;
    for (const [socket, spec] of waiting) this.onConnection(socket, spec);
    if (s.queueInterval !== undefined) {
      this.logger.main(`queue runs every ${s.queueText.slice(2)} were asked for, but queue running is not implemented yet: no queue runner will be started`);
    }
    process.on('SIGHUP', () => void this.reload());
    process.on('SIGTERM', () => void this.stop());
    process.on('SIGINT', () => void this.stop());
  }

  workerPids(): number[] {
    return this.pool.pids();
  }

  private makeLogger(config: Config): Logger {
    return loggerFromConfig(config, this.o.detached ? { stderr: null } : {});
  }

  /** The spool, log and pid directories exist (created for the Exim user when we make them). */
  private prepareDirectories(s: DaemonSettings): void {
    prepareDirectory(s.spoolDirectory, s.uid, s.gid);
    const logFile = parseLogFilePath(logFilePathFromConfig(this.config), s.spoolDirectory).file;
    if (logFile) prepareDirectory(path.dirname(logFile), s.uid, s.gid);
    if (s.pidFile) prepareDirectory(path.dirname(s.pidFile), s.uid, s.gid);
  }

  private logStarted(): void {
    const s = this.settings;
    // "exim <version>" keeps the line in the shape Exim's log readers know.
    this.logger.main(`exim ${EXIM_COMPAT_VERSION} daemon started: pid=${process.pid}, ${s.queueText}, ${listeningText(s.listen)}`);
  }

  private who(ip: string, port: number): string {
    return this.logger.selector.has('incoming_port') ? `[${ip}]:${port}` : `[${ip}]`;
  }

  /** smtp_accept_max_per_host for this client (0: no limit). */
  private maxPerHost(peer: PeerVars): number {
    const text = this.settings.maxPerHost;
    if (text === '') return 0;
    let expanded: string;
    try {
      expanded = expandString(text, daemonExpandContext(this.config, peer));
    } catch (e) {
      if (!(e instanceof ForcedFail)) this.logger.panic(`expansion of smtp_accept_max_per_host failed: ${errorText(e)}`);
      return 0;
    }
    const n = parseMaxPerHost(expanded);
    if (typeof n === 'number') return n;
    this.logger.panic(n.error);
    return 0;
  }

  /** Is the client in smtp_reserve_hosts? A list that cannot be decided now counts as no. */
  private isReserveHost(peer: PeerVars): boolean {
    const list = this.settings.reserveHosts;
    if (list === '') return false;
    try {
      return matchHostList({ address: peer.remoteAddress }, list, daemonExpandContext(this.config, peer)).result === 'ok';
    } catch (e) {
      this.logger.panic(`smtp_reserve_hosts could not be checked for [${peer.remoteAddress}]: ${errorText(e)}`);
      return false;
    }
  }

  private refuse(socket: net.Socket, r: Refusal): void {
    if (this.logger.selector.has('connection_reject')) this.logger.main(r.log);
    socket.on('error', () => {});
    socket.end(r.reply + '\r\n');
    // A client that never reads must not hold the socket open.
    socket.setTimeout(10_000, () => socket.destroy());
  }

  private onConnection(socket: net.Socket, spec: ListenAddress): void {
    if (this.early) {
      this.early.push([socket, spec]);
      return;
    }
    const remoteAddress = plainAddress(socket.remoteAddress);
    const localAddress = plainAddress(socket.localAddress);
    if (this.stopping || !remoteAddress || !localAddress) {
      socket.destroy();
      return;
    }
    const peer: PeerVars = { remoteAddress, remotePort: socket.remotePort ?? 0, localAddress, localPort: socket.localPort ?? spec.port };
    const who = this.who(remoteAddress, peer.remotePort);
    const s = this.settings;
    const existing = this.counts.total;
    const refusal = checkAcceptLimits(existing, this.counts.forHost(remoteAddress), this.maxPerHost(peer), s.limits, who);
    if (refusal) return this.refuse(socket, refusal);
    const load = s.limits.loadReserve !== undefined ? os.loadavg()[0] : 0;
    if (reserveApplies(existing, load, s.limits) && !this.isReserveHost(peer)) {
      const host = s.activeHostname === '' ? this.hostName() : this.activeHostname(peer);
      const r = checkReserve(existing, load, s.limits, who, host);
      if (r) return this.refuse(socket, r);
    }
    const id = ++this.nextId;
    this.counts.add(remoteAddress);
    this.connections.set(id, remoteAddress);
    this.pool.dispatch(socket, {
      id,
      ...peer,
      tlsOnConnect: spec.tlsOnConnect,
      connectionCount: this.counts.total,
      queueOnly: queueOnlyFor(this.counts.total, s.limits),
    });
  }

  private hostName(): string {
    return expandString('$primary_hostname', daemonExpandContext(this.config));
  }

  private activeHostname(peer: PeerVars): string {
    try {
      return expandString(this.settings.activeHostname, daemonExpandContext(this.config, peer)) || this.hostName();
    } catch {
      return this.hostName();
    }
  }

  private connectionEnded(id: number): void {
    const ip = this.connections.get(id);
    if (ip === undefined) return;
    this.connections.delete(id);
    this.counts.remove(ip);
  }

  /** SIGHUP: a new configuration, new workers; old workers finish their sessions. */
  reload(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.doReload().finally(() => {
      this.reloading = undefined;
      if (this.reloadAgain) {
        this.reloadAgain = false;
        void this.reload();
      }
    });
    return this.reloading;
  }

  private async doReload(): Promise<void> {
    this.logger.main(`pid ${process.pid}: SIGHUP received: reloading configuration`);
    let config: Config;
    let settings: DaemonSettings;
    try {
      config = loadConfig(this.configFile, this.o.cli.macros);
      await checkConfig(config);
      settings = daemonSettings(config, this.o.cli);
    } catch (e) {
      this.logger.panic(`configuration reload failed; the daemon goes on with the previous configuration: ${errorText(e)}`);
      return;
    }
    if (!sameListeners(settings.listen, this.settings.listen)) {
      try {
        await this.rebind(settings);
      } catch (e) {
        this.logger.panic(`configuration reload failed; the daemon goes on with the previous configuration: ${errorText(e)}`);
        return;
      }
    }
    if (!(await this.pool.startGeneration())) {
      this.pool.abandonNewestGeneration();
      this.logger.panic('configuration reload failed: new workers did not start; the daemon goes on with the previous configuration');
      return;
    }
    this.pool.retireOlderGenerations();
    const oldLogger = this.logger;
    this.config = config;
    this.settings = settings;
    this.logger = this.makeLogger(config);
    void oldLogger.close();
    this.logStarted();
  }

  /** Listen as the new configuration says: keep common sockets, bind new ones, close the rest. */
  private async rebind(settings: DaemonSettings): Promise<void> {
    const key = (a: ListenAddress) => `[${a.address}]:${a.port}`;
    const wanted = new Map(settings.listen.map((a) => [key(a), a]));
    const kept = this.listeners.filter((l) => wanted.has(key(l.spec)));
    const added = settings.listen.filter((a) => !kept.some((l) => key(l.spec) === key(a)));
    const fresh = await bindAll(added, {
      backlog: settings.backlog,
      retries: 0,
      sleepMs: 0,
      onRetry: () => {},
      onConnection: (socket, spec) => this.onConnection(socket, spec),
    });
    closeAll(this.listeners.filter((l) => !kept.includes(l)));
    for (const l of kept) l.spec = wanted.get(key(l.spec))!;
    this.listeners = [...kept, ...fresh];
  }

  private releaseResources(): void {
    closeAll(this.listeners);
    this.listeners = [];
    if (this.pidFile) removePidFile(this.pidFile, process.pid);
  }

  /** SIGTERM/SIGINT: stop accepting, let sessions finish (within the grace period), exit 0. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    closeAll(this.listeners);
    await this.pool.stop(this.o.stopGraceMs, this.o.stopGraceMs + 5000);
    this.releaseResources();
    await this.logger.flush();
    process.exit(0);
  }
}
