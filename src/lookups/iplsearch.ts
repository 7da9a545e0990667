// iplsearch: keys are IP addresses or CIDR networks; the first line (in file
// order) whose network contains the subject address wins. The file is
// indexed once per change by prefix length: a lookup masks the subject for
// each prefix length present and takes the earliest matching line, so it
// costs one probe per distinct mask length rather than a scan.

import { ipVersion, maskIp, normaliseMapped, parseIp, parseNet, type IpAddr } from '../lists/ip.ts';
import { lookupFile } from './file-cache.ts';
import { readLsearchFile, recordAnswer, type LsearchRecord } from './lsearch-format.ts';
import { registerLookup } from './registry.ts';
import { LookupDefer, type LookupRequest } from './types.ts';

interface Family {
  /** Distinct prefix lengths, each with masked-address text -> earliest record index. */
  byBits: Map<number, Map<string, number>>;
}

interface IpIndex {
  records: LsearchRecord[];
  v4: Family;
  v6: Family;
  star: number;
}

const wordsKey = (ip: IpAddr): string => ip.words.join(',');

function loadIndex(file: string): IpIndex {
  const records = readLsearchFile(file, 'iplsearch');
  const index: IpIndex = { records, v4: { byBits: new Map() }, v6: { byBits: new Map() }, star: -1 };
  records.forEach((rec, i) => {
    if (rec.key === '*') {
      if (index.star < 0) index.star = i;
      return;
    }
    const net = parseNet(rec.key);
    if (!net) return;
    const ip = normaliseMapped(net.ip);
    const bits = ip === net.ip ? net.bits : net.bits - 96;
    const fam = ip.v6 ? index.v6 : index.v4;
    let m = fam.byBits.get(bits);
    if (!m) fam.byBits.set(bits, (m = new Map()));
    const k = wordsKey(maskIp(ip, bits));
    if (!m.has(k)) m.set(k, i);
  });
  return index;
}

function findRecord(index: IpIndex, key: string): LsearchRecord | null {
  if (key === '*') return index.star >= 0 ? index.records[index.star] : null;
  const ip = normaliseMapped(parseIp(key)!);
  const fam = ip.v6 ? index.v6 : index.v4;
  let best = -1;
  for (const [bits, m] of fam.byBits) {
    const i = m.get(wordsKey(maskIp(ip, bits)));
    if (i !== undefined && (best < 0 || i < best)) best = i;
  }
  return best < 0 ? null : index.records[best];
}

const indexes = lookupFile('iplsearch', loadIndex);

registerLookup({
  name: 'iplsearch',
  style: 'single-key',
  check: indexes.check,
  find(req: LookupRequest): string | null {
    if (req.key !== '*' && ipVersion(req.key) === 0) {
      throw new LookupDefer(
        `"${req.key}" is not a valid iplsearch key (an IP address, with optional CIDR mask, is wanted): ` +
          'in a host list, use net-iplsearch as the search type',
      );
    }
    const rec = findRecord(indexes.of(req), req.key);
    return rec ? recordAnswer(rec, req.options) : null;
  },
});
