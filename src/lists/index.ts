// Matching domains, hosts, addresses, local parts and IP addresses against
// Exim lists (chapter "Domain, host, address, and local part lists"). Lists
// arrive already expanded; named lists ("+name") are expanded here when
// used, through the expander registered with setStringExpander().

import '../lookups/index.ts';

export { matchDomainList } from './domain.ts';
export { matchHostList, matchIpList, netLookupKey, type HostSubject } from './host.ts';
export { matchAddressList } from './address.ts';
export { matchLocalPartList } from './localpart.ts';
export { splitList, listCount, listSeparator } from './split.ts';
export { expandListText } from './walk.ts';
export type { ListMatch } from './types.ts';
export { ipVersion, parseIp, parseNet, ipInNet, ipToString, ipKeyText, normaliseMapped, type IpAddr, type IpNet } from './ip.ts';
export { newListCache, type ListCache, type ListOptions } from './walk.ts';
export { setListTracer, listTracer, atTraceLevel, traceOptionUnset, indentFor, type ListTracer } from './trace.ts';
