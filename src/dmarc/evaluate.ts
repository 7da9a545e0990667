// One DMARC evaluation (spec section "DMARC"), by mailauth over tern's
// resolver, reported in Exim's (libopendmarc's) vocabulary. The inputs are
// the From: header's domain, the domain SPF checked with its result, and the
// DKIM signatures that verified.
//
// Differences from Exim + libopendmarc: mailauth follows RFC 9989 (DMARCbis),
// finding the organizational domain by a DNS tree walk rather than from the
// public suffix list in dmarc_tld_file, and ignoring pct=.

import { mailauthResolver, type MailauthResolver } from '../spf/mailauth-resolver.ts';

export interface DmarcInput {
  /** The From: header's address domain; empty when there is none. */
  fromDomain: string;
  /** The domain SPF checked and its result, when an spf condition ran. */
  spf?: { domain: string; result: string };
  /** Domains of the DKIM signatures that passed. */
  dkimPassDomains: string[];
  resolver?: MailauthResolver;
}

export interface DmarcOutcome {
  /** $dmarc_status: accept, reject, quarantine, none, norecord, nofrom, temperror. */
  status: string;
  /** pass, fail, none or temperror: the Authentication-Results verdict. */
  passFail: string;
  /** $dmarc_status_text */
  text: string;
  /** $dmarc_used_domain: where the policy record was found (the From: domain when none was). */
  usedDomain: string;
  /** $dmarc_domain_policy: p= of the record, empty without one. */
  domainPolicy: string;
  alignSpf: boolean;
  alignDkim: boolean;
  /** A policy record was found (Exim then logs its "DMARC results:" line). */
  hasRecord: boolean;
}

function outcome(status: string, passFail: string, text: string, rest: Partial<DmarcOutcome> = {}): DmarcOutcome {
  return { status, passFail, text, usedDomain: '', domainPolicy: '', alignSpf: false, alignDkim: false, hasRecord: false, ...rest };
}

export async function evaluateDmarc(input: DmarcInput): Promise<DmarcOutcome> {
  if (!input.fromDomain) return outcome('nofrom', 'temperror', 'No From: domain found');
  const spfDomains = input.spf?.result === 'pass' ? [input.spf.domain] : [];
  // loaded on first use: mailauth takes a noticeable time to load
  const { dmarc } = await import('mailauth/lib/dmarc/index.js');
  let res: Awaited<ReturnType<typeof dmarc>>;
  try {
    res = await dmarc({
      headerFrom: `postmaster@${input.fromDomain}`,
      spfDomains,
      dkimDomains: input.dkimPassDomains.map((domain) => ({ domain })),
      resolver: (input.resolver ?? mailauthResolver) as never,
    });
  } catch {
    return outcome('temperror', 'temperror', 'Internal Policy Error', { usedDomain: input.fromDomain });
  }
  if (!res) return outcome('nofrom', 'temperror', 'No From: domain found');
  const r = res as typeof res & { p?: string; policy?: string; policyDomain?: string; alignment?: { spf?: { result?: string | false }; dkim?: { result?: string | false } } };
  const result = r.status.result;
  if (result === 'none') return outcome('norecord', 'none', 'No DMARC record', { usedDomain: input.fromDomain });
  if (result === 'temperror' && !r.p) return outcome('temperror', 'temperror', 'Internal Policy Error', { usedDomain: input.fromDomain });
  const common = {
    usedDomain: r.policyDomain ?? input.fromDomain,
    domainPolicy: r.p ?? '',
    alignSpf: !!r.alignment?.spf?.result,
    alignDkim: !!r.alignment?.dkim?.result,
    hasRecord: true,
  };
  if (result === 'pass') return outcome('accept', 'pass', 'Accept', common);
  if (result === 'temperror') return outcome('temperror', 'temperror', 'Internal Policy Error', common);
  switch (r.policy) {
    case 'reject': return outcome('reject', 'fail', 'Reject', common);
    case 'quarantine': return outcome('quarantine', 'fail', 'Quarantine', common);
    default: return outcome('none', 'none', 'None, Accept', common);
  }
}
