// Local submission: `tern -bm`, `tern -t`, and tern called as `sendmail`.
// Reads the message from standard input, settles sender and recipients as
// Exim does for a local caller (trusted or not), runs acl_not_smtp_start and
// acl_not_smtp, and puts the message on the spool. Delivery comes with the
// "Delivering mail" work: until then every message stays queued, as with
// -odq (nothing is logged about a delivery that does not happen).

import { loadConfigForMode } from './load-config.ts';
import fs from 'node:fs';
import type { CliOptions } from './args.ts';
import { optionString, type Config } from '../config/index.ts';
import type { ExpandContext } from '../expand/context.ts';
import { expandString } from '../expand/index.ts';
import { extractAddress, findAddressEnd } from '../expand/operators/address.ts';
import { textToByteString } from '../expand/operators/bytes.ts';
import { configExpandContext } from '../config/expand-context.ts';
import { matchAddressList } from '../lists/index.ts';
import { loggerFromConfig, type Logger } from '../log/index.ts';
import type { Recipient } from '../mail/message.ts';
import { splitHeaders } from '../mail/headers.ts';
import { compileRegex } from '../regex/index.ts';
import { buildMessage, commitMessage, ReceiveError, type Origin } from '../receive/index.ts';
import { readLocalMessage } from '../receive/local-input.ts';
import { extractRecipients, sameAddress } from '../receive/extract.ts';
import { localCaller } from '../receive/caller.ts';
import { savedSpamVariables } from '../scan/saved-variables.ts';

class SubmitError extends Error {
  override name = 'SubmitError';
}

function readStdin(): Buffer {
  const chunks: Buffer[] = [];
  const buf = Buffer.allocUnsafe(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

/** Addresses of one command-line argument (an RFC 2822 list), qualified. */
function argumentAddresses(arg: string, qualify: string): string[] {
  const out: string[] = [];
  let pos = 0;
  for (;;) {
    const end = findAddressEnd(arg, pos);
    const item = arg.slice(pos, end);
    if (item.trim() !== '') {
      const r = extractAddress(item.trim());
      if ('error' in r) throw new SubmitError(`bad recipient address "${item.trim()}": ${r.error}`);
      out.push(r.domainStart === 0 ? `${r.address}@${qualify}` : r.address);
    }
    if (end >= arg.length) break;
    pos = end + 1;
  }
  return out;
}

function expansionContext(config: Config): ExpandContext {
  return configExpandContext(config);
}

interface AclModule {
  runAcl(spec: string, where: string, actx: unknown): Promise<{ verdict: string; userMessage?: string; logMessage?: string }>;
  newAclContext?: unknown;
}

/** acl_not_smtp_start / acl_not_smtp, when set: the ACL engine's entry point. */
async function runNotSmtpAcl(option: string, config: Config, ectx: ExpandContext, logger: Logger, headers?: string[], body?: Buffer): Promise<void> {
  const spec = optionString(config, option);
  if (spec === '') return;
  const where = option === 'acl_not_smtp_start' ? 'not_smtp_start' : 'not_smtp';
  const mod = (await import('../acl/index.ts')) as AclModule;
  if (typeof mod.runAcl !== 'function') throw new SubmitError(`${option} is set but the ACL engine has no runAcl`);
  const { newConnectionState, newMessageState } = await import('../acl/types.ts');
  const msg = newMessageState();
  let result: Awaited<ReturnType<AclModule['runAcl']>>;
  try {
    result = await mod.runAcl(expandString(spec, ectx), where, {
      config, expand: ectx, logger, conn: newConnectionState(), msg, headers, body,
      messageId: ectx.vars.get('message_id')?.value,
      verify: (await import('../verify/index.ts')).addressVerifyHooks({ config, ctx: ectx, log: (line: string) => logger.main(line) }),
    });
  } finally {
    // the .eml that spam = / malware = wrote goes once the ACL has run (src/scan)
    if (body !== undefined) await (await import('../scan/spool-file.ts')).releaseScanDirectory(msg);
  }
  if (result.verdict === 'accept' || result.verdict === 'discard') return;
  const text = result.userMessage ?? 'local message rejected';
  logger.reject(`F=<${ectx.vars.get('sender_address')?.value ?? ''}> rejected by non-SMTP ACL: ${result.logMessage ?? text}`);
  throw new SubmitError(result.verdict === 'defer' ? `temporarily rejected: ${text}` : text);
}

export async function main(opts: CliOptions): Promise<number> {
  const config = loadConfigForMode(opts);
  if (!config) return 1;
  if (!opts.extractRecipients && opts.args.length === 0) {
    process.stderr.write('Exim is a Mail Transfer Agent. It is normally called by Mail User Agents,\n'
      + 'not directly from a shell command line. Options and/or arguments control\n'
      + 'what it does when called. For a list of options, see the Exim documentation.\n');
    return 1;
  }
  const logger = loggerFromConfig(config);
  try {
    return await submit(opts, config, logger);
  } catch (e) {
    if (e instanceof SubmitError || e instanceof ReceiveError) {
      process.stderr.write(`exim: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await logger.close();
  }
}

async function submit(opts: CliOptions, config: Config, logger: Logger): Promise<number> {
  const ectx = expansionContext(config);
  const caller = localCaller(config, opts.fullName);
  const qualifyDomain = optionString(config, 'qualify_domain');
  const qualifyRecipient = optionString(config, 'qualify_recipient') || qualifyDomain;
  ectx.vars.set('sender_ident', { value: caller.login, tainted: false });
  ectx.vars.set('caller_uid', { value: String(caller.uid), tainted: false });
  ectx.vars.set('caller_gid', { value: String(caller.gid), tainted: false });

  await runNotSmtpAcl('acl_not_smtp_start', config, ectx, logger);

  const pattern = optionString(config, 'uucp_from_pattern');
  const input = readLocalMessage(readStdin(), {
    dotIsEnd: opts.dotIsEnd,
    fromPattern: pattern ? compileRegex(pattern) : undefined,
  });

  // The envelope sender.
  const loginAddress = `${caller.login}@${qualifyDomain}`;
  let sender = loginAddress;
  let senderForced = false;
  let senderSetUntrusted = false;
  const qualify = (a: string) => (a === '' || a.includes('@') ? a : `${a}@${qualifyDomain}`);
  if (opts.sender !== undefined) {
    const given = opts.sender === '<>' ? '' : opts.sender;
    let address = given;
    if (given !== '') {
      const r = extractAddress(given, true);
      if ('error' in r) throw new SubmitError(`bad -f address "${given}": ${r.error}`);
      address = qualify(r.address);
    }
    if (caller.trusted || address === '') {
      sender = address;
      senderForced = true;
    } else {
      const allowed = optionString(config, 'untrusted_set_sender');
      if (allowed !== '' && matchAddressList(address, allowed, ectx).result === 'ok') {
        sender = address;
        senderForced = true;
        senderSetUntrusted = true;
      }
    }
  } else if (input.fromLineSender !== undefined && caller.trusted) {
    sender = qualify(input.fromLineSender);
    senderForced = true;
  }

  // The recipients.
  let addresses: string[];
  const argAddresses = opts.args.flatMap((a) => argumentAddresses(a, qualifyRecipient));
  const excluded: string[] = [];
  if (opts.extractRecipients) {
    const { headers } = splitHeaders(input.raw);
    const found = extractRecipients(headers, qualifyRecipient);
    for (const bad of found.errors) throw new SubmitError(`bad recipient address "${bad.address}": ${bad.error}`);
    if (getBool(config, 'extract_addresses_remove_arguments')) {
      addresses = found.recipients.filter((r) => !argAddresses.some((a) => sameAddress(a, r)));
      excluded.push(...argAddresses);
      if (addresses.length === 0 && found.recipients.length > 0) throw new SubmitError('all -t recipients overridden by command line');
    } else {
      addresses = [...found.recipients, ...argAddresses];
    }
    if (addresses.length === 0) {
      logger.main('no recipients found in headers');
      throw new SubmitError('no recipients in message');
    }
  } else {
    addresses = argAddresses;
    if (addresses.length === 0) throw new SubmitError('no recipients in message');
  }
  const recipients: Recipient[] = addresses.map((address) => ({ address }));

  const origin: Origin = {
    local: true,
    protocol: opts.oM.get('r') ?? 'local',
    caller,
    ident: caller.login,
    senderForced,
    nameForced: opts.fullName !== undefined,
    extractedRecipients: opts.extractRecipients,
  };
  const { message, body } = buildMessage(input.raw, { sender, recipients }, origin, config, ectx, {
    maxLineLength: input.maxLineLength,
    rewriteLog: (line, id, log) => log === 'panic' ? logger.panic(line, { id }) : logger.main(line, { id }),
  });
  message.senderSetUntrusted = senderSetUntrusted;
  // Without -f, the caller is the message's authenticated originator; when
  // the sender is also the caller's own address, Exim marks it "-local".
  if (opts.sender === undefined) message.authId = caller.login;
  if (!senderForced) {
    message.local = true;
    message.authSender = sender;
  }
  message.nonRecipients = excluded;
  message.dontDeliver = opts.dontDeliver;

  // acl_not_smtp_mime (src/mime/not-smtp.ts) comes first; Exim ends a rejected submission silently
  const mime = optionString(config, 'acl_not_smtp_mime') === '' ? undefined : await import('../mime/not-smtp.ts');
  const mimeScan = mime ? await mime.runLocalMimeAcl(config, ectx, logger, message, body) : undefined;
  if (mimeScan?.verdict === 'reject') return 1;
  await runNotSmtpAcl('acl_not_smtp', config, ectx, logger, ectx.headers, body);
  await mimeScan?.release();
  if (mime && mimeScan?.verdict === 'discard') {
    mime.logMimeDiscard(logger, message, body);
    return 1;
  }
  for (const [k, v] of ectx.vars) {
    if (k.startsWith('acl_c')) message.aclC.set(k.slice(5), { value: textToByteString(v.value), tainted: v.tainted });
    else if (k.startsWith('acl_m')) message.aclM.set(k.slice(5), { value: textToByteString(v.value), tainted: v.tainted });
  }
  Object.assign(message, savedSpamVariables(ectx.vars));

  await commitMessage(message, body, { config, logger });
  return 0;
}

function getBool(config: Config, name: string): boolean {
  const v = config.getOption(name);
  return v.kind === 'bool' && v.value;
}
