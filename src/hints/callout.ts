// The callout cache (hints database "callout"; spec section "Callout
// caching"): a domain record (did the domain's hosts take the connection,
// HELO and MAIL FROM:<>; do they accept postmaster and random local parts)
// and address records (was this address accepted or rejected). Records are
// small JSON objects; each part of a domain record carries the time it was
// learnt, so that "postmaster rejected" can expire on the negative time
// while "connection accepted" lasts the positive time.

import { openHintsDb, type HintsDb } from './db.ts';

/** What was learnt about one thing: not known, accepted, rejected (and, for the domain result, MAIL FROM:<> rejected). */
export type CacheResult = 'unknown' | 'accept' | 'reject' | 'reject_mfnull';

/** Exim's numbers for the results, as its debug output prints them. */
export const RESULT_NUMBER: Record<CacheResult, number> = { unknown: 0, accept: 1, reject: 2, reject_mfnull: 3 };

export interface DomainRecord {
  result: CacheResult;
  postmaster: CacheResult;
  random: CacheResult;
  /** Seconds since the epoch when each part was learnt. */
  resultStamp: number;
  postmasterStamp: number;
  randomStamp: number;
}

export interface AddressRecord {
  result: 'accept' | 'reject';
  stamp: number;
}

/** The four lifetimes, in seconds (callout_*_expire options). */
export interface CalloutExpiry {
  positive: number;
  negative: number;
  domainPositive: number;
  domainNegative: number;
}

const DOMAIN_PREFIX = 'D:';
const ADDRESS_PREFIX = 'A:';

function isNegative(r: CacheResult): boolean {
  return r === 'reject' || r === 'reject_mfnull';
}

export class CalloutCache {
  private readonly db: HintsDb;
  private readonly expiry: CalloutExpiry;
  private readonly now: () => number;

  constructor(db: HintsDb, expiry: CalloutExpiry, now: () => number = () => Date.now() / 1000) {
    this.db = db;
    this.expiry = expiry;
    this.now = now;
  }

  static open(spoolDir: string, expiry: CalloutExpiry): CalloutCache {
    return new CalloutCache(openHintsDb(spoolDir, 'callout'), expiry);
  }

  /**
   * The domain record, with parts that have expired turned back into
   * "unknown"; undefined when there is none or the whole record expired.
   */
  getDomain(domain: string): DomainRecord | undefined {
    const raw = this.read(DOMAIN_PREFIX + domain.toLowerCase());
    if (!raw) return undefined;
    const r = raw as DomainRecord;
    const now = this.now();
    // The whole record lasts the negative time when the domain refused callouts or postmaster.
    const life = isNegative(r.result) || r.postmaster === 'reject' ? this.expiry.domainNegative : this.expiry.domainPositive;
    if (now - r.resultStamp > life) return undefined;
    const out = { ...r };
    const partLife = (p: CacheResult): number => (isNegative(p) ? this.expiry.domainNegative : this.expiry.domainPositive);
    if (out.postmaster !== 'unknown' && now - out.postmasterStamp > partLife(out.postmaster)) out.postmaster = 'unknown';
    if (out.random !== 'unknown' && now - out.randomStamp > partLife(out.random)) out.random = 'unknown';
    return out;
  }

  putDomain(domain: string, r: DomainRecord): void {
    this.write(DOMAIN_PREFIX + domain.toLowerCase(), r);
  }

  /** The address record if it has not expired. */
  getAddress(key: string): AddressRecord | undefined {
    const raw = this.read(ADDRESS_PREFIX + key);
    if (!raw) return undefined;
    const r = raw as AddressRecord;
    const life = r.result === 'accept' ? this.expiry.positive : this.expiry.negative;
    return this.now() - r.stamp > life ? undefined : r;
  }

  putAddress(key: string, result: 'accept' | 'reject'): void {
    this.write(ADDRESS_PREFIX + key, { result, stamp: this.now() } satisfies AddressRecord);
  }

  stamp(): number {
    return this.now();
  }

  private read(key: string): unknown {
    const rec = this.db.get(key);
    if (!rec) return undefined;
    try {
      return JSON.parse(Buffer.from(rec.data).toString('utf8')) as unknown;
    } catch {
      // A damaged record is as good as none: hints are advisory.
      return undefined;
    }
  }

  private write(key: string, value: object): void {
    this.db.put(key, Buffer.from(JSON.stringify(value), 'utf8'));
  }
}

/** A fresh domain record: nothing known yet. */
export function emptyDomainRecord(now: number): DomainRecord {
  return { result: 'unknown', postmaster: 'unknown', random: 'unknown', resultStamp: now, postmasterStamp: now, randomStamp: now };
}
