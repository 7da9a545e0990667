// Exim's native SRS (srs_encode item, inbound_srs condition): SRS0 addresses
// of the form SRS0=HHHH=TT=domain=local@forwarder, HHHH being the first four
// hex digits of HMAC-MD5(secret, lowercased original address) and TT the day
// number modulo 1024 in base 32.

import { createHmac } from 'node:crypto';
import { ExpandError } from './errors.ts';

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const MAX_AGE_DAYS = 31;

const dayNumber = (): number => Math.floor(Date.now() / 86_400_000) % 1024;
const timestamp = (day: number): string => B32[(day >> 5) & 31] + B32[day & 31];
const hash = (secret: string, address: string): string =>
  createHmac('md5', secret).update(address.toLowerCase()).digest('hex').slice(0, 4);

export function srsEncode(secret: string, returnPath: string, domain: string): string {
  if (returnPath === '') return '';
  const at = returnPath.lastIndexOf('@');
  const local = at < 0 ? returnPath : returnPath.slice(0, at);
  if (local === '' || /[<>\s]/.test(local)) throw new ExpandError('missing or malformed local part');
  const dom = at < 0 ? '' : returnPath.slice(at + 1);
  return `SRS0=${hash(secret, returnPath)}=${timestamp(dayNumber())}=${dom}=${local}@${domain}`;
}

/** Decode an SRS0 local part; null when it is not one or does not verify. */
export function srsInbound(localPart: string, secret: string): string | null {
  const m = /^srs0=([^=]{4})=([a-z2-7]{2})=([^=]*)=(.*)$/i.exec(localPart);
  if (!m) return null;
  const address = `${m[4]}@${m[3]}`;
  if (secret !== '') {
    if (m[1].toLowerCase() !== hash(secret, address)) return null;
    const t = m[2].toLowerCase();
    const day = (B32.indexOf(t[0]) << 5) | B32.indexOf(t[1]);
    const age = (dayNumber() - day + 1024) % 1024;
    if (age > MAX_AGE_DAYS) return null;
  }
  return address;
}
