// SPF and DKIM cases run through -bh by both Exim 4.98 (record-exim.ts,
// once, as an oracle) and tern (exim-golden.test.ts). The zones, the
// configuration and the dialogues are the same; what differs between runs
// (keys, signing times, message ids, sizes) is normalised away.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ZoneSpec } from '../helpers/dns-server.ts';
import { ed25519Key, rsaKey, signMessage, type TestKey } from '../dkim/keys.ts';

export interface Keys {
  rsa: TestKey;
  ed: TestKey;
  gone: TestKey;
  small: TestKey;
}

export function makeKeys(): Keys {
  return { rsa: rsaKey('rsa'), ed: ed25519Key('ed'), gone: rsaKey('gone'), small: rsaKey('small', 512) };
}

const includes = 'abcdefghi'.split('').map((c) => `include:${c}.spf.test`).join(' ');

export function zones(keys: Keys): ZoneSpec[] {
  return [
    {
      name: 'spf.test',
      records: [
        'pass TXT "v=spf1 ip4:192.0.2.1 -all"', 'soft TXT "v=spf1 ip4:192.0.2.99 ~all"', 'fail TXT "v=spf1 ip4:192.0.2.99 -all"',
        'neutral TXT "v=spf1 ?all"', 'broken TXT "v=spf1 ip4:192.0.2.1 bogus:mechanism -all"',
        'explained TXT "v=spf1 -all exp=why.spf.test"', 'why TXT "%{i} may not send for %{d}"',
        'nospf A 192.0.2.1', 'nospf TXT "just some text"', 'helo TXT "v=spf1 ip4:192.0.2.1 -all"',
        `many TXT "v=spf1 include:a.spf.test include:a.spf.test ${includes} -all"`,
        ...'abcdefghi'.split('').map((c) => `${c} TXT "v=spf1 ?all"`),
        'two TXT "v=spf1 -all"', 'two TXT "v=spf1 +all"', 'badip TXT "v=spf1 ip4:300.1.1.1 -all"',
      ],
    },
    {
      name: 'signer.test',
      records: [
        keys.rsa.record, keys.ed.record, keys.small.record,
        // the RSA key again: for testing (t=y), with notes and a service type; and a record that is no key
        keys.rsa.record.replace(/^rsa\._domainkey TXT "v=DKIM1; k=rsa;/, 'testing._domainkey TXT "v=DKIM1; k=rsa; t=y:s; s=email; n=hello;'),
        'bad._domainkey TXT "v=DKIM1; k=rsa; p=AAAAnotakey"',
      ],
    },
    { name: 'refused.test', records: ['@ A 192.0.2.1'], refused: true },
  ];
}

/**
 * The configuration of a variant: "guess" also tries spf_guess in the RCPT ACL
 * (which overwrites the $spf_* variables); "policy" has the DKIM ACL overrule
 * and refuse; "minimal" and "rsaonly" set DKIM verification options.
 */
export type Variant = 'plain' | 'guess' | 'policy' | 'minimal' | 'rsaonly';

export function configText(variant: Variant): string {
  const options = variant === 'minimal' ? 'dkim_verify_minimal = true\n'
    : variant === 'rsaonly' ? 'dkim_verify_keytypes = rsa\ndkim_verify_signers = paypal.test : $dkim_signers\n' : '';
  const policy = variant !== 'policy' ? '' : `  warn condition = \${if eq{$dkim_selector}{rsa}}
       set dkim_verify_status = fail
       set dkim_verify_reason = local policy
  deny dkim_signers = alice@signer.test
       message = refusing $dkim_cur_signer ($dkim_verify_status)
`;
  return `
primary_hostname = mx.tern.test
log_selector = +dkim_verbose
spf_guess = v=spf1 a/24 -all
${options}acl_smtp_rcpt = rcpt
acl_smtp_dkim = dkim
acl_smtp_data = data
begin acl
rcpt:
  warn spf = fail
       logwrite = matched fail
  warn spf = !pass
       logwrite = matched !pass
  warn spf = invalid
       logwrite = matched invalid
${variant === 'guess' ? '  warn spf_guess = pass\n' : ''}  accept logwrite = R=$spf_result guessed=$spf_result_guessed comment=$spf_header_comment|smtp=$spf_smtp_comment|rcv=$spf_received
dkim:
${policy}  accept logwrite = dkim: signer=$dkim_cur_signer status=$dkim_verify_status reason=$dkim_verify_reason d=$dkim_domain s=$dkim_selector i=$dkim_identity a=$dkim_algo c=$dkim_canon_headers/$dkim_canon_body bits=$dkim_key_length h=$dkim_headernames
         logwrite = key: testing=$dkim_key_testing nosub=$dkim_key_nosubdomains srv=$dkim_key_srvtype gran=$dkim_key_granularity notes=$dkim_key_notes created=\${if >{$dkim_created}{0}{set}{0}} expires=$dkim_expires bodylen=$dkim_bodylength
data:
  accept logwrite = data: status=$dkim_verify_status signers=$dkim_signers
         logwrite = \${authresults{mx.tern.test}}
`;
}

const MESSAGE = 'From: Alice <alice@signer.test>\nTo: bob@mx.tern.test\nSubject: signed\nDate: Sun, 22 Nov 2026 12:00:00 +0000\nMessage-ID: <m1@signer.test>\n\nHello Bob.\nThis body is signed.\n';

export interface Case {
  variant: Variant;
  ip: string;
  sender: string;
  helo: string;
  data: string;
}

export async function cases(keys: Keys): Promise<Case[]> {
  const signed = await signMessage(MESSAGE, [
    { domain: 'signer.test', key: keys.rsa, identity: 'alice@signer.test' },
    { domain: 'signer.test', key: keys.ed, canonicalization: 'simple/simple' },
    { domain: 'signer.test', key: keys.gone },
    { domain: 'signer.test', key: keys.small },
  ]);
  const c = (variant: Variant | boolean, ip: string, sender: string, data = MESSAGE, helo = 'client.test'): Case =>
    ({ variant: variant === true ? 'guess' : variant === false ? 'plain' : variant, ip, sender, helo, data });
  return [
    c(true, '192.0.2.1', 'a@pass.spf.test'), c(true, '192.0.2.1', 'a@fail.spf.test'), c(true, '192.0.2.1', 'a@soft.spf.test'),
    c(true, '192.0.2.1', 'a@neutral.spf.test'), c(true, '192.0.2.1', 'a@nospf.spf.test'), c(true, '192.0.2.5', 'a@explained.spf.test'),
    c(true, '192.0.2.1', '', MESSAGE, 'helo.spf.test'),
    c(false, '192.0.2.1', 'a@nospf.spf.test'), c(false, '192.0.2.7', 'a@broken.spf.test'), c(false, '192.0.2.7', 'a@many.spf.test'),
    c(false, '192.0.2.7', 'a@two.spf.test'), c(false, '192.0.2.7', 'a@badip.spf.test'), c(false, '192.0.2.7', 'a@nxdomain.spf.test'),
    c(false, '192.0.2.7', 'a@refused.test'),
    c(false, '192.0.2.1', 'a@pass.spf.test', signed), c(false, '192.0.2.1', 'a@pass.spf.test', signed.replace('This body is signed.', 'changed')),
    c('policy', '192.0.2.1', 'a@pass.spf.test', signed), c('minimal', '192.0.2.1', 'a@pass.spf.test', signed),
    c('rsaonly', '192.0.2.1', 'a@pass.spf.test', signed),
    c(false, '192.0.2.1', 'a@pass.spf.test', await signMessage(MESSAGE, [
      { domain: 'signer.test', key: { ...keys.rsa, selector: 'testing' } },
      { domain: 'signer.test', key: { ...keys.rsa, selector: 'bad' } },
    ])),
  ];
}

function dialogue(k: Case): string {
  const lines = k.data.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  return [`EHLO ${k.helo}`, `MAIL FROM:<${k.sender}>`, 'RCPT TO:<bob@mx.tern.test>', 'DATA', ...lines, '.', 'QUIT', ''].join('\r\n');
}

/**
 * The replies, log lines and SPF/DKIM trace lines of one run, normalised: message ids, sizes and
 * signing times vary; a TAB in a logwrite line is printed by Exim as it is.
 */
export function normalise(output: string): string {
  return output.split('\n')
    // the ACL trace is kept where it is about SPF or DKIM (not the ${authresults} value's lines)
    .filter((l) => (/^LOG:|^[2-5]\d\d[ -]/.test(l) && !/SMTP connection|closed by QUIT|^220 |^250[ -]/.test(l))
      || (l.startsWith('>>>') && /spf|dkim/i.test(l) && !/^>>>\s+(=\s+)?(\t|Authentication-Results)/.test(l)))
    .map((l) => l.replace(/^LOG: [0-9A-Za-z]{6}-[0-9A-Za-z]{11,12}-[0-9A-Za-z]{4} /, 'LOG: ')
      .replace(/\bt=\d+/g, 't=T').replace(/ S=\d+/, ' S=N').replace(/\t/g, '\\t'))
    .join('\n');
}

/** Run every case through a program given as [command, ...args before -C]. */
export async function runCases(command: string[], keys: Keys, env: NodeJS.ProcessEnv): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tern-auth-golden-'));
  const out: string[] = [];
  for (const k of await cases(keys)) {
    const conf = path.join(dir, `${k.variant}.conf`);
    fs.writeFileSync(conf, configText(k.variant));
    const r = spawnSync(command[0], [...command.slice(1), '-C', conf, '-bh', k.ip], { input: dialogue(k), encoding: 'latin1', env, timeout: 60_000 });
    out.push(`==== ${k.variant === 'plain' ? '' : `${k.variant} `}${k.ip} <${k.sender}> ${k.helo}${k.data.includes('DKIM-Signature') ? ' signed' : ''}${k.data.includes('changed') ? ' altered' : ''}`);
    out.push(normalise(`${r.stdout ?? ''}\n${r.stderr ?? ''}`));
  }
  return out.join('\n') + '\n';
}
