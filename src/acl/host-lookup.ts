// The host-name lookup lives with the host lists (src/lists/host-name.ts),
// which need it too; ACL code imports it from here.
export { hostNameLookup, nameHasAddress, noHostNameLogLine, type HostLookupResult, type HostLookupTrace } from '../lists/host-name.ts';
