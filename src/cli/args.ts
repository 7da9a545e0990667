// Exim's command line, parsed into one structure. Each mode module reads
// what it needs from CliOptions; this file knows flags, not behaviour.

export type Mode =
  | 'version' // -bV
  | 'print' // -bP
  | 'expand' // -be / -bem
  | 'daemon' // -bd / -bdf
  | 'smtp-stdin' // -bs
  | 'batch-smtp' // -bS
  | 'host-check' // -bh / -bhc
  | 'address-test' // -bt
  | 'verify' // -bv / -bvs
  | 'queue-list' // -bp family / mailq
  | 'queue-count' // -bpc
  | 'queue-run' // -q
  | 'message-op' // -M*
  | 'filter-test' // -bf / -bF
  | 'malware-test' // -bmalware
  | 'rewrite-test' // -brw
  | 'submit'; // -bm, -t, sendmail default

export interface CliOptions {
  mode: Mode;
  argv0: string;
  configFile?: string;
  macros: Map<string, string>;
  /** Remaining non-option arguments (recipients, -bP names, -be expressions). */
  args: string[];
  /** The exact -b / -M / -q flag that chose the mode. */
  modeFlag?: string;
  /** -bem FILE */
  messageFile?: string;
  /** -bmalware FILE */
  malwareFile?: string;
  /** -oMa, -oMi, -oMs, -oMr, -oMt, -oMaa, -oMas: connection details for testing modes. */
  oM: Map<string, string>;
  sender?: string; // -f
  fullName?: string; // -F
  extractRecipients: boolean; // -t
  dotIsEnd: boolean; // false after -i / -oi
  deliveryMode?: 'i' | 'q' | 'b' | 'f'; // -od?
  pidFile?: string; // -oP
  listenOverride?: string; // -oX
  hostCheckAddress?: string; // -bh IP
  debug?: string; // -d...
  dontDeliver: boolean; // -N
  queueInterval?: string; // -q<time>
  foreground: boolean; // -bdf
  /** -bf FILE (a user's filter or forward file) and -bF FILE (a system filter), to test. */
  filterFile?: string;
  systemFilterFile?: string;
  /** -bfd, -bfl, -bfp, -bfs: the envelope recipient's domain, local part, prefix and suffix for -bf. */
  filterDomain?: string;
  filterLocalPart?: string;
  filterPrefix?: string;
  filterSuffix?: string;
  /** -v */
  verbose?: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Flags that take the next argument as their value (when not glued to the flag). */
const WITH_VALUE = new Set(['-C', '-f', '-F', '-oMa', '-oMaa', '-oMai', '-oMas', '-oMi', '-oMr', '-oMs', '-oMt', '-oP', '-oX', '-r', '-bem', '-bmalware', '-bh', '-bhc', '-oB', '-oMm', '-X']);

export function parseArgs(argv: string[], argv0 = 'exim'): CliOptions {
  const o: CliOptions = {
    mode: argv0 === 'mailq' ? 'queue-list' : 'submit',
    argv0,
    macros: new Map(),
    args: [],
    oM: new Map(),
    extractRecipients: false,
    dotIsEnd: true,
    dontDeliver: false,
    foreground: false,
  };
  let i = 0;
  const value = (flag: string, glued: string): string => {
    if (glued !== '') return glued;
    if (i + 1 >= argv.length) throw new UsageError(`exim: string expected after ${flag}`);
    return argv[++i];
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { i++; break; }
    if (!a.startsWith('-') || a === '-') break;
    if (a.startsWith('-D')) {
      const def = a.slice(2);
      const eq = def.indexOf('=');
      if (eq < 0) o.macros.set(def.trim(), '');
      else o.macros.set(def.slice(0, eq).trim(), def.slice(eq + 1));
      continue;
    }
    if (a.startsWith('-C')) { o.configFile = value('-C', a.slice(2)); continue; }
    if (a.startsWith('-d')) { o.debug = a.slice(2); continue; }
    if (a === '-bV') { o.mode = 'version'; o.modeFlag = a; continue; }
    if (a === '-bP') { o.mode = 'print'; o.modeFlag = a; continue; }
    if (a === '-be') { o.mode = 'expand'; o.modeFlag = a; continue; }
    if (a === '-bem') { o.mode = 'expand'; o.modeFlag = a; o.messageFile = value(a, ''); continue; }
    if (a === '-bd' || a === '-bdf') { o.mode = 'daemon'; o.modeFlag = a; o.foreground = a === '-bdf'; continue; }
    if (a === '-bs') { o.mode = 'smtp-stdin'; o.modeFlag = a; continue; }
    if (a === '-bmalware') { o.mode = 'malware-test'; o.modeFlag = a; o.malwareFile = value(a, ''); continue; }
    if (a === '-bS') { o.mode = 'batch-smtp'; o.modeFlag = a; continue; }
    if (a === '-bh' || a === '-bhc') { o.mode = 'host-check'; o.modeFlag = a; o.hostCheckAddress = value(a, ''); continue; }
    if (a === '-bt') { o.mode = 'address-test'; o.modeFlag = a; continue; }
    // -brw takes the next argument as its address, whatever it looks like
    if (a === '-brw') { o.mode = 'rewrite-test'; o.modeFlag = a; if (i + 1 < argv.length) o.args.push(argv[++i]); continue; }
    if (a === '-bv' || a === '-bvs') { o.mode = 'verify'; o.modeFlag = a; continue; }
    if (a === '-bf' || a === '-bF') {
      o.mode = 'filter-test';
      o.modeFlag ??= a;
      if (a === '-bf') o.filterFile = value(a, '');
      else o.systemFilterFile = value(a, '');
      continue;
    }
    if (a === '-bfd') { o.filterDomain = value(a, ''); continue; }
    if (a === '-bfl') { o.filterLocalPart = value(a, ''); continue; }
    if (a === '-bfp') { o.filterPrefix = value(a, ''); continue; }
    if (a === '-bfs') { o.filterSuffix = value(a, ''); continue; }
    if (a === '-v') { o.verbose = true; continue; }
    if (a === '-bpc') { o.mode = 'queue-count'; o.modeFlag = a; continue; }
    if (/^-bp[arui]*$/.test(a)) { o.mode = 'queue-list'; o.modeFlag = a; continue; }
    if (a === '-bm') { o.mode = 'submit'; continue; }
    if (/^-M(rm|f|t|g|c|vh|vb|vl|vc|ar|es|mad|madn|s)?$/.test(a)) { o.mode = 'message-op'; o.modeFlag = a; continue; }
    if (/^-q/.test(a)) { o.mode = o.mode === 'daemon' || o.mode === 'queue-list' || o.mode === 'queue-count' ? o.mode : 'queue-run'; o.queueInterval = a.slice(2); continue; }
    if (a === '-t') { o.extractRecipients = true; continue; }
    if (a === '-i' || a === '-oi') { o.dotIsEnd = false; continue; }
    if (a === '-N') { o.dontDeliver = true; continue; }
    if (/^-od[ibqf]$/.test(a)) { o.deliveryMode = a[3] as CliOptions['deliveryMode']; continue; }
    if (a.startsWith('-f') || a.startsWith('-r')) { o.sender = value(a.slice(0, 2), a.slice(2)); continue; }
    if (a.startsWith('-F')) { o.fullName = value('-F', a.slice(2)); continue; }
    if (a.startsWith('-oM')) {
      const m = /^-oM(aa|ai|as|a|i|r|s|t|m)(.*)$/.exec(a);
      if (!m) throw new UsageError(`exim abandoned: unknown, malformed, or incomplete option ${a}`);
      o.oM.set(m[1], value(`-oM${m[1]}`, m[2]));
      continue;
    }
    if (a.startsWith('-oP')) { o.pidFile = value('-oP', a.slice(3)); continue; }
    if (a.startsWith('-oX')) { o.listenOverride = value('-oX', a.slice(3)); continue; }
    if (WITH_VALUE.has(a)) { value(a, ''); continue; }
    // Options accepted for sendmail compatibility that change nothing here.
    if (/^-(o[eem]\w*|oo|v|m|em|ep|eq|ew|U|x|B\w*|h\d*|L\w*|n|odb|ov|oee|oem|oep|oeq|oew)$/.test(a)) continue;
    throw new UsageError(`exim abandoned: unknown, malformed, or incomplete option ${a}`);
  }
  o.args.push(...argv.slice(i));
  return o;
}
