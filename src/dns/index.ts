// The DNS subsystem's public face. See resolver.ts for how queries are made
// and config.ts for which servers are asked.

export type { DnsAnswer, DnsQueryOptions, DnsRecord, DnsStatus, RRType } from './types.ts';
export { resolve, resolveSync } from './resolver.ts';
export { setResolvers, setResolverOptions, resolverConfig, type ResolverAddress } from './config.ts';
export { clearDnsCache } from './cache.ts';
export { reverseName } from './reverse.ts';
export { formatIpv6, ipv6Bytes } from './ipv6.ts';
export { setNameCheck, defaultNameCheck, type NameCheck } from './names.ts';
export {
  lookupHostAddresses, lookupHostAddressesSync, lookupPtr, lookupPtrSync, lookupMx, lookupMxSync, mergeAnswers,
} from './hosts.ts';
