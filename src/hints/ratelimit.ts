// The ratelimit hints record: Exim's dbdata_ratelimit (time of the last
// update and the smoothed rate) plus, for unique= counting, a Bloom filter
// and the time it was started. Encoded as fixed little-endian doubles
// followed by the filter bytes.

export interface RateRecord {
  /** Seconds (with fraction) of the last update. */
  time: number;
  rate: number;
  /** unique=: when the filter was created, and its bits. */
  bloomEpoch?: number;
  bloom?: Uint8Array;
}

const HEADER = 24;

export function encodeRate(r: RateRecord): Uint8Array {
  const bloom = r.bloom ?? new Uint8Array(0);
  const buf = Buffer.alloc(HEADER + bloom.length);
  buf.writeDoubleLE(r.time, 0);
  buf.writeDoubleLE(r.rate, 8);
  buf.writeDoubleLE(r.bloom ? (r.bloomEpoch ?? 0) : -1, 16);
  buf.set(bloom, HEADER);
  return buf;
}

export function decodeRate(data: Uint8Array): RateRecord | undefined {
  if (data.length < HEADER) return undefined;
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const r: RateRecord = { time: buf.readDoubleLE(0), rate: buf.readDoubleLE(8) };
  const epoch = buf.readDoubleLE(16);
  if (epoch >= 0) {
    r.bloomEpoch = epoch;
    r.bloom = Uint8Array.from(buf.subarray(HEADER));
  }
  return r;
}

/** Smallest Bloom filter, in bytes (Exim's dbdata_ratelimit_unique has a 40-byte minimum). */
export const MIN_BLOOM_BYTES = 40;
