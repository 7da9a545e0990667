// ARC verification of a received message (experimental spec, "ARC support";
// RFC 8617 section 5.2): the chain of ARC sets is checked by mailauth over
// tern's resolver and described in the terms of Exim's $arc_* variables.
// "oldest-pass" (step 7, optional in the RFC) is found by verifying each
// older ARC-Message-Signature against the message as it was when that set
// was added, i.e. without the ARC sets that came after it.

import { mailauthResolver, type MailauthResolver } from '../spf/mailauth-resolver.ts';

export type ArcState = 'pass' | 'fail' | 'none';

export interface ArcOutcome {
  state: ArcState;
  /** Why the chain failed (empty otherwise). */
  reason: string;
  /** The ARC-Seal d= of each set, in chain order, colon-separated (empty items for sets without one). */
  domains: string;
  /** The lowest instance whose ARC-Message-Signature, and those of all later sets, verify; 0 if none. */
  oldestPass: number;
  /** The highest instance found (the chain's length for a good chain); 0 without ARC sets. */
  instance: number;
  /** s= of the newest ARC-Message-Signature. */
  amsSelector: string;
}

const ARC_FIELDS = /^arc-(seal|message-signature|authentication-results)[ \t]*:/i;

interface ParsedTag { value?: unknown }
interface ChainEntry {
  i: number;
  'arc-seal'?: { parsed?: Record<string, ParsedTag | undefined> };
  'arc-message-signature'?: { parsed?: Record<string, ParsedTag | undefined> };
}
interface ArcData {
  chain: ChainEntry[] | false;
  lastEntry?: ChainEntry & { messageSignature?: { status?: { result?: string } } };
  error?: unknown;
}

function tag(entry: ChainEntry | undefined, field: 'arc-seal' | 'arc-message-signature', name: string): string {
  const v = entry?.[field]?.parsed?.[name]?.value;
  return v === undefined || v === null ? '' : String(v);
}

/** The instance an ARC header field claims: the AAR's leading "i=N;", the i= tag of the others. */
function fieldInstance(field: string): number | undefined {
  const value = field.slice(field.indexOf(':') + 1);
  const m = /(?:^|;)[ \t\r\n]*i[ \t\r\n]*=[ \t\r\n]*(\d{1,2})[ \t\r\n]*(?:;|$)/.exec(value);
  return m ? Number(m[1]) : undefined;
}

/** The message without the ARC header fields of instances above `keep`. */
export function withoutLaterSets(raw: Buffer, keep: number): Buffer {
  const text = raw.toString('latin1');
  const end = /\r?\n\r?\n/.exec(text);
  const headerEnd = end ? end.index + end[0].length : text.length;
  // header fields with their continuation lines, line ends kept
  const fields = text.slice(0, headerEnd).match(/[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*|[^\r\n]+$/g) ?? [];
  const kept = fields.filter((f) => {
    if (!ARC_FIELDS.test(f)) return true;
    const i = fieldInstance(f);
    return i === undefined || i <= keep;
  });
  return Buffer.from(kept.join('') + text.slice(headerEnd), 'latin1');
}

type DkimVerify = (message: Buffer, opts: object) => Promise<{ arc?: ArcData }>;
type ArcVerify = (data: ArcData, opts: object) => Promise<{ status: { result: string; comment?: string }; i?: number | false }>;

async function libraries(): Promise<{ dkimVerify: DkimVerify; arc: ArcVerify }> {
  // loaded on first use, as for DKIM: mailauth takes a noticeable time to load
  const [{ dkimVerify }, { arc }] = await Promise.all([import('mailauth/lib/dkim/verify.js'), import('mailauth/lib/arc/index.js')]);
  return { dkimVerify: dkimVerify as unknown as DkimVerify, arc: arc as unknown as ArcVerify };
}

/** Does the newest ARC-Message-Signature of this message verify? */
async function newestAmsPasses(message: Buffer, resolver: MailauthResolver, dkimVerify: DkimVerify): Promise<boolean> {
  try {
    const r = await dkimVerify(message, { resolver });
    return r.arc?.lastEntry?.messageSignature?.status?.result === 'pass';
  } catch {
    return false;
  }
}

/** Verify the message's ARC chain. raw is the message as received: headers, blank line, body. */
export async function verifyArc(raw: Buffer, opts: { resolver?: MailauthResolver } = {}): Promise<ArcOutcome> {
  const resolver = opts.resolver ?? mailauthResolver;
  const { dkimVerify, arc } = await libraries();
  let data: ArcData | undefined;
  try {
    data = (await dkimVerify(raw, { resolver })).arc;
  } catch (e) {
    return { state: 'fail', reason: e instanceof Error ? e.message : String(e), domains: '', oldestPass: 0, instance: 0, amsSelector: '' };
  }
  const chain = data?.chain || [];
  const domains = chain.map((e) => tag(e, 'arc-seal', 'd')).join(':');
  if (!data || (!data.chain && !data.error)) return { state: 'none', reason: '', domains: '', oldestPass: 0, instance: 0, amsSelector: '' };
  const result = await arc(data, { resolver });
  const state: ArcState = result.status.result === 'pass' ? 'pass' : result.status.result === 'none' ? 'none' : 'fail';
  const instance = typeof result.i === 'number' ? result.i : (data.lastEntry?.i ?? 0);
  const outcome: ArcOutcome = {
    state,
    reason: state === 'fail' ? (result.status.comment ?? 'chain verification failed') : '',
    domains,
    oldestPass: 0,
    instance,
    amsSelector: tag(data.lastEntry, 'arc-message-signature', 's'),
  };
  if (state === 'pass') {
    // the newest AMS passed as part of the chain; walk down while older ones still verify
    let oldest = instance;
    for (let i = instance - 1; i >= 1; i--) {
      if (!(await newestAmsPasses(withoutLaterSets(raw, i), resolver, dkimVerify))) break;
      oldest = i;
    }
    outcome.oldestPass = oldest;
  }
  return outcome;
}
